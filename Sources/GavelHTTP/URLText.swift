/// URL text for messages and connection choices, without parsing a URL type: redaction of secrets
/// and the loopback check.
public enum URLText {
    /// Strips the query string and any user-info from a URL, for messages; a malformed URL is not echoed.
    public static func redacted(_ url: String) -> String {
        var s = Substring(url)
        if let q = s.firstIndex(where: { $0 == "?" || $0 == "#" }) { s = s[..<q] }
        guard let scheme = s.range(of: "://"), !s[..<scheme.lowerBound].isEmpty,
            s[..<scheme.lowerBound].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }),
            !s.contains(where: { $0 == " " || $0.isNewline })
        else {
            return "(malformed URL)"
        }
        let authorityEnd = s[scheme.upperBound...].firstIndex(of: "/") ?? s.endIndex
        if let at = s[scheme.upperBound..<authorityEnd].lastIndex(of: "@") {
            return String(s[..<scheme.upperBound]) + String(s[s.index(after: at)...])
        }
        return String(s)
    }

    /// Whether the URL's host is a loopback address (`localhost`, `127.x.y.z`, `::1`).
    public static func isLoopback(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        var rest = url[scheme.upperBound...]
        if let at = rest.firstIndex(of: "@"), !rest[..<at].contains("/") { rest = rest[rest.index(after: at)...] }
        let host: Substring
        if rest.hasPrefix("[") {
            host = rest[rest.index(after: rest.startIndex)..<(rest.firstIndex(of: "]") ?? rest.endIndex)]
        } else {
            host = rest[..<(rest.firstIndex(where: { $0 == ":" || $0 == "/" || $0 == "?" }) ?? rest.endIndex)]
        }
        let h = host.lowercased()
        if h == "localhost" || h == "::1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isNumber) }
    }
}
