@testable import CodeServer
import Sandbox
import Testing
import TestSupport

/// One tool call in a fresh project with `network_egress_policy: allow` and `options`: the script
/// is a file of the workspace, so the destination never appears in the call's arguments and only
/// the kernel path decides.
enum EgressProbe {
    static func run(
        _ script: String, options: JSONValue, tool: String = "/usr/bin/python3", env: JSONValue? = nil
    ) async throws -> (ToolResult, RuntimeFixture) {
        try #require(EgressTestAddresses.problem == nil, "\(EgressTestAddresses.problem ?? "")")
        let fixture = RuntimeFixture()
        fixture.directory.write("probe", script)
        var merged = options.objectValue ?? [:]
        merged["network_egress_policy"] = merged["network_egress_policy"] ?? "allow"
        let project = try await fixture.start(.object(merged))
        var arguments: [String: JSONValue] = ["argv": .array([.string(tool), "probe"])]
        if let env { arguments["env"] = env }
        let result = await project.execute(
            ToolCall(tool: "shell.run", arguments: .object(arguments), correlationId: "corr-egress"))
        return (result, fixture)
    }

    static func stdout(_ result: ToolResult) -> String { result.output?["stdout"]?.stringValue ?? "" }
    static func stderr(_ result: ToolResult) -> String { result.output?["stderr"]?.stringValue ?? "" }
}
