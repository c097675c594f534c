/// The schema of a Parquet file as a tree, with the levels each node records.
public struct ParquetSchema: Sendable, Equatable {
    /// A field's repetition.
    public enum Repetition: Int, Sendable {
        case required = 0, optional = 1, repeated = 2
    }

    /// Parquet's physical types.
    public enum PhysicalType: Int, Sendable {
        case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
    }

    /// One field: a group (with children) or a leaf column.
    public struct Node: Sendable, Equatable {
        public var name: String
        public var repetition: Repetition
        /// Nil for a group.
        public var physicalType: PhysicalType?
        public var typeLength: Int
        public var children: [Node]
        /// The schema element as written, kept whole so a writer can write it back unchanged.
        var element: ThriftStruct
        /// The definition level at which this node is present; the repetition level of its repeats.
        public var definitionLevel = 0
        public var repetitionLevel = 0
        /// The leaf columns under this node: `leafStart ..< leafStart + leafCount`.
        var leafStart = 0
        var leafCount = 0

        public var isLeaf: Bool { physicalType != nil }

        /// A group annotated LIST whose one child repeats: read as a plain list of elements.
        var isListWrapper: Bool {
            guard !isLeaf, children.count == 1, children[0].repetition == .repeated else { return false }
            return element.int(6) == 3 || element.structure(10)?[3] != nil
        }

        /// Under a LIST wrapper: the repeated child is a one-field group around the element
        /// (three-level lists), not the element itself (legacy two-level lists, by the spec's rules).
        var wrapsElement: Bool {
            !isLeaf && children.count == 1 && name != "array" && !name.hasSuffix("_tuple")
        }

        /// True for text: a byte array annotated STRING, UTF8, ENUM or JSON.
        public var isText: Bool {
            guard physicalType == .byteArray else { return false }
            if let c = element.int(6), c == 0 || c == 4 || c == 19 { return true }
            if let l = element.structure(10) { return l[1] != nil || l[4] != nil || l[12] != nil }
            return false
        }

        /// The node that describes each item when this node's values are lists (a repeated field,
        /// or a LIST group); nil otherwise.
        public var itemNode: Node? {
            if repetition == .repeated {
                var single = self
                single.repetition = .required
                return single
            }
            guard isListWrapper else { return nil }
            let repeated = children[0]
            if repeated.wrapsElement { return repeated.children[0] }
            var single = repeated
            single.repetition = .required
            return single
        }

        /// The child named `name`.
        public func child(_ name: String) -> Node? { children.first { $0.name == name } }
    }

    /// The root group; its children are the top-level columns.
    public var root: Node
    /// The leaf columns in file order, with their dotted paths.
    public private(set) var leaves: [Node] = []
    public private(set) var leafPaths: [String] = []

    /// Builds the tree from the footer's flat, depth-first list of schema elements.
    init(elements: [ThriftStruct]) throws(ParquetError) {
        guard !elements.isEmpty else { throw .corrupt("the schema is empty") }
        var position = 0
        var leaves: [Node] = []
        var paths: [String] = []
        func build(depth: Int, parentDef: Int, parentRep: Int, path: [String]) throws(ParquetError) -> Node {
            guard position < elements.count else { throw .corrupt("the schema lists fewer elements than its groups claim") }
            guard depth < 64 else { throw .corrupt("the schema nests deeper than 64 levels") }
            let e = elements[position]
            position += 1
            let name = e.string(4) ?? ""
            let repetition: Repetition
            if depth == 0 {
                repetition = .required
            } else if let r = e.int(3) {
                guard let rep = Repetition(rawValue: r) else { throw .corrupt("field \(name) has an unknown repetition \(r)") }
                repetition = rep
            } else {
                throw .corrupt("field \(name) has no repetition")
            }
            var node = Node(
                name: name, repetition: repetition, physicalType: nil, typeLength: e.int(2) ?? 0, children: [], element: e)
            node.definitionLevel = parentDef + (repetition == .required ? 0 : 1)
            node.repetitionLevel = parentRep + (repetition == .repeated ? 1 : 0)
            let childPath = depth == 0 ? path : path + [name]
            let childCount = e.int(5) ?? 0
            if childCount > 0 || depth == 0 {
                guard childCount <= elements.count - position else {
                    throw .corrupt("group \(name) claims \(childCount) children; the schema has fewer elements")
                }
                node.leafStart = leaves.count
                for _ in 0..<childCount {
                    node.children.append(
                        try build(depth: depth + 1, parentDef: node.definitionLevel, parentRep: node.repetitionLevel, path: childPath))
                }
                node.leafCount = leaves.count - node.leafStart
            } else {
                guard let t = e.int(1), let type = PhysicalType(rawValue: t) else {
                    throw .unsupported("field \(childPath.joined(separator: ".")): physical type \(e.int(1).map(String.init) ?? "none")")
                }
                node.physicalType = type
                node.leafStart = leaves.count
                node.leafCount = 1
                leaves.append(node)
                paths.append(childPath.joined(separator: "."))
            }
            return node
        }
        root = try build(depth: 0, parentDef: 0, parentRep: 0, path: [])
        guard position == elements.count else { throw .corrupt("the schema has elements outside its root group") }
        self.leaves = leaves
        self.leafPaths = paths
    }

    /// A schema with `root` as its tree (for writers).
    public init(root: Node) throws(ParquetError) {
        try self.init(elements: Self.flatten(root))
    }

    /// The flat, depth-first element list the footer stores.
    var elements: [ThriftStruct] { Self.flatten(root) }

    private static func flatten(_ node: Node) -> [ThriftStruct] {
        var e = node.element
        e[4] = .string(node.name)
        if node.isLeaf {
            e[5] = nil
        } else {
            e[5] = .i32(node.children.count)
            e[1] = nil
        }
        return [e] + node.children.flatMap { flatten($0) }
    }

    /// The index of the top-level field `name`.
    public func fieldIndex(_ name: String) -> Int? { root.children.firstIndex { $0.name == name } }

    public static func == (a: ParquetSchema, b: ParquetSchema) -> Bool { a.root == b.root }
}

extension ParquetSchema.Node {
    /// A nullable text leaf (`optional binary NAME (String)`).
    public static func optionalText(_ name: String) -> Self {
        var e = ThriftStruct()
        e[1] = .i32(ParquetSchema.PhysicalType.byteArray.rawValue)
        e[3] = .i32(ParquetSchema.Repetition.optional.rawValue)
        e[4] = .string(name)
        e[6] = .i32(0)  // UTF8
        var logical = ThriftStruct()
        logical[1] = .structure(ThriftStruct())  // STRING
        e[10] = .structure(logical)
        return Self(name: name, repetition: .optional, physicalType: .byteArray, typeLength: 0, children: [], element: e)
    }
}
