/// The kinds of project assets, each with its directory under `.jido/`. Raw values are wire names
/// (`asset.list {kind}`, error entries) and never change once shipped.
public enum AssetKind: String, Sendable, Hashable, CaseIterable {
    case skill
    case command
    case workflow
    /// A node of the skill graph: a markdown page whose `[[Target]]` links are its edges.
    case skillGraph = "skill_graph"

    /// The directory under `.jido/` that holds this kind.
    public var directory: String {
        switch self {
        case .skill: "skills"
        case .command: "commands"
        case .workflow: "workflows"
        case .skillGraph: "skill_graph"
        }
    }
}
