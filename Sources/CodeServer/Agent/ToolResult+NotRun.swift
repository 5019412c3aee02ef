extension ToolResult {
    /// The result the agent hands the model for a call the conversation did not take (it was
    /// stopped, or its queue was full).
    static func notRun(tool: String, correlationId: String, message: String? = nil) -> ToolResult {
        ToolResult(
            call: ToolCall(tool: tool, correlationId: correlationId), status: .failed, reason: .cancelled,
            message: message ?? "the conversation did not take the call")
    }
}
