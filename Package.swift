// swift-tools-version:6.2
import PackageDescription

// Executables link the Swift runtime statically: a sandboxed call pays the process start-up of
// `jcs` (CLI) or `jcs-worker` on its critical path, and the dynamic runtime costs ~2 ms more to load.
let staticRuntime: [LinkerSetting] = [.unsafeFlags(["-static-stdlib"])]

let package = Package(
    name: "jido-code-server",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jcs", targets: ["jcs"]),
        .executable(name: "jcs-worker", targets: ["jcs-worker"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
        .library(name: "CodeServer", targets: ["CodeServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // The code that runs between clone and execve (async-signal-safe C), plus the monitor-side
        // helpers Swift cannot express (raw clone, SCM_RIGHTS, libseccomp's macros, mount API syscalls).
        .target(
            name: "CSandbox",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("seccomp"), .linkedLibrary("cap")]
        ),
        .target(name: "Sandbox", dependencies: ["CSandbox"]),
        .executableTarget(
            name: "jcs-worker",
            dependencies: ["Sandbox"],
            linkerSettings: staticRuntime
        ),
        .target(name: "CodeServer", dependencies: ["Sandbox"]),
        .executableTarget(
            name: "jcs",
            dependencies: [
                "Sandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: staticRuntime
        ),
        .target(name: "TestSupport", dependencies: ["Sandbox"], path: "Tests/TestSupport"),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "TestSupport"]),
        .testTarget(name: "CodeServerTests", dependencies: ["CodeServer", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
