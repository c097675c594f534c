/// One leaf column's pages, shredded from rows: levels and PLAIN-encoded values.
struct ShreddedColumn {
    struct Page {
        var repetition: [UInt32] = []
        var definition: [UInt32] = []
        var values: [UInt8] = []
        var entries = 0
        /// Booleans waiting to be packed 8 to a byte.
        var bits = 0
    }
    var pages: [Page] = [Page()]
    var entries = 0
}

/// Splits rows into leaf columns with repetition and definition levels (Dremel shredding), the
/// inverse of `RecordAssembler`.
struct ColumnShredder {
    private let schema: ParquetSchema
    private(set) var columns: [ShreddedColumn]
    /// A page is closed at the first row boundary after this many value bytes.
    private let pageBytes = 1 << 20

    init(schema: ParquetSchema) {
        self.schema = schema
        columns = Array(repeating: ShreddedColumn(), count: schema.leaves.count)
    }

    /// Adds one row (a `.record` of the top-level fields).
    mutating func shred(_ row: ParquetValue) throws(ParquetError) {
        guard let fields = row.fields, fields.count == schema.root.children.count else {
            throw .invalidValue("a row with \(row.fields?.count ?? 0) fields for a schema of \(schema.root.children.count)")
        }
        for (child, value) in zip(schema.root.children, fields) { try field(value, child, rep: 0, def: 0) }
    }

    private mutating func field(_ value: ParquetValue, _ node: ParquetSchema.Node, rep: Int, def: Int) throws(ParquetError) {
        if node.repetition == .repeated {
            let items: [ParquetValue]
            switch value {
            case .list(let v): items = v
            case .null: items = []
            default: throw .invalidValue("field \(node.name) repeats; expected a list, got a \(value.kind)")
            }
            if items.isEmpty { return nulls(node, rep: rep, def: def) }
            for (k, item) in items.enumerated() { try present(item, node, rep: k == 0 ? rep : node.repetitionLevel) }
            return
        }
        if value.isNull {
            guard node.repetition == .optional else { throw .invalidValue("field \(node.name) is required; got null") }
            return nulls(node, rep: rep, def: def)
        }
        try present(value, node, rep: rep)
    }

    private mutating func present(_ value: ParquetValue, _ node: ParquetSchema.Node, rep: Int) throws(ParquetError) {
        let def = node.definitionLevel
        if let type = node.physicalType {
            let leaf = node.leafStart
            startEntry(leaf, rep: rep, def: def)
            let last = columns[leaf].pages.count - 1
            if type == .boolean {
                guard case .bool(let b) = value else { throw .invalidValue("a \(value.kind) value in boolean column \(node.name)") }
                let k = columns[leaf].pages[last].bits
                if k % 8 == 0 { columns[leaf].pages[last].values.append(0) }
                if b { columns[leaf].pages[last].values[columns[leaf].pages[last].values.count - 1] |= UInt8(1) << UInt8(k % 8) }
                columns[leaf].pages[last].bits += 1
            } else {
                try PlainValues.append(value, type: type, typeLength: node.typeLength, to: &columns[leaf].pages[last].values)
            }
            return
        }
        if node.isListWrapper {
            let element = node.children[0]
            guard let items = value.items ?? (value.isNull ? [] : nil) else {
                throw .invalidValue("field \(node.name) is a list; got a \(value.kind)")
            }
            return try field(.list(element.wrapsElement ? items.map { .record([$0]) } : items), element, rep: rep, def: def)
        }
        guard let fields = value.fields, fields.count == node.children.count else {
            throw .invalidValue("field \(node.name) is a group of \(node.children.count) fields; got a \(value.kind)")
        }
        for (child, v) in zip(node.children, fields) { try field(v, child, rep: rep, def: def) }
    }

    /// One entry in every leaf under `node` saying it is null (or an empty list) at level `def`.
    private mutating func nulls(_ node: ParquetSchema.Node, rep: Int, def: Int) {
        for leaf in node.leafStart..<(node.leafStart + node.leafCount) { startEntry(leaf, rep: rep, def: def) }
    }

    private mutating func startEntry(_ leaf: Int, rep: Int, def: Int) {
        // Cut pages only where a row starts, so no row spans two pages.
        if rep == 0, columns[leaf].pages[columns[leaf].pages.count - 1].values.count >= pageBytes {
            columns[leaf].pages.append(.init())
        }
        let last = columns[leaf].pages.count - 1
        if schema.leaves[leaf].repetitionLevel > 0 { columns[leaf].pages[last].repetition.append(UInt32(rep)) }
        if schema.leaves[leaf].definitionLevel > 0 { columns[leaf].pages[last].definition.append(UInt32(def)) }
        columns[leaf].pages[last].entries += 1
        columns[leaf].entries += 1
    }
}
