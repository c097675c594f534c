import GavelCore
import GavelJSON

/// Where every trajectory of a run lives and which group it belongs to, without keeping the text.
///
/// Memory grows by a few words per line, not with the size of the lines: the pipeline
/// re-reads a group's lines by byte offset when it needs them.
public struct InputIndex: Sendable {
    /// One valid, non-blank input line; for a Parquet input, one group (`offset` is its ordinal in
    /// the file, or its row in a file without `group_index`; `length` about the size of its JSON).
    public struct Record: Sendable {
        public var file: Int32
        public var line: Int32
        public var offset: Int
        public var length: Int
        /// The group the line belongs to (its own group, for a group line).
        public var group: Int32
        /// Position within its group for a trajectory line; -1 for a group line.
        public var member: Int32
    }

    /// One group: trajectory lines gathered by key, or one group line.
    public struct Group: Sendable {
        public enum Source: Sendable {
            /// Record indices of trajectory lines, in input order.
            case lines([Int])
            /// A group line and how many trajectories it holds.
            case groupLine(record: Int, count: Int)
        }

        public var key: String
        public var source: Source

        /// How many trajectories the group holds.
        public var count: Int {
            switch source {
            case .lines(let r): return r.count
            case .groupLine(_, let n): return n
            }
        }
    }

    public var records: [Record] = []
    public var groups: [Group] = []
    /// Lines skipped under `--on-invalid skip`, with why.
    public var skipped: [InputError] = []
    /// For a shard's index: the records of the whole input (every shard's).
    public var unshardedRecords: Int?
    /// With a reference path: for each group, whether it (its line or a member) has a value there.
    public var hasReference: [Bool] = []

    /// Total trajectories over all groups.
    public var trajectoryCount: Int { groups.reduce(0) { $0 + $1.count } }
}

extension InputIndex {
    /// Reads every input once, validating and grouping each line.
    /// With `referencePath`, notes which groups have a reference answer there (`hasReference`).
    public static func scan(
        _ inputs: InputSet, rule: GroupingRule, skipInvalid: Bool, maxLineBytes: Int, referencePath: String? = nil
    ) throws -> InputIndex {
        var index = InputIndex()
        var groupsByKey: [String: Int] = [:]
        var members: [[Int]] = []  // for trajectory-line groups, parallel to `index.groups`
        var chunkCount = 0  // for `.size`: lines in the current chunk
        var chunkNumber = 0
        let keyPaths = rule.pathParts
        func referenced(_ objects: JSONObject?...) -> Bool {
            referencePath.map { ReferenceAnswers.present(at: $0, in: objects) } ?? false
        }
        /// Adds a group line (or a Parquet file's group) as its own group, named by its key if it (or
        /// its first trajectory) has one.
        func addGroupLine(
            _ object: JSONObject, count: Int, hasReference: Bool, file: Int, line: Int, offset: Int, length: Int
        ) {
            let first = object["trajectories"]?.arrayValue?.first?.objectValue
            let key = rule.key(of: object) ?? first.flatMap { rule.key(of: $0) } ?? "\(inputs.names[file]):\(line)"
            index.groups.append(Group(key: key, source: .groupLine(record: index.records.count, count: count)))
            index.hasReference.append(hasReference)
            members.append([])
            index.records.append(
                Record(
                    file: Int32(file), line: Int32(line), offset: offset, length: length, group: Int32(index.groups.count - 1),
                    member: -1))
        }
        /// Adds a trajectory line (or a row of a Parquet file without `group_index`) to its group.
        func addTrajectory(_ object: JSONObject, file: Int, line: Int, offset: Int, length: Int) throws(InputError) {
            let key: String
            switch rule {
            case .size(let n):
                if chunkCount == n { chunkCount = 0; chunkNumber += 1 }
                chunkCount += 1
                key = "chunk-\(chunkNumber + 1)"
            case .keyPaths:
                guard let k = rule.key(of: object) else {
                    throw .noGroupKey(path: inputs.names[file], line: line, "no group key: none of \(rule.describedPaths) is present")
                }
                key = k
            }
            let g: Int
            if let existing = groupsByKey[key] {
                g = existing
            } else {
                g = index.groups.count
                groupsByKey[key] = g
                index.groups.append(Group(key: key, source: .lines([])))
                index.hasReference.append(false)
                members.append([])
            }
            if referencePath != nil, !index.hasReference[g], referenced(object) { index.hasReference[g] = true }
            index.records.append(
                Record(
                    file: Int32(file), line: Int32(line), offset: offset, length: length, group: Int32(g), member: Int32(members[g].count)))
            members[g].append(index.records.count - 1)
        }
        for file in inputs.names.indices {
            let name = inputs.names[file]
            if let input = inputs.parquet[file] {
                // Scanned when it was opened: its groups, key fields and problems are known without JSON.
                for o in input.lineOrder.map(Int.init) {
                    let l = input.groups[o]
                    if let problem = l.problem {
                        guard skipInvalid else { throw problem }
                        index.skipped.append(problem)
                        continue
                    }
                    guard input.hasGroups else {
                        try addTrajectory(l.keyObject, file: file, line: l.line, offset: o, length: l.textBytes)
                        continue
                    }
                    // The key object holds the group's fields and its first trajectory only.
                    let first = l.keyObject["trajectories"]?.arrayValue?.first?.objectValue
                    addGroupLine(
                        l.keyObject, count: l.count, hasReference: referenced(l.keyObject, first), file: file, line: l.line, offset: o,
                        length: l.textBytes)
                }
                continue
            }
            let reader = try inputs.lineReader(file: file, maxLineBytes: maxLineBytes)
            try reader.forEachLine { line in
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
                do throws(InputError) {
                    let decoded = try TrajectoryDecoder.decode(
                        line.bytes, path: name, line: line.number, keyPaths: keyPaths, canonical: false)
                    switch decoded {
                    case .group(let object, let trajectories):
                        // Only with --reference: otherwise the scan walks no member for it.
                        let hasReference =
                            referencePath != nil
                            && (referenced(object) || (object["trajectories"]?.arrayValue ?? []).contains { referenced($0.objectValue) })
                        addGroupLine(
                            object, count: trajectories.count, hasReference: hasReference, file: file, line: line.number,
                            offset: line.offset, length: line.bytes.count)
                    case .trajectory(let object, _):
                        try addTrajectory(object, file: file, line: line.number, offset: line.offset, length: line.bytes.count)
                    }
                } catch {
                    guard skipInvalid else { throw error }
                    index.skipped.append(error)
                }
                return true
            }
        }
        for g in index.groups.indices {
            if case .lines = index.groups[g].source { index.groups[g].source = .lines(members[g]) }
        }
        return index
    }

    /// Loads the judge's view of every trajectory in group `g`, in member order, and the group's
    /// reference answers at `referencePath` (see `ReferenceAnswers`).
    package func loadGroup(
        _ g: Int, from inputs: InputSet, referencePath: String? = nil
    ) throws -> (
        trajectories: [Trajectory], references: [JSONValue]
    ) {
        switch groups[g].source {
        case .lines(let recordIndices):
            var objects: [JSONObject] = []
            let trajectories = try recordIndices.map { r -> Trajectory in
                guard case .trajectory(let o, let t) = try inputs.decode(records[r], objects: referencePath != nil) else {
                    throw changed(r, inputs)
                }
                if referencePath != nil { objects.append(o) }
                return t
            }
            return (trajectories, referencePath.map { ReferenceAnswers.find(at: $0, in: objects) } ?? [])
        case .groupLine(let r, _):
            guard case .group(let o, let ts) = try inputs.decode(records[r], objects: referencePath != nil) else {
                throw changed(r, inputs)
            }
            guard let path = referencePath else { return (ts, []) }
            let members = o["trajectories"]?.arrayValue?.compactMap(\.objectValue) ?? []
            return (ts, ReferenceAnswers.find(at: path, in: [o] + members))
        }
    }

    private func changed(_ r: Int, _ inputs: InputSet) -> InputError {
        .invalidLine(path: inputs.names[Int(records[r].file)], line: Int(records[r].line), "the line changed while Gavel was reading it")
    }
}
