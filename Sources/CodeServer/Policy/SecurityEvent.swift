import Sandbox

/// An event the policy layer asks the caller to emit. The policy only builds them (it does no
/// I/O); telemetry, the store and the conversation journal decide where they go.
public struct SecurityEvent: Sendable, Equatable {
    public var name: EventKind
    /// An object: the call's ids, `reason`, `at`, and the finding's evidence.
    public var payload: JSONValue

    public init(name: EventKind, payload: JSONValue) {
        self.name = name
        self.payload = payload
    }
}
