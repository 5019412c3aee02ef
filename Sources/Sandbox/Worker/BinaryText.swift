/// Bytes in a JSON answer without loss: the text itself when they are valid UTF-8, else their
/// base64 with an encoding field saying `base64`.
public enum BinaryText {
    public static func put(_ bytes: [UInt8], key: String, encodingKey: String, into object: inout [String: JSONValue]) {
        if let text = String(validating: bytes, as: UTF8.self) {
            object[key] = .string(text)
            object[encodingKey] = nil
        } else {
            object[key] = .string(Base64.encode(bytes))
            object[encodingKey] = "base64"
        }
    }

    /// The bytes `put` stored; nil when the field is absent or its base64 is malformed.
    public static func bytes(in object: JSONValue, key: String, encodingKey: String) -> [UInt8]? {
        guard let text = object[key]?.stringValue else { return nil }
        if object[encodingKey]?.stringValue == "base64" { return Base64.decode(text) }
        return Array(text.utf8)
    }
}
