import CCurl
import Foundation
import GavelHTTP
import GavelSupport

/// Process-wide libcurl set-up: `curl_global_init` exactly once, and SIGPIPE ignored.
public enum CurlGlobal {
    private static let once: Bool = {
        // Writing to a closed socket or a dead worker's pipe must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        return curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    /// Initialises libcurl once; call it early in `main`, before other threads start.
    @discardableResult
    public static func initialize() -> Bool { once }

    /// The libcurl version string, e.g. "libcurl/7.88.1 OpenSSL/3.0.x ...".
    public static var version: String {
        initialize()
        return String(cString: curl_version())
    }
}
