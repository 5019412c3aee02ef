@testable import CodeServer
import Sandbox
import Synchronization
import TestSupport

/// A clock the test moves by hand, for windowed logic.
final class ManualClock: RuntimeClock {
    private let now: Mutex<Int64>

    init(startMs: Int64 = 1_700_000_000_000) { now = Mutex(startMs) }

    func nowMs() -> Int64 { now.withLock { $0 } }

    func advance(byMs ms: Int64) { now.withLock { $0 += ms } }
}

/// An engine wired to the built `jcs-worker`, a recorder and (optionally) a manual clock, plus a
/// fresh project directory: what the runtime's integration tests start from.
struct RuntimeFixture {
    let recorder = RuntimeEventRecorder()
    let engine: Engine
    let directory = TempDirectory(prefix: "jcs-rt")

    init(clock: any RuntimeClock = SystemClock(), workerExecutable: String = BuiltProducts.path("jcs-worker")) {
        engine = Engine(
            configuration: EngineConfiguration(workerExecutable: workerExecutable, warmWorkersPerProject: 1),
            sink: recorder, clock: clock)
    }

    func start(_ options: JSONValue = [:], id: String = "p1") async throws -> Project {
        try await engine.startProject(root: directory.path, options: options, id: id)
    }

    func events(_ name: EventKind) -> [RuntimeEvent] { recorder.events(named: name) }
}

/// Waits for a fact the test cannot be told about directly (a process appearing on the host),
/// checking every 10 ms up to `timeoutMs`. Returns whether it became true.
func eventually(timeoutMs: Int = 10_000, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<(timeoutMs / 10) {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
