import Sandbox

/// Removes secrets from a payload before the hub stores, shows or delivers it.
///
/// Objects are walked at any depth, through arrays: a member whose key `SecretKeys` calls secret
/// has its whole value (whatever its type) replaced with `"[REDACTED]"`; every other string is
/// passed through `SecretScanner`, which replaces only the secret part. Keys themselves are kept:
/// they say what was there, which is what an operator needs to triage.
public struct Redactor: Sendable {
    public var keys: SecretKeys

    public init(keys: SecretKeys = SecretKeys()) {
        self.keys = keys
    }

    public func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(SecretScanner.redact(text))
        case .array(let elements): .array(elements.map(redact))
        case .object(let members):
            .object(members.reduce(into: [:]) { out, member in
                out[member.key] = keys.isSecret(member.key) ? .string(SecretScanner.replacement) : redact(member.value)
            })
        case .null, .bool, .int, .uint, .double: value
        }
    }

    /// The event with its payload redacted; ids are the caller's and pass through as they are.
    ///
    /// The payload is redacted in its wire form, member by member exactly as before payloads were
    /// typed, and read back with the strict reader. Nil when the redacted form no longer reads as
    /// its kind (a typed member's value was replaced): such an event must be neither stored nor
    /// shown unredacted, so the hub drops and counts it. No typed member's name is a secret key
    /// (`EventPayloadWireTests` checks every kind), so that needs a redactor configured with
    /// secret words that match them.
    public func redact(_ event: RuntimeEvent) -> RuntimeEvent? {
        guard let payload = try? EventPayload(kind: event.name, json: redact(event.payload.json)) else { return nil }
        var copy = event
        copy.payload = payload
        return copy
    }
}
