/// Rebuilds nested rows from the leaf columns' repetition and definition levels (Dremel assembly).
struct RecordAssembler {
    private var columns: [ColumnData]
    private let leaves: [ParquetSchema.Node]
    private let paths: [String]
    private var entry: [Int]
    private var value: [Int]
    /// Leaves decoded for this read; fields whose leaves are not read as null.
    private let wanted: [Bool]

    init(columns: [ColumnData], leaves: [ParquetSchema.Node], paths: [String], wanted: [Bool]) {
        self.columns = columns
        self.wanted = wanted
        self.leaves = leaves
        self.paths = paths
        entry = Array(repeating: 0, count: columns.count)
        value = Array(repeating: 0, count: columns.count)
    }

    /// The next row.
    mutating func readRow(_ root: ParquetSchema.Node) throws(ParquetError) -> ParquetValue {
        var fields: [ParquetValue] = []
        fields.reserveCapacity(root.children.count)
        for child in root.children {
            guard child.leafCount > 0 else { throw .unsupported("group \(child.name) without columns") }
            guard wanted[child.leafStart] else {
                fields.append(.null)
                continue
            }
            guard entry[child.leafStart] < columns[child.leafStart].count else {
                throw ParquetError.corrupt("the column ends before the row count the footer gives").at(
                    path: "", column: paths[child.leafStart])
            }
            guard repetition(child.leafStart) == 0 else {
                throw ParquetError.corrupt("a row starts with a repetition level above 0").at(path: "", column: paths[child.leafStart])
            }
            fields.append(try readField(child))
        }
        return .record(fields)
    }

    /// Checks that every column was used up exactly.
    func finish() throws(ParquetError) {
        for i in columns.indices where wanted[i] && (entry[i] != columns[i].count || value[i] != columns[i].values.count) {
            throw ParquetError.corrupt("the column holds more values than its rows use").at(path: "", column: paths[i])
        }
    }

    private func repetition(_ leaf: Int) -> Int {
        columns[leaf].repetition.isEmpty ? 0 : Int(columns[leaf].repetition[entry[leaf]])
    }

    private func definition(_ leaf: Int) -> Int {
        columns[leaf].definition.isEmpty ? leaves[leaf].definitionLevel : Int(columns[leaf].definition[entry[leaf]])
    }

    private func check(_ leaf: Int) throws(ParquetError) {
        guard entry[leaf] < columns[leaf].count else {
            throw ParquetError.corrupt("the column's levels end inside a row").at(path: "", column: paths[leaf])
        }
    }

    private mutating func readField(_ node: ParquetSchema.Node) throws(ParquetError) -> ParquetValue {
        let leaf = node.leafStart
        guard node.leafCount > 0 else { throw .unsupported("group \(node.name) without columns") }
        try check(leaf)
        if node.repetition == .repeated {
            if definition(leaf) < node.definitionLevel {
                try skip(node)
                return .list([])
            }
            var items: [ParquetValue] = []
            while true {
                items.append(try readPresent(node))
                guard entry[leaf] < columns[leaf].count, repetition(leaf) == node.repetitionLevel else { break }
            }
            return .list(items)
        }
        if node.repetition == .optional, definition(leaf) < node.definitionLevel {
            try skip(node)
            return .null
        }
        return try readPresent(node)
    }

    private mutating func readPresent(_ node: ParquetSchema.Node) throws(ParquetError) -> ParquetValue {
        if node.isLeaf {
            let leaf = node.leafStart
            try check(leaf)
            guard definition(leaf) == node.definitionLevel else {
                throw ParquetError.corrupt("a definition level that contradicts the schema").at(path: "", column: paths[leaf])
            }
            guard value[leaf] < columns[leaf].values.count else {
                throw ParquetError.corrupt("the column has fewer values than its levels say").at(path: "", column: paths[leaf])
            }
            let v = columns[leaf].values[value[leaf]]
            value[leaf] += 1
            entry[leaf] += 1
            return v
        }
        if node.isListWrapper {
            let element = node.children[0]
            let list = try readField(element)
            guard element.wrapsElement, case .list(let items) = list else { return list }
            return .list(items.map { $0.fields?.first ?? .null })
        }
        var fields: [ParquetValue] = []
        fields.reserveCapacity(node.children.count)
        for child in node.children { fields.append(try readField(child)) }
        return .record(fields)
    }

    /// Steps every column under `node` past the one entry that records it as null or empty.
    private mutating func skip(_ node: ParquetSchema.Node) throws(ParquetError) {
        for leaf in node.leafStart..<(node.leafStart + node.leafCount) {
            try check(leaf)
            entry[leaf] += 1
        }
    }
}
