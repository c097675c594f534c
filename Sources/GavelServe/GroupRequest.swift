import GavelCore
import GavelJSON
import GavelScoring
import GavelSupport

/// One group to rank, as a request body gives it: `{"trajectories": [...], "rubric"?, "samples"?, "advantage"?}`.
struct GroupRequest: Sendable {
    var trajectories: [Trajectory]
    var rubric: String?
    /// Where the rubric's name was given (`$.rubric`, `$.groups[2].rubric`), for an error about it.
    var rubricPath: String?
    var samples: Int?
    var advantage: AdvantageMode?
    /// The group's reference answers, read at the service's `--reference` path.
    var references: [JSONValue] = []

    /// The settings a request may give for every group (`/v1/rank/many`'s top level) or for one.
    struct Settings: Sendable {
        var rubric: String?
        var rubricPath: String?
        var samples: Int?
        var advantage: AdvantageMode?
        var stream = false
    }

    /// Parses a request body: valid UTF-8, one JSON object (errors name where, as a JSON path).
    static func object(from body: [UInt8]) throws(ServiceError) -> JSONObject {
        let value: JSONValue
        do {
            value = try body.withUnsafeBufferPointer { bytes throws(ServiceError) -> JSONValue in
                if let base = bytes.baseAddress, let bad = ByteScan.firstInvalidUTF8(base, end: bytes.count) {
                    throw .invalidJSON("invalid UTF-8 at byte \(bad + 1) (expected a JSON object in UTF-8)")
                }
                do throws(JSONError) { return try JSONParser.parse(bytes) } catch { throw .invalidJSON(error.description) }
            }
        }
        guard case .object(let object) = value else {
            throw .invalidRequest("expected a JSON object, found \(value.typeName)", path: "$")
        }
        return object
    }

    /// Reads one group at `path` (`$` for `/v1/rank`, `$.groups[i]` for `/v1/rank/many`), its own
    /// settings over `defaults`.
    /// `referencePath`: where the group's reference answer is (on the group object or its trajectories).
    static func group(
        _ object: JSONObject, path: String, defaults: Settings = .init(), referencePath: String? = nil
    ) throws(ServiceError) -> GroupRequest {
        guard let list = object["trajectories"], !list.isNull else { throw .missingTrajectories(path: path + ".trajectories") }
        guard case .array(let items) = list else {
            throw .invalidRequest("\"trajectories\" must be an array, found \(list.typeName)", path: path + ".trajectories")
        }
        guard !items.isEmpty else { throw .emptyGroup(path: path + ".trajectories") }
        var trajectories: [Trajectory] = []
        trajectories.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let at = "\(path).trajectories[\(i)]"
            guard case .object(let t) = item else { throw .invalidTrajectory("expected an object, found \(item.typeName)", path: at) }
            do {
                trajectories.append(try TrajectoryDecoder.member(t, path: at, line: 0, context: ""))
            } catch {
                throw .invalidTrajectory(error.message, path: at)
            }
        }
        let settings = try self.settings(object, path: path, defaults: defaults)
        return GroupRequest(
            trajectories: trajectories, rubric: settings.rubric, rubricPath: settings.rubricPath, samples: settings.samples,
            advantage: settings.advantage,
            references: referencePath.map { ReferenceAnswers.find(at: $0, in: [object] + items.compactMap(\.objectValue)) } ?? [])
    }

    /// Reads `rubric`, `samples`, `advantage` and `stream` of an object, each over `defaults`.
    static func settings(_ object: JSONObject, path: String, defaults: Settings) throws(ServiceError) -> Settings {
        var s = defaults
        if let v = object["rubric"], !v.isNull {
            guard let name = v.stringValue else {
                throw .invalidRequest("\"rubric\" must be a rubric's name, found \(v.typeName)", path: path + ".rubric")
            }
            s.rubric = name
            s.rubricPath = path + ".rubric"
        }
        if let v = object["samples"], !v.isNull {
            guard let k = v.intValue, Double(k) == v.doubleValue, (1...32).contains(k) else {
                throw .invalidSetting("\"samples\" must be an integer from 1 to 32", path: path + ".samples")
            }
            s.samples = k
        }
        if let v = object["advantage"], !v.isNull {
            guard let name = v.stringValue, let mode = AdvantageMode(rawValue: name) else {
                let modes = AdvantageMode.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidSetting("\"advantage\" must be one of \(modes)", path: path + ".advantage")
            }
            s.advantage = mode
        }
        if let v = object["stream"], !v.isNull {
            guard case .bool(let b) = v else { throw .invalidRequest("\"stream\" must be true or false", path: path + ".stream") }
            s.stream = b
        }
        return s
    }
}
