import Foundation
import GavelTesting
import Testing

/// The Python wheel (`Scripts/build-wheel`) as a Python user gets it: installed with pip into a
/// fresh venv on a machine without libcurl, libzstd or libsnappy, its `gavel` ranks; and the client's
/// pytest suite — LocalGavel, the ART adapter, a real `trl.GRPOTrainer` step — runs against the
/// binary the wheel installed, not the build tree's.
@Suite("Python wheel")
struct WheelTests {
    static let environment = ProcessInfo.processInfo.environment
    static let wheel = environment["GAVEL_WHEEL"]
    static let wheelhouse = environment["GAVEL_WHEELHOUSE"]
    static let trlPython = environment["GAVEL_TRL_PYTHON"]

    /// The shared libraries the test hides: what the binary would load from the system if the wheel
    /// did not carry them.
    static let hidden = ["libcurl.so.4", "libzstd.so.1", "libsnappy.so.1"]

    @Test(
        "the wheel pip-installed in a fresh venv ranks JSONL and Parquet with libcurl, libzstd and libsnappy hidden",
        .enabled(
            if: wheel != nil && wheelhouse != nil,
            "set GAVEL_WHEEL to a wheel from Scripts/build-wheel and GAVEL_WHEELHOUSE to its dependencies' wheels (.ci/run does)"),
        .enabled(if: getuid() == 0, "hiding system libraries takes a mount namespace (unshare -m, mount --bind): root only"))
    func freshVenvWithoutSystemLibraries() async throws {
        let wheel = try #require(Self.wheel), wheelhouse = try #require(Self.wheelhouse)
        let dir = try TempDir()
        let venv = dir.path("venv")
        let made = try await runProduct("/usr/bin/env", ["python3", "-m", "venv", venv])
        #expect(made.status == 0, "\(made.stderr)")
        // Offline, as tests are: the wheel's one dependency (httpx and its own) comes from a local wheelhouse.
        let installed = try await runProduct(
            "\(venv)/bin/pip", ["install", "-q", "--no-index", "--find-links", wheelhouse, wheel])
        try #require(installed.status == 0, "pip install failed: \(installed.stdout)\(installed.stderr)")

        try await withSimulator { sim in
            let empty = try dir.write("empty", "")
            let repo = TestPaths.repo.path
            // In a mount namespace of its own, each hidden library's file is covered by an empty one;
            // a check that the system really cannot load them any more comes first, so the test cannot
            // pass by the libraries staying visible.
            let script = """
                set -eu
                for name in \(Self.hidden.joined(separator: " ")); do
                  for f in $(ldconfig -p | awk -v n="$name" '$1 == n {print $NF}'); do
                    mount --bind '\(empty)' "$(readlink -f "$f")"
                  done
                  if python3 -c "import ctypes; ctypes.CDLL('$name')" 2>/dev/null; then
                    echo "$name is still loadable: hiding failed"; exit 3
                  fi
                done
                echo "hidden: \(Self.hidden.joined(separator: " "))"
                '\(venv)/bin/gavel' --version
                '\(venv)/bin/gavel' rank '\(repo)/Examples/art-group-lines.jsonl' -o '\(dir.path("ranked.jsonl"))' \\
                  --judge openai/sim-judge --api-base '\(sim.baseURL)' --cache-dir '\(dir.path("cache"))'
                '\(venv)/bin/gavel' rank '\(repo)/Examples/art-run/trajectories/train' --output-dir '\(dir.path("art-run"))' \\
                  --judge openai/sim-judge --api-base '\(sim.baseURL)' --cache-dir '\(dir.path("cache"))' \\
                  --parquet-compression snappy
                '\(venv)/bin/python' -c 'import gavel_client, gavel_client.trl; print("client", gavel_client.__file__)'
                """
            let result = try await runProduct("/usr/bin/unshare", ["-m", "/bin/bash", "-c", script])
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("hidden: libcurl.so.4"), "\(result.stdout)")
            #expect(result.stdout.contains("client \(venv)/lib/"), "\(result.stdout)")
            let ranked = try parseJSONL(dir.read("ranked.jsonl"))
            #expect(!ranked.isEmpty)
            #expect(ranked.allSatisfy { (($0["trajectories"] as? [[String: Any]]) ?? []).allSatisfy { $0["reward"] is Double } })
            let parquet = try FileManager.default.contentsOfDirectory(atPath: dir.path("art-run"))
            #expect(parquet.contains { $0.hasSuffix(".parquet") }, "\(parquet)")
        }
    }

    @Test(
        "the client's pytest suite against the wheel's installed binary: LocalGavel, the ART adapter, a real GRPOTrainer step",
        .enabled(
            if: trlPython != nil,
            "set GAVEL_TRL_PYTHON to a Python with the wheel installed, TRL, torch, ART, pytest and mypy (.ci/run makes it)"))
    func clientSuiteAgainstTheWheel() async throws {
        let python = try #require(Self.trlPython)
        let tests = TestPaths.repo.appendingPathComponent("Clients/python/tests").path
        let environment = [
            "GAVEL_TEST_WHEEL": "1", "GAVEL_BIN_DIR": TestPaths.products.path, "PYTHONDONTWRITEBYTECODE": "1",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
            // One thread for torch: the suites beside this one (a real LLM judge among them) share the machine's cores.
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        ]
        // Two runs: ART patches transformers when it is imported, which breaks TRL in the same process. mypy is
        // left to the build tree's run (PythonClientTests): the package's types do not depend on the binary, and
        // here, with torch installed, mypy reads all of it (five minutes of CPU).
        for selection in [["--ignore", "\(tests)/test_trl.py", "-k", "not mypy", tests], ["\(tests)/test_trl.py"]] {
            let result = try await runProduct(
                "/usr/bin/timeout", ["900", python, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"] + selection,
                environment: environment, removing: ["PYTHONPATH", "GAVEL_BINARY"])
            #expect(result.status == 0, "pytest failed:\n\(result.stdout)\n\(result.stderr)")
            #expect(!result.stdout.contains("SKIPPED"), "\(result.stdout)")
        }
    }
}
