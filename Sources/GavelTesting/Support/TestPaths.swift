import Foundation

/// Paths of the repository, the fixtures and the built products.
public enum TestPaths {
    public static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static let fixtures = repo.appendingPathComponent("Tests/Fixtures")
    public static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }
    /// The directory holding the built executables (next to the test bundle).
    public static var products: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("gavel").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }
}
