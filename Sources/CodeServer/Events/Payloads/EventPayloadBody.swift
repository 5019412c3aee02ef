import Sandbox

/// What every payload type is: its members as JSON (exactly what the journal, the API and the
/// runbook see) and a strict reader back from them.
public protocol EventPayloadBody: Sendable, Equatable {
    var json: JSONValue { get }
    init(reading: inout PayloadReader) throws(EventPayloadError)
}

/// The payload of a kind that carries nothing (`project.stopped`, `conversation.started`, …).
public struct NoPayload: EventPayloadBody {
    public init() {}
    public init(reading: inout PayloadReader) throws(EventPayloadError) {}
    public var json: JSONValue { [:] }
}
