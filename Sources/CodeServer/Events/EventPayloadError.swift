import Sandbox

/// A journal row or a client's JSON whose payload does not match its kind: names the kind, the
/// member and what is wrong with it, so a corrupt row is found without reading the decoder.
public struct EventPayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nil when the kind itself could not be read (an event object without a known `event`).
    public var kind: EventKind?
    /// The member (`reason`, `limits_fired`); empty when the payload as a whole is wrong.
    public var field: String
    public var reason: String

    public init(kind: EventKind?, field: String, reason: String) {
        self.kind = kind
        self.field = field
        self.reason = reason
    }

    public var description: String {
        let subject = kind.map { "\($0.rawValue) payload" } ?? "event"
        return field.isEmpty ? "\(subject): \(reason)" : "\(subject) member '\(field)': \(reason)"
    }
}
