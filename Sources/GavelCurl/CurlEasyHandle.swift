import CCurl
import GavelHTTP
import GavelSupport

/// Owns one `CURL*` easy handle configured for a single request, and collects its response.
///
/// Lives only on the curl thread: not `Sendable`.
final class CurlEasyHandle {
    let handle: UnsafeMutableRawPointer
    let transfer: CurlTransfer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let maxResponseBytes: Int

    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    var exceededLimit = false

    init(
        transfer: CurlTransfer, maxResponseBytes: Int, tls: TLSTrust = .init(), share: UnsafeMutableRawPointer? = nil
    ) throws(TransportError) {
        guard let h = curl_easy_init() else { throw .invalidRequest("curl_easy_init failed") }
        self.handle = h
        self.transfer = transfer
        self.maxResponseBytes = maxResponseBytes
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try configure(transfer.request)
        if Self.isTLS(transfer.request.url) {
            try configure(tls)
            // libcurl (≥ 7.87) already keeps the parsed CA store in the multi handle for 24 hours.
            if let share { try check(gavel_easy_setopt_pointer(handle, CURLOPT_SHARE, share), "SHARE") }
        }
    }

    /// Applies `tls`, already `effective` (at most one of the CA file and folder set).
    private func configure(_ tls: TLSTrust) throws(TransportError) {
        if let file = tls.caFile {
            try check(gavel_easy_setopt_string(handle, CURLOPT_CAINFO, file), "CAINFO")
        } else if let folder = tls.caDirectory {
            // A hashed folder alone: no bundle file parsed per connection.
            try check(gavel_easy_setopt_pointer(handle, CURLOPT_CAINFO, nil), "CAINFO")
            try check(gavel_easy_setopt_string(handle, CURLOPT_CAPATH, folder), "CAPATH")
        }
        if let cert = tls.clientCertificate { try check(gavel_easy_setopt_string(handle, CURLOPT_SSLCERT, cert), "SSLCERT") }
        if let key = tls.clientKey { try check(gavel_easy_setopt_string(handle, CURLOPT_SSLKEY, key), "SSLKEY") }
    }

    deinit {
        curl_easy_cleanup(handle)
        if let list = headerList { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    /// The curl error buffer's text, if curl wrote one.
    var errorText: String { String(cString: errorBuffer) }

    private func check(_ code: CURLcode, _ what: String) throws(TransportError) {
        guard code == CURLE_OK else {
            throw .invalidRequest("\(what): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    private func configure(_ request: HTTPRequest) throws(TransportError) {
        try check(gavel_easy_setopt_string(handle, CURLOPT_URL, request.url), "URL")
        try check(gavel_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try check(gavel_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        try check(gavel_easy_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)), "HTTP_VERSION")
        if Self.isTLS(request.url) {
            // Wait for a connection that may multiplex (HTTP/2) rather than open another. Over plain
            // http (HTTP/1.1) that would hold every request behind the first connection's answer.
            try check(gavel_easy_setopt_long(handle, CURLOPT_PIPEWAIT, 1), "PIPEWAIT")
        }
        try check(gavel_easy_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1), "TCP_KEEPALIVE")
        try check(gavel_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.wholeMilliseconds), "CONNECTTIMEOUT")
        try check(gavel_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeout.wholeMilliseconds), "TIMEOUT")
        try check(gavel_easy_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxResponseBytes)), "MAXFILESIZE")
        try check(gavel_easy_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""), "ACCEPT_ENCODING")
        if URLText.isLoopback(request.url) {
            // A proxy from the environment must never see loopback traffic.
            try check(gavel_easy_setopt_string(handle, CURLOPT_PROXY, ""), "PROXY")
        }

        switch request.method {
        case .get:
            try check(gavel_easy_setopt_long(handle, CURLOPT_HTTPGET, 1), "HTTPGET")
        case .post:
            try check(gavel_easy_setopt_long(handle, CURLOPT_POST, 1), "POST")
            try check(gavel_easy_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "POSTFIELDSIZE")
            // COPYPOSTFIELDS copies the bytes, so the Swift array may go away.
            let code = request.body.withUnsafeBufferPointer { buf -> CURLcode in
                guard let base = buf.baseAddress else { return gavel_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "") }
                return gavel_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
            }
            try check(code, "COPYPOSTFIELDS")
        }

        // An empty Expect: stops curl waiting for 100-continue on large bodies.
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        for (name, value) in request.headers {
            guard !name.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ":" }),
                !value.contains(where: { $0 == "\r" || $0 == "\n" })
            else {
                if let l = list { curl_slist_free_all(l) }
                throw .invalidRequest("header \(name) holds a line break or colon")
            }
            list = curl_slist_append(list, "\(name): \(value)")
        }
        headerList = list
        try check(gavel_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "HTTPHEADER")

        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(gavel_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, me), "WRITEDATA")
        try check(
            gavel_easy_setopt_data_cb(
                handle, CURLOPT_WRITEFUNCTION,
                { ptr, size, count, user in
                    guard let ptr, let user else { return 0 }
                    let me = Unmanaged<CurlEasyHandle>.fromOpaque(user).takeUnretainedValue()
                    let n = size * count
                    if me.body.count + n > me.maxResponseBytes {
                        me.exceededLimit = true
                        return 0
                    }
                    ptr.withMemoryRebound(to: UInt8.self, capacity: n) {
                        me.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
                    }
                    return n
                }), "WRITEFUNCTION")
        try check(gavel_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, me), "HEADERDATA")
        try check(
            gavel_easy_setopt_data_cb(
                handle, CURLOPT_HEADERFUNCTION,
                { ptr, size, count, user in
                    guard let ptr, let user else { return 0 }
                    let me = Unmanaged<CurlEasyHandle>.fromOpaque(user).takeUnretainedValue()
                    let n = size * count
                    let line = ptr.withMemoryRebound(to: UInt8.self, capacity: n) {
                        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
                    }
                    me.receiveHeaderLine(line)
                    return n
                }), "HEADERFUNCTION")
    }

    private func receiveHeaderLine(_ raw: String) {
        let line = raw.trimmingCharacters(in: [" ", "\r", "\n", "\t"])
        if line.hasPrefix("HTTP/") {
            headers.removeAll()  // a new response (after 100 Continue or a redirect)
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
        headers.append((name, value))
    }

    /// The response status, connection count and HTTP version, read once the transfer ended.
    func finishedResponse() -> HTTPResponse {
        var status = 0
        gavel_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var connects = 0
        gavel_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        var version = 0
        gavel_easy_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
        let httpVersion: Int
        switch version {
        case Int(CURL_HTTP_VERSION_2_0): httpVersion = 2
        case Int(CURL_HTTP_VERSION_3): httpVersion = 3
        default: httpVersion = 1
        }
        return HTTPResponse(status: status, headers: headers, body: body, newConnections: connects, httpVersion: httpVersion)
    }

    /// Maps a failed transfer's `CURLcode` to a typed error, without headers or query strings.
    func error(for code: CURLcode) -> TransportError {
        let url = URLText.redacted(transfer.request.url)
        let text = errorText.isEmpty ? String(cString: curl_easy_strerror(code)) : errorText
        let detail = "\(url): \(text)"
        if exceededLimit || code == CURLE_FILESIZE_EXCEEDED {
            return .responseTooLarge("\(url): response exceeds the \(maxResponseBytes)-byte limit")
        }
        switch code {
        case CURLE_COULDNT_CONNECT: return .connectionRefused(detail)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .couldNotResolve(detail)
        case CURLE_OPERATION_TIMEDOUT: return .timeout(detail)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            return .tls(detail + " (a judge with a private CA: trust its CA certificate, e.g. with SSL_CERT_FILE)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_USE_SSL_FAILED:
            return .tls(detail)
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return .connectionLost(detail)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidRequest(detail)
        default:
            return .other(Int(code.rawValue), detail)
        }
    }

    /// Whether `url` is https (the only scheme on which HTTP/2 is negotiated).
    static func isTLS(_ url: String) -> Bool {
        url.utf8.count >= 8 && url.prefix(8).lowercased() == "https://"
    }
}
