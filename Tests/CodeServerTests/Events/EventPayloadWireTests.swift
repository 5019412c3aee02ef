import Sandbox
import Testing

@testable import CodeServer

/// Typed payloads keep the wire form: every kind encodes to exactly the members the old
/// dictionaries held, and the one strict reader reads them back to the same value.
struct EventPayloadWireTests {
    @Test func everyKindHasASample() {
        let covered = Set(EventSamples.all.map(\.0.kind))
        #expect(covered == Set(EventKind.allCases), "missing: \(Set(EventKind.allCases).subtracting(covered))")
    }

    @Test(arguments: EventSamples.all.indices)
    func wireFormIsUnchangedAndRoundTrips(_ index: Int) throws {
        let (payload, old) = EventSamples.all[index]
        #expect(payload.json == old, "\(payload.kind.rawValue)")
        // Through text too, as the journal stores it.
        let text = JSONWriter.text(old)
        let read = try EventPayload(kind: payload.kind, json: try JSONParser.parse(text))
        #expect(read == payload, "\(payload.kind.rawValue)")
    }

    @Test(arguments: EventSamples.all.indices)
    func eventJSONRoundTrips(_ index: Int) throws {
        let event = RuntimeEvent(
            projectId: "p", conversationId: index.isMultiple(of: 2) ? "c" : nil, correlationId: "k", atMs: EventSamples.at,
            payload: EventSamples.all[index].0, id: UInt64(index + 1))
        #expect(try RuntimeEvent(json: event.json) == event)
    }

    /// What the journal stores (`payload.json` as text) reads back through the strict reader,
    /// for every kind, across a reopen.
    @Test func everyKindRoundTripsThroughTheJournal() throws {
        let fixture = JournalFixture()
        do {
            let journal = try fixture.open()
            for (index, sample) in EventSamples.all.enumerated() {
                try journal.append(
                    RuntimeEvent(projectId: "p1", conversationId: "c1", atMs: Int64(index), payload: sample.0))
            }
        }
        let read = try fixture.open().events(project: "p1", conversation: "c1")
        #expect(read.map(\.payload) == EventSamples.all.map(\.0))
    }

    /// No typed member is named like a secret, so the hub's redaction (which replaces such
    /// members whole) never turns a typed payload into one its kind cannot read.
    @Test(arguments: EventSamples.all.indices)
    func redactionKeepsEveryKindReadable(_ index: Int) {
        let event = RuntimeEvent(projectId: "p", atMs: 0, payload: EventSamples.all[index].0)
        #expect(Redactor().redact(event) == event, "\(event.name.rawValue)")
    }

    @Test func redactionReachesFreeTextAndOpenRecords() throws {
        let failed = ToolFailed(callId: "c1", tool: "shell.run", reason: .toolError, message: "Bearer abc123DEF456ghi789")
        let redacted = try #require(Redactor().redact(RuntimeEvent(projectId: "p", atMs: 0, payload: .toolFailed(failed))))
        guard case .toolFailed(let out) = redacted.payload else { Issue.record("kind changed"); return }
        #expect(!out.message.contains("abc123DEF456ghi789"))
        let finding = SecurityFinding(reason: "env_denied", evidence: ["api_key": "hunter2", "names": ["A"]])
        let shown = try #require(Redactor().redact(RuntimeEvent(projectId: "p", atMs: 0, payload: .envDenied(finding))))
        #expect(shown.payload.securityFinding?.evidence["api_key"] == .string(SecretScanner.replacement))
        #expect(shown.payload.securityFinding?.evidence["names"] == ["A"])
    }

    @Test func aRedactorThatHitsATypedMemberMakesTheHubDropTheEvent() throws {
        let hub = TelemetryHub(
            configuration: TelemetryConfiguration(redactor: Redactor(keys: SecretKeys(secretWords: ["reason"]))))
        // `reason` of a `tool.failed` is a `FailureReason`: "[REDACTED]" is none, so the event
        // cannot be kept typed, and is neither stored nor shown unredacted.
        let emitted = try hub.emitChecked(EventSamples.event(.toolFailed))
        #expect(emitted == nil)
        #expect(hub.stats.redactionDrops == 1)
        #expect(hub.snapshot(project: "p1").recentEvents.isEmpty)
    }

    // MARK: - The strict reader's errors name the member and the reason

    private func error(_ kind: EventKind, _ json: JSONValue) -> EventPayloadError? {
        do {
            _ = try EventPayload(kind: kind, json: json)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownMemberIsRefusedByName() {
        let e = error(.toolStarted, ["call_id": "c", "tool": "t", "surprise": 1])
        #expect(e == EventPayloadError(kind: .toolStarted, field: "surprise", reason: "unknown member for this kind"))
        #expect(e?.description == "tool.started payload member 'surprise': unknown member for this kind")
    }

    @Test func missingAndMistypedMembersAreNamed() {
        #expect(error(.toolStarted, ["tool": "t"])?.field == "call_id")
        #expect(error(.toolCompleted, ["call_id": "c", "tool": "t", "duration_ms": "12", "sensitive": false])?.reason == "not an integer")
        #expect(error(.toolFailed, ["call_id": "c", "tool": "t", "reason": "nope", "message": ""])?.reason == "unknown value 'nope'")
        #expect(error(.toolFailed, ["call_id": "c", "tool": "t", "reason": "timeout", "message": "", "limits_fired": ["x"]])?.field
            == "limits_fired[0]")
        #expect(error(.projectStopped, "not an object")?.reason == "not a JSON object")
        #expect(error(.projectStopped, ["x": 1])?.field == "x")
    }

    /// A layer's record that uses a typed name for something else keeps it as evidence, and
    /// reads back exactly.
    @Test func aFindingKeepsWhatItCannotTypeAsEvidence() throws {
        let record: [String: JSONValue] = ["source": "elsewhere", "reason": 3, "tool": "t", "path": "/x"]
        let finding = SecurityFinding(record: record)
        #expect(finding.source == nil && finding.reason == nil && finding.tool == "t")
        #expect(finding.evidence == ["source": "elsewhere", "reason": 3, "path": "/x"])
        #expect(EventPayload.networkDenied(finding).json == .object(record))
        #expect(try EventPayload(kind: .networkDenied, json: .object(record)) == .networkDenied(finding))
    }

    @Test func aVerdictCannotTravelUnderTheOtherKind() {
        var json = EventSamples.all.first { $0.0.kind == .policyAllowed }!.1.objectValue!
        #expect(error(.policyDenied, .object(json))?.field == "decision")
        json["at"] = "yesterday"
        #expect(error(.policyAllowed, .object(json))?.field == "at")
    }

    @Test func alertEvidenceErrorsNameThePath() {
        var json = EventSamples.all.first { $0.0.kind == .alertRaised }!.1.objectValue!
        json["evidence"] = [["event": "tool.started"]]
        #expect(error(.alertRaised, .object(json))?.field == "evidence[0].event_id")
    }

    @Test func eventObjectsNeedAKnownKind() {
        #expect(throws: EventPayloadError(kind: nil, field: "event", reason: "unknown event 'tool.exploded'")) {
            try RuntimeEvent(json: ["event": "tool.exploded"])
        }
    }
}
