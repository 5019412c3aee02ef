// swift-tools-version:6.2
import PackageDescription

// Executables are linked fully static: a sandboxed call pays the process start-up of `jcs` (CLI)
// or `jcs-worker` on its critical path, and measured here a static executable starts in 0.7 ms
// against 1.4 ms with only the Swift runtime static and 2.6 ms fully dynamic. lld, because gold
// prints glibc's link-time notes about NSS functions that Foundation references and we never call.
let staticRuntime: [LinkerSetting] = [
    .unsafeFlags(["-static-executable", "-use-ld=lld"]),
    // swift-argument-parser uses FoundationEssentials, whose static archive needs this one too.
    .linkedLibrary("_FoundationCollections"),
    .linkedLibrary("_FoundationCShims"),
    .linkedLibrary("swiftSynchronization"),
]

// `jcs-coordinator` links CodeServer, whose Yams brings full Foundation and with it ICU.
let staticFoundationRuntime: [LinkerSetting] =
    staticRuntime + ["CoreFoundation", "_FoundationICU", "stdc++", "m"].map { .linkedLibrary($0) }

// Our own targets treat warnings as errors; dependencies are left alone.
let strictSwift: [SwiftSetting] = [.treatAllWarnings(as: .error)]
let strictC: [CSetting] = [.define("_GNU_SOURCE"), .unsafeFlags(["-Wall", "-Wextra", "-Werror"])]

let package = Package(
    name: "jido-code-server",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jcs", targets: ["jcs"]),
        .executable(name: "jcs-worker", targets: ["jcs-worker"]),
        .executable(name: "jcs-coordinator", targets: ["jcs-coordinator"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
        .library(name: "CodeServer", targets: ["CodeServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // The daemon only (`Daemon` and `jcs-coordinator`): `jcs` must not link NIO.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // The daemon's outbound HTTPS (alert webhooks, later the agent loop's model endpoints):
        // `Daemon` only, like Hummingbird.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The code that runs between clone and execve (async-signal-safe C), plus the monitor-side
        // helpers Swift cannot express (raw clone, SCM_RIGHTS, libseccomp's macros, mount API syscalls).
        .target(
            name: "CSandbox",
            cSettings: strictC,
            linkerSettings: [.linkedLibrary("seccomp"), .linkedLibrary("cap")]
        ),
        .target(name: "Sandbox", dependencies: ["CSandbox"], swiftSettings: strictSwift),
        .executableTarget(
            name: "jcs-worker",
            dependencies: ["Sandbox"],
            swiftSettings: strictSwift,
            linkerSettings: staticRuntime
        ),
        // `scripts/bench`: latency and throughput of sandboxed calls against baselines measured
        // in the same run.
        .executableTarget(
            name: "jcs-bench",
            dependencies: ["Sandbox"],
            swiftSettings: strictSwift,
            linkerSettings: staticRuntime
        ),
        // The system SQLite through its C API, for the durable journal (CodeServer/Store). Chosen
        // over GRDB: no Foundation in the store's path, nothing to fetch, and a static link that
        // only needs Debian's libsqlite3.a.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // Yams (and through it Foundation) stays out of `Sandbox`: the worker and the CLI's
        // `sandbox run` start in under a millisecond without Foundation.
        .target(
            name: "CodeServer",
            dependencies: ["Sandbox", "CSQLite", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSwift
        ),
        // The CLI's commands, a library so tests drive them in-process; `jcs` is only its entry.
        .target(
            name: "JCSCLI",
            dependencies: [
                "Sandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "jcs",
            dependencies: ["JCSCLI"],
            swiftSettings: strictSwift,
            linkerSettings: staticRuntime
        ),
        // The daemon behind `jcs serve`: HTTP+JSON over a Unix socket, thin routes over the Engine.
        // A library so the routes can be read and tested apart from the process's entry point.
        .target(
            name: "Daemon",
            dependencies: [
                "CodeServer", "Sandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSwift
        ),
        // `jcs-coordinator serve`: the daemon. `jcs-coordinator --stdio --data-dir DIR`: the
        // JSON-lines seed the crash test drives, each answer only after its write is committed.
        .executableTarget(
            name: "jcs-coordinator",
            dependencies: ["CodeServer", "Sandbox", "Daemon"],
            swiftSettings: strictSwift,
            linkerSettings: staticFoundationRuntime
        ),
        .target(name: "TestSupport", dependencies: ["Sandbox"], path: "Tests/TestSupport", swiftSettings: strictSwift),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "CodeServerTests", dependencies: ["CodeServer", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "jcsTests", dependencies: ["JCSCLI"], swiftSettings: strictSwift),
        // The daemon end to end: the real `jcs-coordinator serve`, driven through `jcs --json`, plus raw
        // HTTP for the malformed requests the CLI cannot send.
        .testTarget(name: "DaemonTests", dependencies: ["Sandbox", "TestSupport"], swiftSettings: strictSwift),
    ],
    swiftLanguageModes: [.v6]
)
