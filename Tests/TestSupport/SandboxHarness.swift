#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Sandbox

/// Runs real commands in real sandboxes for tests: a fresh project directory, a built-in
/// profile adjusted per test, and the C probe (`Tests/Probes/probe.c`) in the workspace.
/// Sendable so a test can run it in a child task; it is used by one task at a time.
public final class SandboxHarness: @unchecked Sendable {
    public let project: TempDirectory
    public var profile: Profile

    /// Whether this host can build sandboxes at all; tests that need one are disabled with
    /// `HostSupport.reason` otherwise, which Swift Testing prints as the skip reason.
    public init(profile name: String = "default", adjust: (inout Profile) -> Void = { _ in }) throws {
        project = TempDirectory(prefix: "jcs-sbx")
        var profile = try ProfileResolver.resolve(nameOrPath: name)
        adjust(&profile)
        self.profile = profile
    }

    /// Runs argv in a new sandbox and returns its result.
    public func run(
        _ argv: [String], env: [(String, String)] = [], onViolation: ((Violation) -> Void)? = nil
    ) throws -> SandboxResult {
        let filter = try SeccompProgram(profile: profile)
        let sandbox = try Sandbox.prepare(profile: profile, root: project.path, filter: { filter })
        return try sandbox.run(RunRequest(argv: argv, environment: env), onViolation: onViolation)
    }

    public func sh(_ script: String) throws -> SandboxResult { try run(["/bin/sh", "-c", script]) }

    /// Runs the probe with `args` (it was copied into the workspace by `withProbe`).
    public func probe(_ args: String...) throws -> SandboxResult {
        installProbe()
        return try run(["/workspace/.probe"] + args)
    }

    private var probeInstalled = false
    /// Copies the probe to /workspace/.probe, for tests that run it with `run`.
    public func installProbe() {
        guard !probeInstalled else { return }
        let source = Probe.binary
        let target = project.file(".probe")
        precondition(system2(["/bin/cp", source, target]) == 0, "copying the probe failed")
        chmod(target, 0o755)
        probeInstalled = true
    }
}

extension SandboxResult {
    public var out: String { String(decoding: stdout, as: UTF8.self) }
    public var err: String { String(decoding: stderr, as: UTF8.self) }

    public func violations(kind: String) -> [Violation] { violations.filter { $0.kind == kind } }
}

/// The probe binary, compiled once per test process with the system C compiler.
public enum Probe {
    public static let binary: String = {
        let source = repositoryRoot + "/Tests/Probes/probe.c"
        let output = "/tmp/jcs-probe-\(getpid())"
        let rc = system2(["/usr/bin/cc", "-O1", "-Wall", "-Werror", "-o", output, source])
        precondition(rc == 0, "compiling \(source) failed (is gcc installed? scripts/setup installs it)")
        return output
    }()

    /// The checkout, found from this file's path.
    public static let repositoryRoot: String = {
        let path = #filePath
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/TestSupport/SandboxHarness.swift
        return parts.joined(separator: "/")
    }()
}

/// What the host lacks for sandbox tests, or nil when they can run here.
///
/// Every reason starts with `skipPrefix`: `scripts/test` finds the suites skipped for it in the
/// test output and fails unless `JCS_ALLOW_SANDBOX_SKIP=1`, so the suite never shrinks silently.
/// `JCS_SIMULATE_NO_SANDBOX=1` makes a capable host answer as one without sandboxes, to show
/// that path works.
public enum HostSupport {
    public static let skipPrefix = "sandbox unavailable: "

    public static let missing: String? = {
        let found: String? = {
            if getenv("JCS_SIMULATE_NO_SANDBOX").map({ String(cString: $0) }) == "1" {
                return "simulated by JCS_SIMULATE_NO_SANDBOX=1"
            }
            if csb_probe_userns() != 0 { return "user namespaces are unavailable on this host" }
            if csb_probe_seccomp_notify() != 0 { return "seccomp user notification is unavailable on this host" }
            if geteuid() != 0 { return "the sandbox tests need root (cgroups, idmapped mounts)" }
            return nil
        }()
        return found.map { skipPrefix + $0 }
    }()
    public static var canSandbox: Bool { missing == nil }
    public static var reason: String { missing ?? "" }
}

/// Runs argv (absolute path first) with posix_spawn and waits; returns the exit status.
@discardableResult
public func system2(_ argv: [String]) -> Int32 {
    spawnAndWait(argv, actions: nil)
}

/// posix_spawn + waitpid; the status as a shell reports it (128+N for signal N), -1 if the
/// spawn failed.
private func spawnAndWait(_ argv: [String], actions: UnsafePointer<posix_spawn_file_actions_t>?) -> Int32 {
    let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, argv[0], actions, nil, cargs, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

/// Host processes whose command line contains `marker`, found by scanning /proc.
public func hostProcesses(containing marker: String) -> [pid_t] {
    guard let dir = opendir("/proc") else { return [] }
    defer { closedir(dir) }
    var found: [pid_t] = []
    let needle = Array(marker.utf8)
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        guard let pid = pid_t(name), pid != getpid() else { continue }
        guard let f = fopen("/proc/\(pid)/cmdline", "r") else { continue }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = fread(&buffer, 1, buffer.count, f)
        fclose(f)
        bytes.append(contentsOf: buffer[0..<n])
        if bytes.count >= needle.count,
            (0...(bytes.count - needle.count)).contains(where: { i in Array(bytes[i..<(i + needle.count)]) == needle })
        {
            found.append(pid)
        }
    }
    return found
}

/// The package's built executables (`jcs`, `jcs-worker`), next to the test bundle.
public enum BuiltProducts {
    public static let directory: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = String(decoding: buffer[0..<max(0, n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }()

    public static func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// Whether `name` was built (scripts/test builds every product before testing).
    public static func exists(_ name: String) -> Bool { access(path(name), X_OK) == 0 }
}

/// Runs a built executable with `args`, stdin from /dev/null, and returns its status and output.
/// Runs a built product, under `wrapper` (such as `unshare --user`) when given.
public func runProduct(
    _ name: String, _ args: [String], stdin: String? = nil, under wrapper: [String] = []
) -> (status: Int32, out: String, err: String) {
    let outPath = "/tmp/jcs-test-out-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let errPath = outPath + ".err"
    let inPath = outPath + ".in"
    defer {
        unlink(outPath)
        unlink(errPath)
        unlink(inPath)
    }
    if let stdin {
        let fd = open(inPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = stdin.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin == nil ? "/dev/null" : inPath, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let code = spawnAndWait(wrapper + [BuiltProducts.path(name)] + args, actions: &actions)
    return (code, readTextFile(outPath) ?? "", readTextFile(errPath) ?? "")
}

/// The host uid a live sandbox of `pid` runs as with `base` (`identity.per_sandbox_uid_base`):
/// base plus its user namespace's inode less 0xF0000000, read the way the monitor reads it.
public func ownHostUID(base: UInt32, sandboxPid pid: Int) -> UInt32? {
    var st = stat()
    guard stat("/proc/\(pid)/ns/user", &st) == 0, st.st_ino >= 0xF000_0000 else { return nil }
    return base + UInt32(st.st_ino - 0xF000_0000)
}
