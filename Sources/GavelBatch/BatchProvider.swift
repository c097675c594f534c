import Foundation
import Gavel
import GavelHTTP
import GavelJSON
import GavelJudge

/// A provider's batch API: create a batch of judge calls, ask how it is doing, fetch its results.
protocol BatchProvider: Sendable {
    /// `openai` or `anthropic`.
    var api: String { get }
    /// The most requests, and request bytes, one batch may hold.
    var limits: (requests: Int, bytes: Int) { get }
    /// Creates one batch; returns its id and (OpenAI) the uploaded input file's id.
    func create(_ requests: [BatchRequest]) async throws -> (id: String, inputFile: String?)
    func status(_ id: String) async throws -> BatchStatus
    /// Every request's outcome, once the batch ended.
    func results(_ status: BatchStatus) async throws -> [(customID: String, outcome: BatchOutcome)]
}

/// Sends the few calls a batch needs, retrying what a live call would retry (a little).
struct BatchHTTP: Sendable {
    let endpoint: JudgeEndpoint
    let transport: any HTTPTransport

    func send(
        _ method: HTTPRequest.Method, _ url: String, body: [UInt8] = [], contentType: String = "application/json"
    )
        async throws -> [UInt8]
    {
        var headers = endpoint.authHeaders
        if !body.isEmpty { headers.append(("Content-Type", contentType)) }
        let request = HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: .seconds(300))
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await transport.send(request)
                if (200..<300).contains(response.status) { return response.body }
                let retryable = response.status == 429 || response.status >= 500
                guard retryable, attempt < 4 else {
                    throw BatchError.refused(
                        "\(URLText.redacted(url)) answered HTTP \(response.status): \(ChatJudge.errorMessage(response))")
                }
            } catch let error as TransportError {
                guard error.isRetryable, attempt < 4 else {
                    throw BatchError.transport("cannot reach \(URLText.redacted(endpoint.baseURL)): \(error)")
                }
            }
            try await Task.sleep(for: .milliseconds(250 << attempt))
        }
    }

    func json(_ method: HTTPRequest.Method, _ url: String, body: JSONValue? = nil) async throws -> JSONValue {
        let bytes = try await send(method, url, body: body.map { JSONWriter.encode($0) } ?? [])
        guard let value = try? JSONParser.parse(bytes), value.objectValue != nil else {
            throw BatchError.refused("\(URLText.redacted(url)) answered with something other than a JSON object")
        }
        return value
    }
}

/// OpenAI's Batch API: a JSONL file uploaded with `purpose=batch`, then `POST /batches`.
struct OpenAIBatchProvider: BatchProvider {
    let http: BatchHTTP
    let api = "openai"
    let limits: (requests: Int, bytes: Int)

    func create(_ requests: [BatchRequest]) async throws -> (id: String, inputFile: String?) {
        var file: [UInt8] = []
        for r in requests {
            var line = JSONObject()
            line["custom_id"] = .string(r.customID)
            line["method"] = .string("POST")
            line["url"] = .string("/v1/chat/completions")
            line["body"] = r.body
            file += JSONWriter.encode(.object(line)) + [UInt8(ascii: "\n")]
        }
        let boundary = "gavel-" + UUID().uuidString
        var form: [UInt8] = []
        form += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n".utf8)
        let fileHead =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gavel-batch.jsonl\"\r\n"
            + "Content-Type: application/jsonl\r\n\r\n"
        form += Array(fileHead.utf8)
        form += file
        form += Array("\r\n--\(boundary)--\r\n".utf8)
        let uploaded = try await http.send(
            .post, http.endpoint.baseURL + "/files", body: form, contentType: "multipart/form-data; boundary=\(boundary)")
        guard let fileID = (try? JSONParser.parse(uploaded))?["id"]?.stringValue else {
            throw BatchError.refused("the file upload answered without a file id")
        }
        var create = JSONObject()
        create["input_file_id"] = .string(fileID)
        create["endpoint"] = .string("/v1/chat/completions")
        create["completion_window"] = .string("24h")
        let batch = try await http.json(.post, http.endpoint.baseURL + "/batches", body: .object(create))
        guard let id = batch["id"]?.stringValue else { throw BatchError.refused("the batch was created without an id") }
        return (id, fileID)
    }

    func status(_ id: String) async throws -> BatchStatus {
        let b = try await http.json(.get, http.endpoint.baseURL + "/batches/" + id)
        let state = b["status"]?.stringValue ?? "unknown"
        let counts = b["request_counts"]
        return BatchStatus(
            state: state, isEnded: ["completed", "expired", "cancelled", "failed"].contains(state),
            total: counts?["total"]?.intValue ?? 0, succeeded: counts?["completed"]?.intValue ?? 0,
            failed: counts?["failed"]?.intValue ?? 0, outputFile: b["output_file_id"]?.stringValue,
            errorFile: b["error_file_id"]?.stringValue, resultsURL: nil)
    }

    func results(_ status: BatchStatus) async throws -> [(customID: String, outcome: BatchOutcome)] {
        var out: [(String, BatchOutcome)] = []
        for file in [status.outputFile, status.errorFile].compactMap({ $0 }) {
            let bytes = try await http.send(.get, http.endpoint.baseURL + "/files/\(file)/content")
            for line in bytes.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                guard let r = try? JSONParser.parse(Array(line)), let id = r["custom_id"]?.stringValue else { continue }
                if let code = r["error"]?["code"]?.stringValue {
                    out.append((id, code == "batch_expired" ? .expired : .failed("\(code): \(r["error"]?["message"]?.stringValue ?? "")")))
                } else if let response = r["response"], let body = response["body"] {
                    let status = response["status_code"]?.intValue ?? 0
                    out.append(
                        (
                            id,
                            status == 200
                                ? .answer(JSONWriter.encode(body))
                                : .failed("HTTP \(status): \(body["error"]?["message"]?.stringValue ?? JSONWriter.string(body))")
                        ))
                } else {
                    out.append((id, .failed("a result without a response")))
                }
            }
        }
        return out
    }
}

/// Anthropic's Message Batches: `POST /messages/batches` with the requests inline.
struct AnthropicBatchProvider: BatchProvider {
    let http: BatchHTTP
    let api = "anthropic"
    let limits: (requests: Int, bytes: Int)

    func create(_ requests: [BatchRequest]) async throws -> (id: String, inputFile: String?) {
        let list: [JSONValue] = requests.map { r in
            var o = JSONObject()
            o["custom_id"] = .string(r.customID)
            o["params"] = r.body
            return .object(o)
        }
        var body = JSONObject()
        body["requests"] = .array(list)
        let batch = try await http.json(.post, http.endpoint.baseURL + "/messages/batches", body: .object(body))
        guard let id = batch["id"]?.stringValue else { throw BatchError.refused("the batch was created without an id") }
        return (id, nil)
    }

    func status(_ id: String) async throws -> BatchStatus {
        let b = try await http.json(.get, http.endpoint.baseURL + "/messages/batches/" + id)
        let state = b["processing_status"]?.stringValue ?? "unknown"
        let c = b["request_counts"]
        func n(_ k: String) -> Int { c?[k]?.intValue ?? 0 }
        return BatchStatus(
            state: state, isEnded: state == "ended",
            total: n("processing") + n("succeeded") + n("errored") + n("canceled") + n("expired"), succeeded: n("succeeded"),
            failed: n("errored") + n("canceled") + n("expired"), outputFile: nil, errorFile: nil, resultsURL: b["results_url"]?.stringValue)
    }

    func results(_ status: BatchStatus) async throws -> [(customID: String, outcome: BatchOutcome)] {
        guard let url = status.resultsURL else { return [] }
        // The key goes with the request: only to the judge's own host.
        guard URL(string: url)?.host == URL(string: http.endpoint.baseURL)?.host else {
            throw BatchError.refused(
                "the batch's results are at another host than the judge's (\(URLText.redacted(url))); not sending the key there")
        }
        let bytes = try await http.send(.get, url)
        var out: [(String, BatchOutcome)] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let r = try? JSONParser.parse(Array(line)), let id = r["custom_id"]?.stringValue, let result = r["result"] else {
                continue
            }
            switch result["type"]?.stringValue {
            case "succeeded": out.append((id, result["message"].map { .answer(JSONWriter.encode($0)) } ?? .failed("no message")))
            case "errored": out.append((id, .failed(result["error"]?["error"]?["message"]?.stringValue ?? "errored")))
            default: out.append((id, .expired))
            }
        }
        return out
    }
}
