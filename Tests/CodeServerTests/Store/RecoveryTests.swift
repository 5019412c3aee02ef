import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// Closing and reopening the journal: the registry and the history are what a restart finds.
@Suite(.tags(.reliability))
struct RegistryRecoveryTests {
    @Test func projectsAndTheirOptionsSurviveAReopen() throws {
        let fixture = JournalFixture()
        let options: JSONValue = ["tool_timeout_ms": 1234, "deny_tools": ["shell.run"]]
        do {
            let journal = try fixture.open()
            try journal.register(RegisteredProject(id: "p1", root: "/srv/a", options: options, registeredAtMs: 1))
            try journal.register(RegisteredProject(id: "p2", root: "/srv/b", options: [:], registeredAtMs: 2))
            try journal.register(RegisteredProject(id: "p3", root: "/srv/c", options: [:], registeredAtMs: 3))
            try journal.unregister(id: "p2")
        }
        let projects = try fixture.open().registeredProjects()
        #expect(projects.map(\.id) == ["p1", "p3"])
        #expect(projects.first?.root == "/srv/a")
        #expect(projects.first?.options == options)
    }

    @Test func theInMemoryRegistryBehavesLikeTheDurableOne() throws {
        let registry = InMemoryProjectRegistry()
        registry.register(RegisteredProject(id: "b", root: "/b", options: [:], registeredAtMs: 2))
        registry.register(RegisteredProject(id: "a", root: "/a", options: [:], registeredAtMs: 1))
        registry.unregister(id: "b")
        #expect(registry.registeredProjects().map(\.id) == ["a"])
    }
}

/// The engine wired to the journal: after a new engine opens the same file, its projects come back
/// with their options, and the timeline of a conversation that lived in the old one still answers.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .tags(.reliability))
struct EngineRecoveryTests {
    private func engine(_ journal: SQLiteJournal) -> (Engine, TelemetryHub) {
        let hub = TelemetryHub(store: journal)
        let configuration = EngineConfiguration(
            workerExecutable: BuiltProducts.path("jcs-worker"), warmWorkersPerProject: 1, registry: journal,
            journalStore: journal)
        return (Engine(configuration: configuration, sink: hub), hub)
    }

    @Test func projectsOptionsAndTimelinesComeBackAfterARestart() async throws {
        let fixture = JournalFixture()
        let root = TempDirectory(prefix: "jcs-recover")
        do {
            let (first, _) = engine(try fixture.open(clock: SystemClock()))
            let project = try await first.startProject(root: root.path, options: ["tool_timeout_ms": 4321], id: "p1")
            let conversation = try await project.startConversation(id: "c1")
            _ = try await conversation.send(.userMessage(text: "before the restart"), correlationId: "k1")
            _ = try await first.startProject(root: root.path, id: "p2")
            try await first.stopProject("p2")
            await first.shutdown()
        }
        let journal = try fixture.open(clock: SystemClock())
        let (second, _) = engine(journal)
        let restored = try await second.restoreProjects()
        #expect(restored.map(\.id) == ["p1"])
        #expect(restored.allSatisfy { $0.error == nil })
        #expect(try await second.project("p1").options.toolTimeoutMs == 4321)

        let timeline = try journal.incidentTimeline(project: "p1", conversation: "c1", correlationId: "k1")
        // One row for the message: the journal entry is the event.
        #expect(timeline.entries.map(\.event) == ["conversation.user.message"])
        #expect(timeline.entries.map(\.source) == [.journal])
        #expect(timeline.entries.first?.payload == ["text": "before the restart"])
        let restorePoint = try journal.telemetryRestorePoint(sinceMs: 0, limit: 100)
        #expect(restorePoint.counts["p1"]?[EventKind.conversationUserMessage.rawValue] == 1)
        await second.shutdown()
    }

    @Test func aProjectWhoseRootIsGoneIsReportedAndStaysRegistered() async throws {
        let fixture = JournalFixture()
        let journal = try fixture.open(clock: SystemClock())
        try journal.register(RegisteredProject(id: "gone", root: "/nonexistent/jcs-root", options: [:], registeredAtMs: 1))
        let (engine, _) = engine(journal)
        let restored = try await engine.restoreProjects()
        #expect(restored.first?.error?.code == "invalid_root")
        #expect(try journal.registeredProjects().map(\.id) == ["gone"])
    }
}
