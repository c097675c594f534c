import Foundation
import GavelSupport
import Synchronization

/// OpenAI's Batch API (files + batches) and Anthropic's Message Batches, simulated: the state
/// machines, results in another order than the input's, and injected per-request errors and
/// expired requests. Each request of a batch is answered by the simulated judge, as a live call
/// would be.
///
/// Time drives the states: a batch is `validating` for the first tenth of `batchDelay`,
/// `in_progress` until `batchDelay`, `finalizing` for a tenth more, then `completed` (Anthropic:
/// `in_progress`, then `ended`). A cancelled batch ends at once. With `holdBatches`, every batch
/// stays `in_progress` until `release()`.
final class SimulatedBatches: Sendable {
    private struct Batch {
        var id: String
        var api: SimulatedJudge.API
        var created: ContinuousClock.Instant
        var createdUnix: Int
        var requests: [(customID: String, body: [UInt8])]
        var headers: [(String, String)]
        var cancelled = false
        /// The completion window closed before the batch was done: every request expired.
        var expired = false
        /// Filled when the batch first completes: (output lines, error lines).
        var results: (output: [String], errors: [String])?
        var inputFileID: String?
    }

    private struct State {
        var files: [String: [UInt8]] = [:]
        var batches: [String: Batch] = [:]
        var next = 0
    }

    private let state = Mutex(State())
    /// Whether batches are held in progress (`holdBatches`, until `release()`).
    private let held: Mutex<Bool>
    private let judge: SimulatedJudge
    private let stats: SimulatorStats
    private var configuration: SimulatorConfiguration { judge.configuration }

    init(judge: SimulatedJudge, stats: SimulatorStats) {
        self.judge = judge
        self.stats = stats
        self.held = Mutex(judge.configuration.holdBatches)
    }

    /// Lets held batches end as time says.
    func release() { held.withLock { $0 = false } }

    /// Seconds since `batch` was created, or, while batches are held, a time within `in_progress`.
    private func age(of batch: Batch) -> Double {
        if held.withLock({ $0 }) { return configuration.batchDelay * 0.5 }
        return (ContinuousClock.now - batch.created).simulatorSeconds
    }

    /// Answers a batch route, or nil when `path` is not one.
    func handle(method: String, path: String, headers: [(String, String)], body: [UInt8], baseURL: String) -> SimulatedAnswer? {
        let parts = path.split(separator: "/").map(String.init)
        /// The id where the pattern has `*`, "" for a pattern without one; nil when it does not match.
        func route(_ m: String, _ pattern: String) -> String? {
            let want = pattern.split(separator: "/").map(String.init)
            guard m == method, want.count == parts.count else { return nil }
            var id = ""
            for (w, p) in zip(want, parts) {
                if w == "*" { id = p } else if w != p { return nil }
            }
            return id
        }
        if route("POST", "v1/files") != nil { return upload(headers: headers, body: body) }
        if let id = route("GET", "v1/files/*/content") {
            guard let bytes = state.withLock({ $0.files[id] }) else { return Self.notFound("file \(id)") }
            return SimulatedAnswer(
                status: 200, headers: [("content-type", "application/jsonl")], body: String(decoding: bytes, as: UTF8.self))
        }
        if route("POST", "v1/batches") != nil { return createOpenAI(headers: headers, body: body) }
        if let id = route("GET", "v1/batches/*") { return openAIStatus(id) }
        if let id = route("POST", "v1/batches/*/cancel") {
            state.withLock { $0.batches[id]?.cancelled = true }
            return openAIStatus(id)
        }
        if route("POST", "v1/messages/batches") != nil { return createAnthropic(headers: headers, body: body) }
        if let id = route("GET", "v1/messages/batches/*") { return anthropicStatus(id, baseURL: baseURL) }
        if let id = route("POST", "v1/messages/batches/*/cancel") {
            state.withLock { $0.batches[id]?.cancelled = true }
            return anthropicStatus(id, baseURL: baseURL)
        }
        if let id = route("GET", "v1/messages/batches/*/results") {
            guard let (output, _) = results(id) else { return Self.notFound("results of \(id)") }
            return SimulatedAnswer(
                status: 200, headers: [("content-type", "application/jsonl")], body: output.joined(separator: "\n") + "\n")
        }
        return nil
    }

    private static func notFound(_ what: String) -> SimulatedAnswer {
        SimulatedAnswer(status: 404, body: #"{"error":{"message":"no such \#(what)","type":"not_found_error"}}"#)
    }

    private static func bad(_ message: String) -> SimulatedAnswer {
        SimulatedAnswer(status: 400, body: #"{"error":{"message":"\#(message)","type":"invalid_request_error"}}"#)
    }

    private func newID(_ prefix: String) -> String {
        state.withLock {
            $0.next += 1
            return "\(prefix)\(String(format: "%06d", $0.next))"
        }
    }

    // MARK: OpenAI

    /// `POST /v1/files`: multipart/form-data with `purpose=batch` and the JSONL `file`.
    private func upload(headers: [(String, String)], body: [UInt8]) -> SimulatedAnswer {
        guard let type = headers.first(where: { $0.0.lowercased() == "content-type" })?.1,
            let range = type.range(of: "boundary=")
        else { return Self.bad("expected multipart/form-data") }
        let boundary = String(type[range.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let parts = Self.multipartParts(body, boundary: boundary)
        guard parts["purpose"].map({ String(decoding: $0, as: UTF8.self) }) == "batch" else { return Self.bad("purpose must be batch") }
        guard let file = parts["file"] else { return Self.bad("no file part") }
        let id = newID("file-")
        state.withLock { $0.files[id] = file }
        return SimulatedAnswer(
            status: 200,
            body:
                #"{"id":"\#(id)","object":"file","bytes":\#(file.count),"created_at":\#(Int(Date().timeIntervalSince1970)),"#
                + #""filename":"batch.jsonl","purpose":"batch"}"#
        )
    }

    /// The named parts of a multipart body.
    static func multipartParts(_ body: [UInt8], boundary: String) -> [String: [UInt8]] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [String: [UInt8]] = [:]
        var starts: [Int] = []
        var i = 0
        while let at = SimulatedJudge.find(delimiter, in: body, from: i) {
            starts.append(at)
            i = at + delimiter.count
        }
        for (k, start) in starts.enumerated() where k + 1 < starts.count {
            let section = Array(body[(start + delimiter.count)..<starts[k + 1]])
            guard let split = SimulatedJudge.find(Array("\r\n\r\n".utf8), in: section, from: 0) else { continue }
            let head = String(decoding: section[..<split], as: UTF8.self)
            var content = Array(section[(split + 4)...])
            if content.suffix(2) == [13, 10] { content.removeLast(2) }
            guard let r = head.range(of: "name=\"") else { continue }
            let name = head[r.upperBound...].prefix { $0 != "\"" }
            parts[String(name)] = content
        }
        return parts
    }

    /// `POST /v1/batches`: `{"input_file_id", "endpoint", "completion_window"}`.
    private func createOpenAI(headers: [(String, String)], body: [UInt8]) -> SimulatedAnswer {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let fileID = object["input_file_id"] as? String, object["completion_window"] as? String == "24h",
            object["endpoint"] as? String == "/v1/chat/completions"
        else { return Self.bad("expected input_file_id, endpoint /v1/chat/completions and completion_window 24h") }
        guard let file = state.withLock({ $0.files[fileID] }) else { return Self.notFound("file \(fileID)") }
        var requests: [(String, [UInt8])] = []
        for line in file.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let r = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any], let id = r["custom_id"] as? String,
                r["method"] as? String == "POST", r["url"] as? String == "/v1/chat/completions", let b = r["body"],
                let bytes = try? JSONSerialization.data(withJSONObject: b)
            else { return Self.bad("a line of the input file is not a batch request") }
            requests.append((id, [UInt8](bytes)))
        }
        guard Set(requests.map(\.0)).count == requests.count else { return Self.bad("duplicate custom_id") }
        let id = newID("batch_")
        state.withLock {
            $0.batches[id] = Batch(
                id: id, api: .openAI, created: .now, createdUnix: Int(Date().timeIntervalSince1970), requests: requests,
                headers: headers, inputFileID: fileID)
        }
        stats.update { $0.batches += 1 }
        return openAIStatus(id)
    }

    /// True when the completion window (`batchWindow`) closed before the batch would have ended.
    private func windowOver(_ elapsed: Double) -> Bool {
        guard let window = configuration.batchWindow else { return false }
        return window < configuration.batchDelay && elapsed >= window
    }

    private func openAIStatus(_ id: String) -> SimulatedAnswer {
        guard let batch = state.withLock({ $0.batches[id] }) else { return Self.notFound("batch \(id)") }
        let elapsed = age(of: batch)
        let delay = configuration.batchDelay
        let status: String
        var outputID = "null", errorID = "null", completed = 0, failed = 0
        if batch.cancelled {
            status = "cancelled"
        } else if windowOver(elapsed) {
            status = "expired"
            state.withLock { $0.batches[id]?.expired = true }
        } else if elapsed < delay * 0.1 {
            status = "validating"
        } else if elapsed < delay {
            status = "in_progress"
        } else if elapsed < delay * 1.1 {
            status = "finalizing"
        } else {
            status = "completed"
        }
        if ["cancelled", "expired", "completed"].contains(status), let (output, errors) = results(id) {
            let (o, e) = state.withLock { s -> (String, String) in
                let o = "file-out-\(id)", e = "file-err-\(id)"
                s.files[o] = Array((output.joined(separator: "\n") + (output.isEmpty ? "" : "\n")).utf8)
                s.files[e] = Array((errors.joined(separator: "\n") + (errors.isEmpty ? "" : "\n")).utf8)
                return (o, e)
            }
            outputID = output.isEmpty ? "null" : "\"\(o)\""
            errorID = errors.isEmpty ? "null" : "\"\(e)\""
            completed = output.count
            failed = errors.count
        }
        let body = """
            {"id":"\(id)","object":"batch","endpoint":"/v1/chat/completions","input_file_id":"\(batch.inputFileID ?? "")",\
            "completion_window":"24h","status":"\(status)","output_file_id":\(outputID),"error_file_id":\(errorID),\
            "created_at":\(batch.createdUnix),\
            "request_counts":{"total":\(batch.requests.count),"completed":\(completed),"failed":\(failed)}}
            """
        return SimulatedAnswer(status: 200, body: body)
    }

    // MARK: Anthropic

    /// `POST /v1/messages/batches`: `{"requests": [{"custom_id", "params"}]}`.
    private func createAnthropic(headers: [(String, String)], body: [UInt8]) -> SimulatedAnswer {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let list = object["requests"] as? [[String: Any]], !list.isEmpty
        else { return Self.bad("expected requests") }
        var requests: [(String, [UInt8])] = []
        for r in list {
            guard let id = r["custom_id"] as? String, id.range(of: "^[a-zA-Z0-9_-]{1,64}$", options: .regularExpression) != nil,
                let params = r["params"], let bytes = try? JSONSerialization.data(withJSONObject: params)
            else { return Self.bad("each request needs a custom_id (1-64 of a-z A-Z 0-9 _ -) and params") }
            requests.append((id, [UInt8](bytes)))
        }
        guard Set(requests.map(\.0)).count == requests.count else { return Self.bad("duplicate custom_id") }
        let id = newID("msgbatch_")
        state.withLock {
            $0.batches[id] = Batch(
                id: id, api: .anthropic, created: .now, createdUnix: Int(Date().timeIntervalSince1970), requests: requests,
                headers: headers)
        }
        stats.update { $0.batches += 1 }
        return anthropicStatus(id, baseURL: "")
    }

    private func anthropicStatus(_ id: String, baseURL: String) -> SimulatedAnswer {
        guard let batch = state.withLock({ $0.batches[id] }) else { return Self.notFound("batch \(id)") }
        let elapsed = age(of: batch)
        if windowOver(elapsed) { state.withLock { $0.batches[id]?.expired = true } }
        let ended = batch.cancelled || windowOver(elapsed) || elapsed >= configuration.batchDelay
        var counts = #""processing":\#(batch.requests.count),"succeeded":0,"errored":0,"canceled":0,"expired":0"#
        var resultsURL = "null"
        if ended, let (output, _) = results(id) {
            func count(_ type: String) -> Int { output.filter { $0.contains(#""type":"\#(type)""#) }.count }
            counts =
                #""processing":0,"succeeded":\#(count("succeeded")),"errored":\#(count("errored")),"canceled":\#(count("canceled")),"#
                + #""expired":\#(count("expired"))"#
            resultsURL = "\"\(baseURL)/messages/batches/\(id)/results\""
        }
        let body = """
            {"id":"\(id)","type":"message_batch","processing_status":"\(ended ? "ended" : "in_progress")",\
            "request_counts":{\(counts)},"created_at":"\(batch.createdUnix)","results_url":\(resultsURL)}
            """
        return SimulatedAnswer(status: 200, body: body)
    }

    // MARK: Results

    /// The batch's result lines, made once when first asked for after it ends, in a shuffled order.
    private func results(_ id: String) -> (output: [String], errors: [String])? {
        guard var batch = state.withLock({ $0.batches[id] }) else { return nil }
        if let done = batch.results { return done }
        var output: [String] = [], errors: [String] = []
        var rng = SplitMix64(seed: configuration.seed ^ FNV1a.hash(id))  // the same batch draws the same faults every run
        // Exactly round(rate × n) requests of each fault, at seeded random places.
        let n = batch.requests.count
        let expiredCount = Int((configuration.batchExpired * Double(n)).rounded())
        let erroredCount = min(n - expiredCount, Int((configuration.batchErrors * Double(n)).rounded()))
        var kinds = Array(repeating: "expired", count: expiredCount) + Array(repeating: "errored", count: erroredCount)
        kinds += Array(repeating: "succeeded", count: n - kinds.count)
        kinds.shuffle(using: &rng)
        for (i, (customID, body)) in batch.requests.enumerated() {
            let kind = batch.cancelled ? "canceled" : batch.expired ? "expired" : kinds[i]
            switch (batch.api, kind) {
            case (.openAI, "succeeded"):
                let answer = judge.answer(api: .openAI, headers: batch.headers, body: body)
                let response = #"{"status_code":\#(answer.status),"request_id":"req_\#(customID.prefix(8))","body":\#(answer.body)}"#
                if answer.status == 200 {
                    output.append(
                        #"{"id":"batch_req_\#(customID.prefix(12))","custom_id":"\#(customID)","response":\#(response),"error":null}"#)
                } else {
                    errors.append(
                        #"{"id":"batch_req_\#(customID.prefix(12))","custom_id":"\#(customID)","response":\#(response),"error":null}"#)
                }
            case (.openAI, "expired"):
                errors.append(
                    #"{"id":"batch_req_\#(customID.prefix(12))","custom_id":"\#(customID)","response":null,"#
                        + #""error":{"code":"batch_expired","message":"This request could not be executed before the completion "#
                        + #"window expired."}}"#
                )
            case (.openAI, _):
                errors.append(
                    #"{"id":"batch_req_\#(customID.prefix(12))","custom_id":"\#(customID)","response":{"status_code":500,"#
                        + #""request_id":"req_x","body":{"error":{"message":"simulated server error","type":"server_error"}}},"#
                        + #""error":null}"#
                )
            case (.anthropic, "succeeded"):
                let answer = judge.answer(api: .anthropic, headers: batch.headers, body: body)
                if answer.status == 200 {
                    output.append(#"{"custom_id":"\#(customID)","result":{"type":"succeeded","message":\#(answer.body)}}"#)
                } else {
                    output.append(
                        #"{"custom_id":"\#(customID)","result":{"type":"errored","error":{"type":"error","error":{"type":"api_error","#
                            + #""message":"HTTP \#(answer.status)"}}}}"#
                    )
                }
            case (.anthropic, "errored"):
                output.append(
                    #"{"custom_id":"\#(customID)","result":{"type":"errored","error":{"type":"error","error":{"type":"api_error","#
                        + #""message":"simulated server error"}}}}"#
                )
            case (.anthropic, let other):
                output.append(#"{"custom_id":"\#(customID)","result":{"type":"\#(other)"}}"#)
            }
        }
        // Results come back in another order than the requests went in.
        output.shuffle(using: &rng)
        errors.shuffle(using: &rng)
        stats.update { $0.batchRequests += batch.requests.count }
        batch.results = (output, errors)
        let stored = batch
        return state.withLock { s in
            if let done = s.batches[id]?.results { return done }
            s.batches[id] = stored
            return stored.results
        }
    }
}
