import CodeServer
import Sandbox

/// The project's assets as MCP resources (`resources/list`, `resources/read`): skills and skill
/// graph pages as their markdown, commands and workflows as the definition `asset.get` returns
/// (JSON). Everything is read from the asset snapshot the gate runs from, never from the host's
/// files, so a resource is exactly what the project loaded, and a URI cannot name anything else.
enum MCPResources {
    /// A resource's text past this is refused rather than sent (assets are budgeted at load, so
    /// only an unusually large one reaches it).
    static let maximumBytes = 256 * 1024

    static func list(_ snapshot: AssetSnapshot, projectId: String) -> JSONValue {
        var resources: [JSONValue] = []
        for (kind, name, description) in entries(snapshot) {
            let uri = MCPResourceURI(projectId: projectId, kind: kind, name: name)
            resources.append([
                "uri": .string(uri.text), "name": .string(name), "title": .string("\(kind.rawValue) \(name)"),
                "description": .string(description), "mimeType": .string(mimeType(kind)),
            ])
        }
        return ["resources": .array(resources)]
    }

    /// Templates a client can fill in, one per asset kind.
    static func templates(projectId: String) -> JSONValue {
        let project = MCPResourceURI.encode(projectId)
        return [
            "resourceTemplates": .array(AssetKind.allCases.map { kind -> JSONValue in
                [
                    "uriTemplate": .string("\(MCPResourceURI.scheme)\(project)/\(kind.directory)/{name}"),
                    "name": .string(kind.directory), "mimeType": .string(mimeType(kind)),
                    "description": .string("The project's \(kind.rawValue) assets by name."),
                ]
            })
        ]
    }

    enum ReadError: Error, Sendable, Equatable {
        case notFound
        case tooLarge(bytes: Int)
    }

    static func read(_ uri: MCPResourceURI, in snapshot: AssetSnapshot) throws(ReadError) -> JSONValue {
        let text: String
        switch uri.kind {
        case .skill:
            guard let skill = snapshot.skills.first(where: { $0.name == uri.name }) else { throw .notFound }
            text = skill.body
        case .skillGraph:
            guard let node = snapshot.graphNodes.first(where: { $0.name == uri.name }) else { throw .notFound }
            text = node.body
        case .command:
            guard let command = snapshot.commands.first(where: { $0.name == uri.name }) else { throw .notFound }
            text = JSONWriter.text(command.json, style: .canonical)
        case .workflow:
            guard let workflow = snapshot.workflows.first(where: { $0.name == uri.name }) else { throw .notFound }
            text = JSONWriter.text(workflow.json, style: .canonical)
        }
        guard text.utf8.count <= maximumBytes else { throw .tooLarge(bytes: text.utf8.count) }
        return ["contents": [["uri": .string(uri.text), "mimeType": .string(mimeType(uri.kind)), "text": .string(text)]]]
    }

    private static func entries(_ snapshot: AssetSnapshot) -> [(AssetKind, String, String)] {
        snapshot.skills.map { (.skill, $0.name, $0.description) }
            + snapshot.commands.map { (.command, $0.name, $0.description) }
            + snapshot.workflows.map { (.workflow, $0.name, $0.description) }
            + snapshot.graphNodes.map { (.skillGraph, $0.name, $0.description ?? "") }
    }

    private static func mimeType(_ kind: AssetKind) -> String {
        switch kind {
        case .skill, .skillGraph: "text/markdown"
        case .command, .workflow: "application/json"
        }
    }
}
