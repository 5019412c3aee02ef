import Sandbox

/// The params of the methods this server implements, read strictly: a member of the wrong type
/// is refused with -32602 naming it (`message.parts[1].text`); members A2A defines that this
/// server does not use are ignored, as the protobuf JSON mapping ignores unknown ones.
enum A2AParams {
    /// `SendMessage` / `SendStreamingMessage`: a `SendMessageRequest`.
    struct Send: Sendable, Equatable {
        var messageId: String
        var text: String
        var taskId: String?
        var contextId: String?
        var returnImmediately: Bool
        var historyLength: Int?
    }

    /// `GetTask` / `CancelTask`: the task's id and, for `GetTask`, how much history to return.
    struct TaskQuery: Sendable, Equatable {
        var id: String
        var historyLength: Int?
    }

    /// A message's text may not exceed this (the body is bounded too, at `JSONBody.maximumBytes`).
    static let maximumTextBytes = 256 << 10
    /// The output modes this agent produces: its answers are plain text.
    static let outputModes = ["text/plain"]

    static func send(_ params: [String: JSONValue], id: JSONRPCID) throws(JSONRPCError) -> Send {
        guard let message = params["message"], !message.isNull else {
            throw A2AError.invalidParams(field: "message", "'message' is required", id: id)
        }
        guard let fields = message.objectValue else {
            throw A2AError.invalidParams(field: "message", "'message' must be an object", id: id)
        }
        guard let messageId = fields["messageId"]?.stringValue, !messageId.isEmpty else {
            throw A2AError.invalidParams(field: "message.messageId", "'message.messageId' must be a non-empty string", id: id)
        }
        // Proto JSON spells an enum by name or by number; 1 is ROLE_USER.
        switch fields["role"] {
        case .string("ROLE_USER"), .int(1), .uint(1): break
        case nil, .null?:
            throw A2AError.invalidParams(field: "message.role", "'message.role' is required and must be ROLE_USER", id: id)
        default:
            throw A2AError.invalidParams(
                field: "message.role", "'message.role' must be ROLE_USER: a client sends the user's side", id: id)
        }
        guard let parts = fields["parts"]?.arrayValue, !parts.isEmpty else {
            throw A2AError.invalidParams(field: "message.parts", "'message.parts' must be a non-empty array", id: id)
        }
        var texts: [String] = []
        for (index, part) in parts.enumerated() {
            let field = "message.parts[\(index)]"
            guard let members = part.objectValue else {
                throw A2AError.invalidParams(field: field, "'\(field)' must be an object", id: id)
            }
            if let text = members["text"], !text.isNull {
                guard let value = text.stringValue else {
                    throw A2AError.invalidParams(field: field + ".text", "'\(field).text' must be a string", id: id)
                }
                texts.append(value)
                continue
            }
            let kind = ["raw", "url", "data"].first { members[$0] != nil && members[$0]?.isNull == false }
            guard let kind else {
                throw A2AError.invalidParams(field: field, "'\(field)' has no content (text, raw, url or data)", id: id)
            }
            throw A2AError.make(
                A2AError.contentTypeNotSupported,
                "content type not supported: '\(field)' is a \(kind) part; this agent reads text parts only",
                metadata: ["field": field], id: id)
        }
        let text = texts.joined(separator: "\n")
        guard text.utf8.count <= maximumTextBytes else {
            throw A2AError.invalidParams(
                field: "message.parts", "the message's text is \(text.utf8.count) bytes; at most \(maximumTextBytes) are accepted",
                id: id)
        }
        let taskId = try optionalId(fields["taskId"], field: "message.taskId", id: id)
        let contextId = try optionalId(fields["contextId"], field: "message.contextId", id: id)
        var returnImmediately = false
        var historyLength: Int?
        if let configuration = params["configuration"], !configuration.isNull {
            guard let members = configuration.objectValue else {
                throw A2AError.invalidParams(field: "configuration", "'configuration' must be an object", id: id)
            }
            if let flag = members["returnImmediately"], !flag.isNull {
                guard let value = flag.boolValue else {
                    throw A2AError.invalidParams(
                        field: "configuration.returnImmediately", "'configuration.returnImmediately' must be a boolean", id: id)
                }
                returnImmediately = value
            }
            historyLength = try self.historyLength(members["historyLength"], field: "configuration.historyLength", id: id)
            if let modes = members["acceptedOutputModes"], !modes.isNull {
                guard let list = modes.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                    throw A2AError.invalidParams(
                        field: "configuration.acceptedOutputModes",
                        "'configuration.acceptedOutputModes' must be an array of strings", id: id)
                }
                let accepted = list.compactMap(\.stringValue)
                let readable = accepted.isEmpty || accepted.contains { ["text/plain", "text/*", "*/*", "text"].contains($0) }
                guard readable else {
                    throw A2AError.make(
                        A2AError.contentTypeNotSupported,
                        "content type not supported: this agent answers in text/plain, which acceptedOutputModes excludes",
                        metadata: ["field": "configuration.acceptedOutputModes"], id: id)
                }
            }
        }
        return Send(
            messageId: messageId, text: text, taskId: taskId, contextId: contextId,
            returnImmediately: returnImmediately, historyLength: historyLength)
    }

    static func task(_ params: [String: JSONValue], id: JSONRPCID) throws(JSONRPCError) -> TaskQuery {
        guard let taskId = try optionalId(params["id"], field: "id", id: id) else {
            throw A2AError.invalidParams(field: "id", "'id' (the task's id) is required", id: id)
        }
        return TaskQuery(id: taskId, historyLength: try historyLength(params["historyLength"], field: "historyLength", id: id))
    }

    private static func optionalId(_ value: JSONValue?, field: String, id: JSONRPCID) throws(JSONRPCError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw A2AError.invalidParams(field: field, "'\(field)' must be a string", id: id)
        }
        // Proto JSON writes an unset string as absent, but an empty one reads as unset too.
        return text.isEmpty ? nil : text
    }

    private static func historyLength(_ value: JSONValue?, field: String, id: JSONRPCID) throws(JSONRPCError) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.intValue, number >= 0 else {
            throw A2AError.invalidParams(field: field, "'\(field)' must be an integer of at least 0", id: id)
        }
        return number
    }
}
