import Sandbox

/// Reads every asset file of a project's `.jido/` into a snapshot. Each file is read, parsed and
/// validated on its own: a bad one becomes an `AssetIssue` and the rest still load. Checks across
/// files come after: duplicate names (every file of a duplicated name is refused, so the result
/// does not depend on directory order), commands' sandboxes, workflows' commands, graph links.
///
/// - Important: blocking file I/O; run it on the watcher's thread or a `BlockingThread`.
struct AssetLoader: Sendable {
    /// The project root, held open: every file is read beneath its handle.
    let root: ProjectRoot
    let options: RuntimeOptions
    /// The project's effective profile, for commands that override parts of it.
    let projectProfile: Profile
    /// Directories the watcher left unwatched (its bounds): each is an asset error of the snapshot.
    var watchLimits = WatchLimits()

    /// `.jido`, relative to the root.
    static let directory = ".jido"

    @available(*, noasync)
    func load(generation: UInt64) -> AssetSnapshot {
        var issues: [AssetIssue] = []
        var skills: [Skill] = []
        var commands: [CommandDefinition] = []
        var workflows: [WorkflowDefinition] = []
        var nodes: [SkillGraphNode] = []
        var invalid: [InvalidTool] = []
        var budget = AssetBudget(options: options)
        for kind in AssetKind.allCases {
            let base = "\(Self.directory)/\(kind.directory)"
            AssetFiles.walk(root: root.files, base: base, skip: [options.dataDir], budget: &budget) { found in
                switch found {
                case .refused(let path, let code, let reason):
                    issues.append(AssetIssue(kind: kind, path: path, code: code, reason: reason))
                    invalid += Self.invalidTool(kind, name: nil, path: path, reason: reason)
                case .file(let path, let bytes):
                    do throws(AssetParseError) {
                        let document = try MarkdownDocument.parse(bytes, requireFrontMatter: kind != .skillGraph)
                        switch kind {
                        case .skill: skills.append(try Skill.parse(document, path: path))
                        case .command: commands.append(try CommandDefinition.parse(document, path: path))
                        case .workflow: workflows.append(try WorkflowDefinition.parse(document, path: path))
                        case .skillGraph:
                            let stem = String(path.split(separator: "/").last!.dropLast(3))
                            nodes.append(try SkillGraphNode.parse(document, fileStem: stem, path: path))
                        }
                    } catch {
                        let issue = error.issue(kind: kind, path: path)
                        issues.append(issue)
                        invalid += Self.invalidTool(
                            kind, name: Self.bestEffortName(bytes), path: path, reason: issue.description)
                    }
                }
            }
        }
        issues += watchLimits.issues()
        skills = Self.unique(skills, kind: .skill, name: \.name, path: \.path, issues: &issues, invalid: &invalid)
        commands = Self.unique(commands, kind: .command, name: \.name, path: \.path, issues: &issues, invalid: &invalid)
        workflows = Self.unique(workflows, kind: .workflow, name: \.name, path: \.path, issues: &issues, invalid: &invalid)
        nodes = Self.unique(nodes, kind: .skillGraph, name: \.name, path: \.path, issues: &issues, invalid: &invalid)

        let sandboxes = CommandSandboxes(options: options, projectProfile: projectProfile)
        var tools: [ToolDefinition] = []
        var validCommands: [CommandDefinition] = []
        for command in commands {
            switch sandboxes.sandbox(for: command) {
            case .success(let sandbox):
                validCommands.append(command)
                tools.append(Self.tool(command, sandbox: sandbox))
            case .failure(let error):
                issues.append(AssetIssue(kind: .command, path: command.path, code: .invalidField, reason: "command: \(error.reason)"))
                invalid += Self.invalidTool(.command, name: command.name, path: command.path, reason: error.reason)
            }
        }
        let commandNames = Set(validCommands.map(\.name))
        var validWorkflows: [WorkflowDefinition] = []
        for workflow in workflows {
            if let step = workflow.steps.first(where: { $0.command.map { !commandNames.contains($0) } ?? false }) {
                let reason = "workflow: step '\(step.id)' runs command '\(step.command ?? "")', which is missing or invalid"
                issues.append(AssetIssue(kind: .workflow, path: workflow.path, code: .unknownReference, reason: reason))
                invalid += Self.invalidTool(.workflow, name: workflow.name, path: workflow.path, reason: reason)
                continue
            }
            validWorkflows.append(workflow)
            tools.append(
                ToolDefinition(
                    name: workflow.toolName, description: workflow.description, inputSchema: workflow.inputSchema,
                    hints: ArgumentHints(), execution: .workflow(workflow)))
        }
        let nodeNames = Set(nodes.map(\.name))
        for node in nodes {
            for link in node.links where !nodeNames.contains(link.target) {
                issues.append(
                    AssetIssue(
                        kind: .skillGraph, path: node.path, line: link.line, code: .unknownLink,
                        reason: "[[\(link.target)]] names no skill graph node"))
            }
        }
        return AssetSnapshot(
            generation: generation, skills: skills, commands: validCommands, workflows: validWorkflows,
            graphNodes: nodes, issues: issues.sorted { ($0.path, $0.line ?? 0) < ($1.path, $1.line ?? 0) },
            catalog: ToolCatalog.builtin.adding(tools, invalid: invalid))
    }

    private static func tool(_ command: CommandDefinition, sandbox: SandboxOverride?) -> ToolDefinition {
        ToolDefinition(
            name: command.toolName, description: command.description, inputSchema: command.inputSchema,
            hints: ArgumentHints(), execution: .sandboxed(CommandTool(command: command, sandbox: sandbox)))
    }

    /// Only commands and workflows are tools.
    private static func invalidTool(_ kind: AssetKind, name: String?, path: String, reason: String) -> [InvalidTool] {
        switch kind {
        case .command: [InvalidTool(tool: name.map { "command.run.\($0)" }, path: path, reason: reason)]
        case .workflow: [InvalidTool(tool: name.map { "workflow.run.\($0)" }, path: path, reason: reason)]
        case .skill, .skillGraph: []
        }
    }

    /// The `name:` of a file that failed validation, when its front matter at least parses, so
    /// the invalid entry can say which tool it would have been.
    private static func bestEffortName(_ bytes: [UInt8]) -> String? {
        guard let document = try? MarkdownDocument.parse(bytes, requireFrontMatter: true),
            let name = try? document.frontMatter?.string("name", in: "")
        else { return nil }
        return (try? AssetName.validate(name, line: nil, context: "")) != nil ? name : nil
    }

    /// Keeps the assets whose name no other file of the kind uses; each file of a shared name
    /// becomes a `duplicate_name` issue naming the others.
    private static func unique<A>(
        _ assets: [A], kind: AssetKind, name: KeyPath<A, String>, path: KeyPath<A, String>, issues: inout [AssetIssue],
        invalid: inout [InvalidTool]
    ) -> [A] {
        let groups = Dictionary(grouping: assets) { $0[keyPath: name] }
        var kept: [A] = []
        for asset in assets {
            let group = groups[asset[keyPath: name]] ?? []
            guard group.count > 1 else {
                kept.append(asset)
                continue
            }
            let others = group.map { $0[keyPath: path] }.filter { $0 != asset[keyPath: path] }
            let reason = "name '\(asset[keyPath: name])' is also used by \(others.joined(separator: ", "))"
            issues.append(AssetIssue(kind: kind, path: asset[keyPath: path], code: .duplicateName, reason: reason))
            invalid += invalidTool(kind, name: asset[keyPath: name], path: asset[keyPath: path], reason: reason)
        }
        return kept
    }
}
