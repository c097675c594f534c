import Foundation
import GavelTesting
import Testing

/// The Python client's own pytest suite (Clients/python/tests), run against this build's `gavel
/// serve` and simulator, with real ART objects: so `swift test` stays the one test command.
@Suite("Python client")
struct PythonClientTests {
    static let python = ProcessInfo.processInfo.environment["GAVEL_CLIENT_PYTHON"]

    @Test(
        "the client's pytest suite: both clients, errors, streaming, the CLI, LocalGavel, TRL's reward, the ART adapter, mypy",
        .enabled(if: python != nil, "set GAVEL_CLIENT_PYTHON to a Python with httpx, pytest, mypy and openpipe-art (.ci/run does)"))
    func pytestSuite() async throws {
        let python = try #require(Self.python)
        let client = TestPaths.repo.appendingPathComponent("Clients/python")
        let result = try await runProduct(
            "/usr/bin/timeout",
            // The real GRPOTrainer step needs TRL and torch: the wheel's suite runs it (WheelTests).
            [
                "600", python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not grpo_trainer",
                client.appendingPathComponent("tests").path,
            ],
            environment: [
                "GAVEL_BIN_DIR": TestPaths.products.path, "PYTHONPATH": client.path, "PYTHONDONTWRITEBYTECODE": "1",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            ])
        #expect(result.status == 0, "pytest failed:\n\(result.stdout)\n\(result.stderr)")
        // Every test ran: none skipped for want of ART.
        #expect(result.stdout.contains(" passed") && !result.stdout.contains("skipped"), "\(result.stdout)")
    }
}
