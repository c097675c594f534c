// swift-tools-version:6.1
import PackageDescription

// Targets, lowest first; a target depends only on targets above it in this list, so the compiler
// enforces the one-way flow (Tests/GavelUnitTests/LayeringTests.swift checks every import line too):
//
//   GavelSupport  GavelJSON   GavelHTTP   GavelModelMap  (no Gavel dependencies; the last is LiteLLM's map as data)
//        ↓            ↓           ↓
//   GavelPool     ←───┘       GavelCurl ← CCurl  (generic byte-message process pool; the libcurl transport)
//        ↓                        ↓         GavelParquet ← CCodecs  (Parquet reader and writer; zstd, snappy, zlib, lz4, brotli)
//        ↓                        ↓           ↓
//   GavelCore  (no I/O: trajectories, groups, rubrics, prompts, verdicts, settings, input errors)
//        ↓                        ↓           ↓
//   GavelJudge  (protocol, ChatJudge, wire formats, retry, limits)   GavelScoring  (score stage, fits, ART annotation)
//        ↓                                                             ↓
//   GavelCache  (store protocol, disk store, caching judge)          GavelIO  (JSONL and Parquet in, writers out)
//        ↓                                                             ↓
//   Gavel  (the run: pipeline, RankRun from a RankConfiguration)     GavelPostgres  (the cache in PostgreSQL, on GavelCache)
//        ↓
//   GavelTesting  (judge simulator, stub judge, stub transport, recording clock)   GavelServe  (gavel serve: HTTP service on Hummingbird)
//        ↓          GavelEval  (gavel eval, report and tune: ranked output read back, measures, the HTML page)
//        ↓          GavelBatch  (gavel batch: providers' batch APIs, the manifest; the judges' wire formats)
//        ↓                                   ↓                        ↓
//   gavel, gavel-judge-sim, gavel-bench  (thin executables)
//
// Linux only: the transport, the process pool and the output sink use Glibc calls.
let package = Package(
    name: "Gavel",
    products: [
        .library(name: "Gavel", targets: ["Gavel"]),
        .library(name: "GavelPostgres", targets: ["GavelPostgres"]),
        .library(name: "GavelEval", targets: ["GavelEval"]),
        .library(name: "GavelBatch", targets: ["GavelBatch"]),
        .library(name: "GavelTesting", targets: ["GavelTesting"]),
        .executable(name: "gavel", targets: ["gavel"]),
        .executable(name: "gavel-judge-sim", targets: ["gavel-judge-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // No traits: gavel serve needs neither swift-configuration support nor the full-Foundation extras.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(name: "GavelSupport"),
        .target(name: "GavelJSON"),
        .target(name: "GavelHTTP"),
        // LiteLLM's model map as generated data (Scripts/update-model-map): 3,500 lines of table, no logic.
        .target(name: "GavelModelMap"),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "GavelCurl", dependencies: ["CCurl", "GavelSupport", "GavelHTTP"]),
        .systemLibrary(
            name: "CCodecs",
            providers: [.apt(["libzstd-dev", "libsnappy-dev", "zlib1g-dev", "liblz4-dev", "libbrotli-dev"])]
        ),
        .target(name: "GavelParquet", dependencies: ["CCodecs", "GavelSupport"]),
        .target(
            name: "GavelPool",
            dependencies: [
                "GavelSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The core: trajectories, groups, rubrics, prompts, verdicts, settings and input errors; no I/O.
        .target(
            name: "GavelCore",
            dependencies: [
                "GavelSupport", "GavelJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Judges: the protocol, the retry policy, one wire format per provider, answers read, limits.
        .target(
            name: "GavelJudge",
            dependencies: [
                "GavelCore", "GavelSupport", "GavelJSON", "GavelHTTP", "GavelModelMap",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The judge cache: the store protocol, the disk store, the caching judge.
        .target(
            name: "GavelCache",
            dependencies: [
                "GavelCore", "GavelJudge", "GavelSupport", "GavelJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Scores from verdicts (pure functions every executor shares), fits, ART's annotation, the executors.
        .target(name: "GavelScoring", dependencies: ["GavelCore", "GavelSupport", "GavelJSON", "GavelPool"]),
        // Readers and writers: JSONL and Parquet input, output sinks, shard merge.
        .target(name: "GavelIO", dependencies: ["GavelCore", "GavelScoring", "GavelSupport", "GavelJSON", "GavelParquet"]),
        // The run: the pipeline that wires judges, cache, scoring and I/O, and RankRun from a RankConfiguration.
        .target(
            name: "Gavel",
            dependencies: [
                "GavelCore", "GavelJudge", "GavelCache", "GavelScoring", "GavelIO", "GavelSupport", "GavelJSON", "GavelHTTP", "GavelCurl",
                "GavelPool",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "GavelPostgres",
            dependencies: [
                "GavelCore", "GavelCache", "GavelSupport", "GavelHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // gavel batch: every call a run needs, through the providers' batch APIs (the judges' wire formats).
        .target(
            name: "GavelBatch",
            dependencies: [
                "Gavel", "GavelCore", "GavelJudge", "GavelCache", "GavelSupport", "GavelJSON", "GavelHTTP", "GavelCurl",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // gavel eval, report and tune: reading ranked output, the measures, the page; tune drives RankRun.
        .target(
            name: "GavelEval",
            dependencies: [
                "Gavel", "GavelCore", "GavelJudge", "GavelIO", "GavelSupport", "GavelJSON",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "GavelTesting",
            dependencies: [
                "GavelCore", "GavelJudge", "GavelSupport", "GavelJSON", "GavelHTTP", "GavelCurl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "GavelServe",
            dependencies: [
                "Gavel", "GavelCore", "GavelJudge", "GavelCache", "GavelScoring", "GavelSupport", "GavelJSON", "GavelHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "gavel",
            dependencies: [
                "Gavel", "GavelCore", "GavelJudge", "GavelCache", "GavelScoring", "GavelIO", "GavelSupport", "GavelServe", "GavelPostgres",
                "GavelEval", "GavelBatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "gavel-judge-sim",
            dependencies: [
                "GavelTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "gavel-bench",
            dependencies: [
                "Gavel", "GavelScoring", "GavelSupport", "GavelJSON", "GavelHTTP", "GavelCurl", "GavelPool", "GavelTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "GavelUnitTests",
            dependencies: [
                "Gavel", "GavelCore", "GavelJudge", "GavelCache", "GavelScoring", "GavelIO", "GavelSupport", "GavelJSON", "GavelHTTP",
                "GavelPool", "GavelParquet", "GavelModelMap", "GavelTesting", "GavelServe", "GavelEval", "GavelBatch",
                // gavel serve's routes in memory: its router's responder on an embedded channel, no socket.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        .testTarget(
            name: "GavelIntegrationTests",
            dependencies: [
                "Gavel", "GavelCore", "GavelJudge", "GavelCache", "GavelScoring", "GavelSupport", "GavelJSON", "GavelHTTP", "GavelCurl",
                "GavelPool", "GavelTesting", "GavelEval",
            ]
        ),
        .testTarget(
            name: "GavelCLITests",
            dependencies: [
                "GavelCore", "GavelCache", "GavelSupport", "GavelJSON", "GavelHTTP", "GavelParquet", "GavelModelMap", "GavelTesting",
                "GavelBatch",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
