#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// The worker protocol, end to end: `jcs-worker` spawned with posix_spawn, JSON lines both ways.
@Suite(
    .enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"),
    .enabled(if: BuiltProducts.exists("jcs-worker"), "jcs-worker is not built (run scripts/test, which builds it)"),
    .serialized)
struct WorkerTests {
    let worker = BuiltProducts.path("jcs-worker")

    @Test func prepareThenRunReportsViolationsAsTheyHappenAndTheResult() throws {
        let project = TempDirectory()
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let filter = try SeccompProgram(profile: profile)
        let client = try WorkerClient(executable: worker)
        try client.prepare(root: project.path, profile: profile, bpf: filter.bpf)
        #expect(client.ready?.idmapped == true)
        // A root-owned project's sandbox runs as a host uid of its own, from its user namespace.
        let ready = try #require(client.ready)
        let expected = ownHostUID(base: profile.identity.sandboxUIDBase, sandboxPid: ready.pid)
        #expect(expected != nil && ready.hostUID == expected.map(Int.init), "\(ready.hostUID) \(String(describing: expected))")
        var streamed: [Violation] = []
        let result = try client.run(
            argv: ["/usr/bin/python3", "-c", "import socket; socket.create_connection(('1.1.1.1', 80))"],
            onViolation: { streamed.append($0) })
        #expect(result.exitCode == 1)
        #expect(streamed.count == 1 && streamed.first?.address == "1.1.1.1" && streamed.first?.port == 80)
        #expect(result.violations == streamed)
        #expect(result.profileSHA256 == profile.sha256)
    }

    @Test func aPoolHandsOutPreparedWorkers() throws {
        let project = TempDirectory()
        let profile = try ProfileResolver.resolve(nameOrPath: "strict")
        let pool = WorkerPool(
            executable: worker, root: project.path, profile: profile, filter: try SeccompProgram(profile: profile), size: 2)
        defer { pool.shutdown() }
        for i in 0..<5 {
            let result = try pool.take().run(argv: ["/bin/sh", "-c", "echo \(i) > f\(i); cat f\(i)"])
            #expect(result.out == "\(i)\n")
            #expect(result.profileName == "strict")
        }
    }

    @Test func aPoolOverAMissingRootFailsWithTheReason() throws {
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let pool = WorkerPool(
            executable: worker, root: "/nonexistent/jcs-root", profile: profile,
            filter: try SeccompProgram(profile: profile), size: 1)
        defer { pool.shutdown() }
        do {
            _ = try pool.take()
            Issue.record("a pool over a missing root handed out a worker")
        } catch {
            #expect(error.code == "invalid_root")
            #expect(error.description.contains("/nonexistent/jcs-root"))
        }
    }

    @Test func aKilledWorkerTakesItsSandboxAlongAndItsCgroupIsSweptLater() throws {
        let project = TempDirectory()
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        // Run a daemonizing command on a thread, then kill the monitor under it.
        final class Box: @unchecked Sendable { var client: WorkerClient?; init(_ c: WorkerClient) { client = c } }
        let box = Box(try WorkerClient(executable: worker))
        try box.client?.prepare(root: project.path, profile: profile, bpf: nil)
        let workerPID = box.client?.pid ?? 0
        var thread = pthread_t()
        let context = Unmanaged.passRetained(box).toOpaque()
        pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            _ = try? box.client?.run(argv: ["/bin/sh", "-c", "(setsid sleep \(Self.markerPlaceholder) &); sleep \(Self.markerPlaceholder)"])
            return nil
        }, context)
        usleep(300_000)
        kill(workerPID, SIGKILL)
        pthread_join(thread, nil)
        box.client = nil  // reaps the dead worker
        usleep(100_000)
        #expect(hostProcesses(containing: Self.markerPlaceholder).isEmpty, "the tool outlived its monitor")
        // The dead monitor's cgroups are removed by the next sandbox this host builds.
        let stale = "jcs-\(workerPID)-"
        _ = try SandboxHarness().run(["/bin/true"])
        let layout = Sandbox.cgroupLayout
        for base in [layout.v1Memory, layout.v1Pids, layout.v2Dir].compactMap({ $0 }) {
            #expect(!(listDirectory(base).contains { $0.hasPrefix(stale) }), "stale cgroup left in \(base)")
        }
    }

    static let markerPlaceholder = "4242.4242"

    @Test func theWorkerTakesTheProfileHashAndCgroupLayoutItIsTold() throws {
        // Each worker used to hash the profile and parse mountinfo itself; the caller now says
        // both in `prepare`. A hash nobody would compute shows the worker reports what it was
        // told, and a layout naming a missing cgroup directory shows it no longer reads its own.
        let project = TempDirectory()
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let told = String(repeating: "ab", count: 32)
        func lines(layout: CgroupLayout) -> String {
            let prepare = WorkerMessage.prepare(
                root: project.path, profile: profile.canonicalJSON, bpf: nil, rootIdentity: nil, profileSHA256: told,
                cgroupLayout: layout)
            let run = WorkerMessage.run(argv: ["/bin/true"], env: [], cwd: nil)
            return JSONWriter.jsonLine(prepare.json) + JSONWriter.jsonLine(run.json)
        }
        let r = runProduct("jcs-worker", [], stdin: lines(layout: Sandbox.cgroupLayout))
        #expect(r.status == 0, "\(r.out) \(r.err)")
        let answers = r.out.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
        let result = answers.first { $0["type"]?.stringValue == "result" }
        #expect(result?["exit_code"]?.intValue == 0, "\(r.out)")
        #expect(result?["profile"]?["sha256"]?.stringValue == told, "\(r.out)")

        var missing = Sandbox.cgroupLayout
        let nowhere = "/sys/fs/cgroup/jcs-no-such-cgroup-\(getpid())"
        switch missing.version {
        case .v2?: missing.v2Dir = nowhere
        case .v1?:
            if missing.v1Memory != nil { missing.v1Memory = nowhere }
            if missing.v1Pids != nil { missing.v1Pids = nowhere }
        case nil: try #require(missing.version != nil, "this host gives the test no cgroup to create: \(missing)")
        }
        let refused = runProduct("jcs-worker", [], stdin: lines(layout: missing))
        #expect(refused.status == 125, "\(refused.out) \(refused.err)")
        #expect(refused.out.contains("jcs-no-such-cgroup"), "\(refused.out)")
    }

    @Test func malformedProtocolLinesAreRefusedWithAStructuredError() throws {
        let cases = [
            "not json\n", "{\"type\":\"run\",\"argv\":[\"true\"]}\n", "{\"type\":\"prepare\"}\n",
            "{\"type\":\"prepare\",\"root\":\"/tmp\",\"profile\":{\"name\":\"x\",\"bogus\":1}}\n",
            "[1,2,3]\n", "{\"type\":\"prepare\",\"root\":\"/tmp\",\"profile\":{}}\n",
            String(repeating: "{", count: 5000) + "\n", "\u{FF}\u{FE}\n", "",
            "{\"type\":\"prepare\",\"root\":\"/tmp\",\"profile\":{\"name\":\"x\"},\"profile_sha256\":\"ABC\"}\n",
            "{\"type\":\"prepare\",\"root\":\"/tmp\",\"profile\":{\"name\":\"x\"},\"cgroup_layout\":[]}\n",
        ]
            + [
                #"{"version":"v3","v2_dir":null,"v2_memory":true,"v2_pids":true,"v1_memory":null,"v1_pids":null}"#,
                #"{"version":"v2","v2_dir":"sys/fs/cgroup","v2_memory":true,"v2_pids":true,"v1_memory":null,"v1_pids":null}"#,
                #"{"version":"v2","v2_dir":"/sys/fs/cgroup","v2_memory":true,"v1_memory":null,"v1_pids":null}"#,
                #"{"version":"v2","v2_dir":"/x","v2_memory":true,"v2_pids":true,"v1_memory":null,"v1_pids":null,"extra":1}"#,
            ].map { #"{"type":"prepare","root":"/tmp","profile":{"name":"x"},"cgroup_layout":"# + $0 + "}\n" }
        for input in cases {
            let r = runProduct("jcs-worker", [], stdin: input)
            #expect(r.status == 2, "input \(input.prefix(40)) gave status \(r.status)")
            let parsed = try JSONParser.parse(r.out)
            #expect(parsed["type"]?.stringValue == "error")
            let message = parsed["message"]?.stringValue ?? ""
            #expect(!message.isEmpty)
        }
    }
}

extension SandboxResult {
    fileprivate var out: String { String(decoding: stdout, as: UTF8.self) }
}

private func listDirectory(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        names.append(withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
    }
    return names
}
