import CodeServer
import Sandbox

/// A tool result as an MCP CallToolResult. Whatever the gate decided is a tool result, never a
/// JSON-RPC error: the specification keeps protocol errors for requests the server could not
/// read, and a model reads `isError` results and can react to them (a denial, a timeout).
enum MCPCallResult {
    static func from(_ result: ToolResult) -> JSONValue {
        [
            "content": [["type": "text", "text": .string(text(result))]],
            "structuredContent": result.json,
            "isError": .bool(result.status != .completed),
        ]
    }

    /// What a model reads first: the tool's own output when it completed, otherwise the status,
    /// the stable reason code and the message, so a denial says why in one line.
    static func text(_ result: ToolResult) -> String {
        guard result.status == .completed else {
            var line = result.status.rawValue
            if let reason = result.reason { line += ": \(reason.rawValue)" }
            if let message = result.message { line += ": \(message)" }
            if let codes = result.decision?.reasonCodes, !codes.isEmpty {
                line += " (reason codes: \(codes.map(\.rawValue).joined(separator: ", ")))"
            }
            return line
        }
        guard let output = result.output else { return "" }
        // fs.read's `content` and shell.run's `stdout` are the text itself; anything else is
        // shown as its JSON.
        if let content = output["content"]?.stringValue { return content }
        if let stdout = output["stdout"]?.stringValue {
            // A program that ran but failed is still `completed`; the model must see the status.
            var text = stdout
            if let stderr = output["stderr"]?.stringValue, !stderr.isEmpty {
                text += (text.isEmpty || text.hasSuffix("\n") ? "" : "\n") + "[stderr]\n" + stderr
            }
            if let code = output["exit_code"]?.intValue, code != 0 {
                text += (text.isEmpty || text.hasSuffix("\n") ? "" : "\n") + "[exit code \(code)]"
            }
            return text
        }
        return JSONWriter.text(output, style: .canonical)
    }
}
