import Foundation
import Gavel
import GavelCore
import GavelJSON
import GavelSupport

/// What `gavel batch submit` sent, written atomically beside the cache after each batch is
/// created, so `status` and `collect` work after a restart, from any process.
public struct BatchManifest: Sendable {
    /// One submitted batch.
    public struct Entry: Sendable {
        public var id: String
        /// `openai` or `anthropic` (the API's style).
        public var api: String
        /// The judge (`provider/model`) the batch's requests are for, and the digest of its settings
        /// (the cache's identity digest, so answers are stored under the keys a rank will look up).
        public var judge: String
        public var identity: String
        public var baseURL: String
        public var inputFile: String?
        /// How the judge was asked to answer (`JudgeMode`'s text; `explained` in manifests older than modes).
        public var mode: String = JudgeMode.explained.description
        public var created: String
        /// The requests: cache key and id count of each.
        public var calls: [(key: String, ids: Int)]
        /// Set by `collect` once the batch ended and its results were taken in.
        public var collected: Bool
    }

    public static let version = 1
    public var entries: [Entry] = []
    /// The command line that made the batches (for people reading the file).
    public var command: [String] = []

    public init() {}

    /// Reads the manifest at `path`.
    public static func read(_ path: String) throws -> BatchManifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BatchError.manifest("no batch manifest at \(path): run gavel batch submit first (or name it with --manifest)")
        }
        guard let json = try? JSONParser.parse([UInt8](data)), json["version"]?.intValue == version,
            let list = json["batches"]?.arrayValue
        else { throw BatchError.manifest("\(path) is not a Gavel batch manifest of version \(version)") }
        var m = BatchManifest()
        m.command = json["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for item in list {
            guard let id = item["id"]?.stringValue, let api = item["api"]?.stringValue, let judge = item["judge"]?.stringValue,
                let baseURL = item["base_url"]?.stringValue, let calls = item["calls"]?.arrayValue
            else { throw BatchError.manifest("\(path): a batch entry lacks its id, api, judge, base_url or calls") }
            m.entries.append(
                Entry(
                    id: id, api: api, judge: judge, identity: item["identity"]?.stringValue ?? "", baseURL: baseURL,
                    inputFile: item["input_file"]?.stringValue, mode: item["mode"]?.stringValue ?? JudgeMode.explained.description,
                    created: item["created"]?.stringValue ?? "",
                    calls: calls.compactMap { c in c[0]?.stringValue.flatMap { k in c[1]?.intValue.map { (k, $0) } } },
                    collected: item["collected"] == .bool(true)))
        }
        return m
    }

    /// Writes the manifest to `path` through a temporary file and a rename.
    public func write(to path: String) throws {
        var batches: [JSONValue] = []
        for e in entries {
            var o = JSONObject()
            o["id"] = .string(e.id)
            o["api"] = .string(e.api)
            o["judge"] = .string(e.judge)
            o["identity"] = .string(e.identity)
            o["base_url"] = .string(e.baseURL)
            o["input_file"] = e.inputFile.map(JSONValue.string) ?? .null
            o["mode"] = .string(e.mode)
            o["created"] = .string(e.created)
            o["requests"] = .int(e.calls.count)
            o["collected"] = .bool(e.collected)
            o["calls"] = .array(e.calls.map { .array([.string($0.key), .int($0.ids)]) })
            batches.append(.object(o))
        }
        var root = JSONObject()
        root["version"] = .int(Self.version)
        root["command"] = .array(command.map(JSONValue.string))
        root["batches"] = .array(batches)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        do {
            try AtomicFile.write(JSONWriter.encode(.object(root)) + [UInt8(ascii: "\n")], to: path, temporaryIn: folder, permissions: 0o600)
        } catch {
            throw BatchError.manifest("cannot write the batch manifest \(path): \(error.reason)")
        }
    }
}

extension JSONValue {
    /// The element at `index` of an array.
    fileprivate subscript(index: Int) -> JSONValue? {
        guard let a = arrayValue, index < a.count else { return nil }
        return a[index]
    }
}
