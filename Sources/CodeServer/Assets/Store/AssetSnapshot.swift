import Sandbox

/// Everything loaded from `.jido/` at one moment, immutable: readers hold a snapshot for as long
/// as they need and never see half a reload. `generation` grows by one with each snapshot put in
/// place.
public struct AssetSnapshot: Sendable {
    public let generation: UInt64
    public let skills: [Skill]
    /// Valid commands only; invalid ones are `issues` and `catalog.invalid` entries.
    public let commands: [CommandDefinition]
    public let workflows: [WorkflowDefinition]
    public let graphNodes: [SkillGraphNode]
    /// Sorted by path, then line.
    public let issues: [AssetIssue]
    /// The built-in tools plus this snapshot's commands and workflows.
    public let catalog: ToolCatalog

    /// Valid assets per kind.
    public var counts: [AssetKind: Int] {
        [.skill: skills.count, .command: commands.count, .workflow: workflows.count, .skillGraph: graphNodes.count]
    }

    public var countsJSON: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, JSONValue.int(Int64($0.value))) }))
    }

    /// Every valid asset, as `asset.get` returns it, in kind then name order.
    func assets(kind: AssetKind?) -> [(kind: AssetKind, name: String, description: String, json: JSONValue)] {
        var out: [(kind: AssetKind, name: String, description: String, json: JSONValue)] = []
        if kind == nil || kind == .skill { out += skills.map { (.skill, $0.name, $0.description, $0.json) } }
        if kind == nil || kind == .command { out += commands.map { (.command, $0.name, $0.description, $0.json) } }
        if kind == nil || kind == .workflow { out += workflows.map { (.workflow, $0.name, $0.description, $0.json) } }
        if kind == nil || kind == .skillGraph {
            out += graphNodes.map { (.skillGraph, $0.name, $0.description ?? "", $0.json) }
        }
        return out.sorted { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }
    }

    /// The skill graph's edges and the links that name no node.
    public var graphJSON: JSONValue {
        let names = Set(graphNodes.map(\.name))
        var edges: [JSONValue] = []
        var unknown: [JSONValue] = []
        for node in graphNodes {
            for link in node.links {
                let edge: JSONValue = ["from": .string(node.name), "to": .string(link.target), "line": .int(Int64(link.line))]
                if names.contains(link.target) { edges.append(edge) } else { unknown.append(edge) }
            }
        }
        return ["nodes": .array(graphNodes.map { .string($0.name) }), "edges": .array(edges), "unknown_links": .array(unknown)]
    }
}
