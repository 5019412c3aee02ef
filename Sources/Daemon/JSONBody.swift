import Hummingbird
import NIOCore
import Sandbox

/// A request's JSON object body, read with a size limit and parsed strictly: every field a route
/// reads is declared up front, and any other field is refused (`unknown_field`) before the route
/// does anything.
struct JSONBody {
    /// Larger bodies are refused (`body_too_large`) without being buffered whole.
    static let maximumBytes = 1 << 20

    private let fields: [String: JSONValue]

    /// Reads the body; an empty body is an empty object, so routes whose fields are all optional
    /// take a bare POST.
    static func read(_ request: Request, allowed: Set<String>) async throws -> JSONBody {
        guard let bytes = try await boundedBytes(of: request) else {
            throw APIError(.bodyTooLarge, status: .contentTooLarge, "the body exceeds \(maximumBytes) bytes")
        }
        if bytes.isEmpty { return JSONBody(fields: [:]) }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw APIError(.invalidJSON, status: .badRequest, "\(error)")
        }
        guard let object = value.objectValue else {
            throw APIError(.invalidField, status: .badRequest, "the body must be a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError(
                .unknownField, status: .badRequest, field: unknown,
                "unknown field '\(unknown)' (this route takes: \(allowed.sorted().joined(separator: ", ")))")
        }
        return JSONBody(fields: object)
    }

    /// The whole body, or nil when it is larger than `maximumBytes`: the one bounded read of a
    /// request body, for the JSON API and the JSON-RPC faces (MCP, A2A), which each answer a nil
    /// in their own error format.
    static func boundedBytes(of request: Request) async throws -> [UInt8]? {
        if declaresTooMuch(request) { return nil }
        var request = request
        do {
            return Array(try await request.collectBody(upTo: maximumBytes).readableBytesView)
        } catch is NIOTooManyBytesError {
            return nil
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return nil
        }
    }

    /// A `Content-Length` over the limit is refused before a byte of the body is read (the
    /// collector would otherwise wait for the first `maximumBytes` of it).
    static func declaresTooMuch(_ request: Request) -> Bool {
        guard let declared = request.headers[.contentLength] else { return false }
        guard let length = Int(declared) else { return true }
        return length > maximumBytes
    }

    func string(_ name: String) throws(APIError) -> String? {
        guard let value = fields[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw Self.wrongType(name, "a string") }
        return text
    }

    func requiredString(_ name: String) throws(APIError) -> String {
        guard let text = try string(name) else {
            throw APIError(.missingField, status: .badRequest, field: name, "missing field '\(name)'")
        }
        return text
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        guard let value = fields[name], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw Self.wrongType(name, "a boolean") }
        return flag
    }

    func object(_ name: String) throws(APIError) -> JSONValue? {
        guard let value = fields[name], !value.isNull else { return nil }
        guard value.objectValue != nil else { throw Self.wrongType(name, "an object") }
        return value
    }

    private static func wrongType(_ name: String, _ expected: String) -> APIError {
        APIError(.invalidField, status: .badRequest, field: name, "field '\(name)' must be \(expected)")
    }
}
