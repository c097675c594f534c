import Crypto
import Foundation
import GavelCore
import GavelJSON
import GavelSupport
import Logging
import Synchronization

/// A directory of validated judge answers, one file per call, keyed by SHA-256 of everything
/// that can change the answer.
///
/// Entries live in two-hex-digit shard folders and are written to a temporary file in the same
/// folder, then renamed, so several processes can share one cache. Files are 0600, folders 0700.
/// A truncated or corrupt entry counts as a miss (logged once) and is replaced by the next answer.
/// The key never includes the API key or any header.
public final class JudgeCache: Sendable {
    /// Bumped when the key's inputs or the entry format change.
    public static let formatVersion = 2

    /// Counters of one run.
    public struct Statistics: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        public var stores = 0
        public var corrupt = 0
        public var storeFailures = 0

        public init() {}
    }

    public let directory: String
    public let mode: CacheMode
    private let logger: Logger
    private let state = Mutex(Statistics())

    /// Opens the cache directory, checking that it can be used; it is created (mode 0700) with the
    /// first entry stored, so a run that stops before judging leaves no folder behind.
    public init(directory: String, mode: CacheMode = .readwrite, logger: Logger = Logger(label: "gavel.cache")) throws {
        self.directory = directory
        self.mode = mode
        self.logger = logger
        if mode.writes { try Self.checkWritable(directory) }
    }

    /// Throws unless `path` is a writable folder, or could be created as one (its nearest existing
    /// ancestor is a writable folder).
    static func checkWritable(_ path: String) throws {
        var current = path.isEmpty ? "." : path
        while true {
            var info = stat()
            if stat(current, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw CacheError("cannot use the cache folder \(path): \(current) is not a folder")
                }
                guard access(current, W_OK | X_OK) == 0 else {
                    throw CacheError("cannot use the cache folder \(path): \(current) is not writable")
                }
                return
            }
            guard errno == ENOENT else {
                throw CacheError("cannot use the cache folder \(path): \(String(cString: strerror(errno)))")
            }
            let parent = URL(fileURLWithPath: current).deletingLastPathComponent().path
            if parent == current { return }
            current = parent
        }
    }

    public var statistics: Statistics { state.withLock { $0 } }

    /// The digest of a judge's identity (provider, model, base URL, request parameters), computed
    /// once per judge rather than per call.
    public static func identityDigest(_ identity: JSONValue) -> String {
        SHA256.hash(data: JSONWriter.encode(identity)).hexString
    }

    /// The key of one judge call: SHA-256 over the format version, the judge's identity digest,
    /// the rendered messages, the ids and the sample index, each length-prefixed. The messages are
    /// hashed as they are, with no re-encoding pass over them.
    public static func key(identityDigest: String, prompt: JudgePrompt) -> String {
        var hasher = SHA256()
        func part(_ s: String) {
            var length = UInt64(s.utf8.count).littleEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            var s = s
            s.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        part(String(formatVersion))
        part(identityDigest)
        part(prompt.system)
        part(prompt.user)
        part(prompt.ids.joined(separator: ","))
        part(String(prompt.sample))
        return hasher.finalize().hexString
    }

    private func path(for key: String) -> (folder: String, file: String) {
        let folder = directory + "/" + String(key.prefix(2))
        return (folder, folder + "/" + key + ".json")
    }

    /// The cached verdict for `key`, if a valid entry with `count` scores exists. Blocking file I/O.
    public func read(_ key: String, count: Int) -> JudgeVerdict? {
        guard mode.reads else { return nil }
        let file = path(for: key).file
        guard let data = FileManager.default.contents(atPath: file) else {
            state.withLock { $0.misses += 1 }
            return nil
        }
        if let verdict = Self.decode(data, key: key, count: count) {
            state.withLock { $0.hits += 1 }
            return verdict
        }
        let first = state.withLock { s -> Bool in
            s.misses += 1
            s.corrupt += 1
            return s.corrupt == 1
        }
        if first {
            logger.warning(
                "cache entry \(file) is truncated or corrupt; judging again and replacing it (further ones are counted, not logged)")
        }
        return nil
    }

    package static func decode(_ data: Data, key: String, count: Int) -> JudgeVerdict? {
        guard let entry = try? JSONParser.parse(data), entry["version"]?.doubleValue == Double(formatVersion),
            entry["key"]?.stringValue == key,
            let scores = entry["scores"]?.arrayValue?.compactMap(\.doubleValue), scores.count == count,
            scores.allSatisfy({ (0...1).contains($0) }),
            let explanations = entry["explanations"]?.arrayValue?.compactMap(\.stringValue), explanations.count == count
        else {
            return nil
        }
        let usage = TokenUsage(
            prompt: max(0, entry["usage"]?["prompt"]?.intValue ?? 0), completion: max(0, entry["usage"]?["completion"]?.intValue ?? 0))
        var verdict = JudgeVerdict(
            scores: scores, explanations: explanations, usage: usage, raw: entry["raw"]?.stringValue ?? "", calls: 0, cached: true)
        verdict.seconds = max(0, entry["seconds"]?.doubleValue ?? 0)
        return verdict
    }

    /// Whether `text` (the start of a file) begins as `write` writes an entry for `key`:
    /// `{"version":N,"key":"KEY"` — members in that order, compact. Kept beside `write`, which
    /// fixes that order, so cache maintenance never deletes a file Gavel did not write.
    static func beginsLikeEntry(_ text: String, key: String) -> Bool {
        guard text.hasPrefix(#"{"version":"#), let comma = text.firstIndex(of: ",") else { return false }
        return text[comma...].hasPrefix(#","key":"\#(key)""#)
    }

    /// Stores a validated verdict under `key`, atomically. Blocking file I/O.
    public func write(_ key: String, verdict: JudgeVerdict, judge: String, identityDigest: String) throws {
        guard mode.writes else { return }
        let bytes = Self.entry(key, verdict: verdict, judge: judge, identityDigest: identityDigest)
        let (folder, file) = path(for: key)
        do {
            try Self.makeDirectory(directory)
            try Self.makeDirectory(folder)
            try Self.atomicWrite(bytes, to: file, folder: folder)
            state.withLock { $0.stores += 1 }
        } catch {
            state.withLock { $0.storeFailures += 1 }
            throw error
        }
    }

    /// An entry as stored (compact JSON and a newline): the disk store's files, the database's rows.
    package static func entry(_ key: String, verdict: JudgeVerdict, judge: String, identityDigest: String) -> [UInt8] {
        var entry = JSONObject()
        entry["version"] = .int(Self.formatVersion)
        entry["key"] = .string(key)
        entry["judge"] = .string(judge)
        entry["identity_digest"] = .string(identityDigest)
        entry["created"] = .double((Date().timeIntervalSince1970 * 1000).rounded() / 1000)
        entry["scores"] = .array(verdict.scores.map(JSONValue.double))
        entry["explanations"] = .array(verdict.explanations.map(JSONValue.string))
        entry["usage"] = .object(JSONObject(pairs: ["prompt": .int(verdict.usage.prompt), "completion": .int(verdict.usage.completion)]))
        entry["seconds"] = .double((verdict.seconds * 1000).rounded() / 1000)
        entry["raw"] = .string(verdict.raw)
        var bytes = JSONWriter.encode(.object(entry))
        bytes.append(0x0A)
        return bytes
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            if errno == ENOENT {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                return
            }
            throw CacheError("cannot create the cache folder \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func atomicWrite(_ bytes: [UInt8], to file: String, folder: String) throws {
        do {
            try AtomicFile.write(bytes, to: file, temporaryIn: folder, permissions: 0o600)
        } catch {
            switch error.step {
            case .create: throw CacheError("cannot write in \(folder): \(error.reason)")
            case .write: throw CacheError("cannot write \(file): \(error.reason)")
            case .move: throw CacheError("cannot move a new entry to \(file): \(error.reason)")
            }
        }
    }
}

/// A cache problem (folder not writable, entry not storable).
public struct CacheError: Error, Sendable, CustomStringConvertible {
    public let description: String
    package init(_ description: String) { self.description = description }
}
