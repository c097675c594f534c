import Foundation

/// Paths of the repository, the fixtures and the built products.
public enum TestPaths {
    public static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static let fixtures = repo.appendingPathComponent("Tests/Fixtures")
    public static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }
    /// Debian's Chromium (for the report in a real headless browser), if installed.
    public static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// The directory holding the executables the tests run: `GAVEL_TEST_PRODUCTS` when set (`.ci/run`
    /// points it at `.build/release` for a second run of the CLI suite, so the binaries users build are
    /// the ones tested), else the build folder next to the test bundle.
    public static var products: URL {
        if let named = ProcessInfo.processInfo.environment["GAVEL_TEST_PRODUCTS"], !named.isEmpty {
            return URL(fileURLWithPath: named, isDirectory: true)
        }
        return bundleProducts
    }

    /// The build folder next to the test bundle (the configuration `swift test` built).
    static var bundleProducts: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("gavel").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }
}
