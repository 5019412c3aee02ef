#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// Parsing and validating asset files, without a running project.
struct AssetParsingTests {
    private func load(_ files: [String: String], options: RuntimeOptions = RuntimeOptions()) throws -> AssetSnapshot {
        let directory = TempDirectory(prefix: "jcs-assets")
        let tree = AssetTree(directory: directory)
        for (path, text) in files { tree.write(path, text) }
        return try loader(directory, options: options).load(generation: 1)
    }

    @Test func invalidYAMLIsAnErrorEntryWithTheFileLineAndTheRestLoads() throws {
        let snapshot = try load([
            ".jido/skills/bad.md": "---\nname: bad\ndescription: [unclosed\n---\n",
            ".jido/skills/good.md": skillFile("good"),
        ])
        #expect(snapshot.skills.map(\.name) == ["good"])
        let issue = try #require(snapshot.issues.first)
        #expect(issue.code == .invalidYAML)
        #expect(issue.path == ".jido/skills/bad.md")
        #expect(issue.kind == .skill)
        #expect(issue.line == 4 || issue.line == 3, "\(issue)")
    }

    @Test func invalidUTF8IsReportedOnTheLineOfTheBadByte() throws {
        let directory = TempDirectory(prefix: "jcs-assets")
        let tree = AssetTree(directory: directory)
        tree.write(".jido/skills/latin1.md", bytes: Array("---\nname: x\ndescription: caf".utf8) + [0xE9] + Array("\n---\n".utf8))
        let snapshot = try loader(directory).load(generation: 1)
        #expect(snapshot.issues.map(\.code) == [.invalidUTF8])
        #expect(snapshot.issues.first?.line == 3)
    }

    @Test func unknownFieldsMissingFieldsAndMissingFrontMatterAreRefusedWithTheirLines() throws {
        let snapshot = try load([
            ".jido/commands/typo.md": "---\nname: typo\ndescription: d\nrun: [\"/bin/true\"]\ntimout_ms: 5\n---\n",
            ".jido/commands/none.md": "just text\n",
            ".jido/commands/both.md": "---\nname: both\ndescription: d\nrun: [\"/bin/true\"]\nscript: echo\n---\n",
        ])
        #expect(snapshot.commands.isEmpty)
        let byPath = Dictionary(uniqueKeysWithValues: snapshot.issues.map { ($0.path, $0) })
        #expect(byPath[".jido/commands/typo.md"]?.line == 5)
        #expect(byPath[".jido/commands/typo.md"]?.reason.contains("timout_ms") == true)
        #expect(byPath[".jido/commands/none.md"]?.code == .missingFrontMatter)
        #expect(byPath[".jido/commands/both.md"]?.reason.contains("exactly one of 'run' and 'script'") == true)
        // Invalid commands are listed in the catalog with their reason.
        #expect(snapshot.catalog.invalidTool(named: "command.run.typo")?.reason.contains("timout_ms") == true)
    }

    @Test func duplicateNamesRefuseEveryFileOfTheName() throws {
        let snapshot = try load([
            ".jido/commands/a.md": commandFile("build"), ".jido/commands/sub/b.md": commandFile("build"),
            ".jido/commands/c.md": commandFile("test"),
        ])
        #expect(snapshot.commands.map(\.name) == ["test"])
        #expect(snapshot.issues.map(\.code) == [.duplicateName, .duplicateName])
        #expect(snapshot.issues.first?.reason == "name 'build' is also used by .jido/commands/sub/b.md")
        #expect(snapshot.catalog.tool(named: "command.run.build") == nil)
        #expect(snapshot.catalog.invalidTool(named: "command.run.build") != nil)
        let listed = snapshot.catalog.json
        #expect(listed["invalid"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["command.run.build", "command.run.build"])
        #expect(listed["tools"]?.arrayValue?.contains { $0["name"] == "command.run.test" } == true)
    }

    @Test func placeholdersAreCheckedAtLoad() throws {
        let snapshot = try load([
            ".jido/commands/program.md": commandFile("program", run: #"["{{p}}"]"#)
                .replacing("run:", with: "params: {p: {type: string}}\nrun:"),
            ".jido/commands/undeclared.md": commandFile("undeclared", run: #"["/bin/echo", "{{nope}}"]"#),
            ".jido/commands/spliced.md": "---\nname: spliced\ndescription: d\nparams: {p: {type: string}}\nscript: echo {{p}}\n---\n",
        ])
        #expect(snapshot.commands.isEmpty)
        let reasons = snapshot.issues.map(\.reason).joined(separator: "\n")
        #expect(reasons.contains("the program cannot be a parameter"))
        #expect(reasons.contains("'{{nope}}' is not a declared parameter"))
        #expect(reasons.contains("parameters are never spliced into script text"))
    }

    @Test func argvTemplateKeepsEachValueInsideItsOneElement() throws {
        let template = try ArgvTemplate.parse(
            ["/bin/prog", "-e", "{{p}}", "--name={{p}}", "--max={{max}}", "{{p}}-{{q}}"], parameters: ["p", "q", "max"],
            line: nil)
        let hostile = "a b; rm -rf /workspace $(id) `id` --output=/etc/x"
        #expect(
            template.render(["p": hostile, "q": "z"])
                == ["/bin/prog", "-e", hostile, "--name=\(hostile)", "\(hostile)-z"],
            "the element of an absent optional parameter is dropped whole")
    }

    @Test func inputSchemaIsDerivedFromTheParameters() throws {
        let snapshot = try load([
            ".jido/commands/grep.md": """
                ---
                name: grep
                description: d
                params:
                  pattern: {type: string, required: true, description: what}
                  mode: {type: string, enum: [fast, slow], default: fast}
                  count: {type: integer}
                env: [APP_MODE]
                run: ["/usr/bin/grep", "--", "{{pattern}}"]
                ---

                """
        ])
        let schema = try #require(snapshot.catalog.tool(named: "command.run.grep")?.inputSchema)
        #expect(schema["required"] == ["pattern"])
        #expect(schema["additionalProperties"] == false)
        #expect(schema["properties"]?["mode"] == ["type": "string", "enum": ["fast", "slow"], "default": "fast"])
        #expect(schema["properties"]?["count"] == ["type": "integer"])
        #expect(schema["properties"]?["env"]?["properties"] == ["APP_MODE": ["type": "string"]])
        let validator = SchemaValidator()
        #expect(validator.validate(["pattern": "x", "mode": "medium"], against: schema).map(\.path) == ["args.mode"])
        #expect(validator.validate(["pattern": "x", "extra": 1], against: schema).map(\.path) == ["args.extra"])
    }

    @Test func badDefaultsAndEnumsAreRefused() throws {
        let snapshot = try load([
            ".jido/commands/a.md": "---\nname: a\ndescription: d\nparams: {n: {type: integer, default: many}}\nrun: [\"/bin/true\"]\n---\n",
            ".jido/commands/b.md": "---\nname: b\ndescription: d\nparams: {n: {type: integer, enum: [1, two]}}\nrun: [\"/bin/true\"]\n---\n",
            ".jido/commands/c.md": "---\nname: c\ndescription: d\nparams: {n: {type: integer, required: true, default: 1}}\nrun: [\"/bin/true\"]\n---\n",
        ])
        #expect(snapshot.commands.isEmpty)
        #expect(snapshot.issues.count == 3)
        #expect(snapshot.issues.allSatisfy { $0.code == .invalidField && $0.line == 4 })
    }

    @Test func egressCommandIsInvalidUnlessTheProjectAllowsEgress() throws {
        let file = commandFile("fetch").replacing("run:", with: "network: egress\nrun:")
        let denied = try load([".jido/commands/fetch.md": file])
        #expect(denied.catalog.invalidTool(named: "command.run.fetch")?.reason.contains("network_egress_policy") == true)
        var options = RuntimeOptions()
        options.networkEgressPolicy = .allow
        let allowed = try load([".jido/commands/fetch.md": file], options: options)
        #expect(allowed.issues.isEmpty)
        #expect(allowed.commands.first?.network == .egress)
    }

    @Test func workflowReferencesMustNameInputsEarlierStepsAndValidCommands() throws {
        let snapshot = try load([
            ".jido/commands/ok.md": commandFile("ok"),
            ".jido/workflows/later.md": """
                ---
                name: later
                description: d
                steps:
                  - {id: a, command: ok, args: {x: "{{steps.b.stdout}}"}}
                  - {id: b, command: ok}
                ---

                """,
            ".jido/workflows/input.md": "---\nname: input\ndescription: d\nsteps:\n  - {id: a, command: ok, args: {x: \"{{inputs.nope}}\"}}\n---\n",
            ".jido/workflows/missing.md": "---\nname: missing\ndescription: d\nsteps:\n  - {id: a, command: gone}\n---\n",
            ".jido/workflows/nested.md": "---\nname: nested\ndescription: d\nsteps:\n  - {id: a, tool: workflow.run.later}\n---\n",
            ".jido/workflows/fine.md": "---\nname: fine\ndescription: d\nsteps:\n  - {id: a, tool: fs.list, args: {path: .}}\n---\n",
        ])
        #expect(snapshot.workflows.map(\.name) == ["fine"])
        let reasons = Dictionary(uniqueKeysWithValues: snapshot.issues.map { ($0.path, $0.reason) })
        #expect(reasons[".jido/workflows/later.md"]?.contains("'b' is not an earlier step") == true)
        #expect(reasons[".jido/workflows/input.md"]?.contains("no input named 'nope'") == true)
        #expect(reasons[".jido/workflows/missing.md"]?.contains("command 'gone', which is missing or invalid") == true)
        #expect(reasons[".jido/workflows/nested.md"]?.contains("cannot run a workflow") == true)
    }

    @Test func skillGraphReportsUnknownLinksWithTheirLines() throws {
        let snapshot = try load([
            ".jido/skill_graph/a.md": "---\nname: A\n---\nSee [[B]] and [[Nowhere|there]].\n",
            ".jido/skill_graph/b.md": "Back to [[A]].\n",
        ])
        #expect(snapshot.graphNodes.map(\.name).sorted() == ["A", "b"])
        #expect(snapshot.issues.map(\.code) == [.unknownLink, .unknownLink])
        #expect(snapshot.issues.map(\.reason) == ["[[B]] names no skill graph node", "[[Nowhere]] names no skill graph node"])
        #expect(snapshot.issues.compactMap(\.line) == [4, 4])
        #expect(snapshot.graphJSON["unknown_links"]?.arrayValue?.count == 2)
    }

    @Test func symlinksAreNotFollowedAndEditorFilesAreSkipped() throws {
        let directory = TempDirectory(prefix: "jcs-assets")
        let tree = AssetTree(directory: directory)
        tree.write(".jido/skills/real.md", skillFile("real"))
        tree.write(".jido/skills/.real.md.swp", "junk")
        tree.write(".jido/skills/real.md~", "junk")
        symlink("/etc/passwd", directory.file(".jido/skills/leak.md"))
        let snapshot = try loader(directory).load(generation: 1)
        #expect(snapshot.skills.map(\.name) == ["real"])
        #expect(snapshot.issues.map(\.code) == [.symlink])
    }

    @Test func theDataDirectoryIsNeverLoaded() throws {
        var options = RuntimeOptions()
        options.dataDir = ".jido/skills/state"
        let snapshot = try load(
            [".jido/skills/state/x.md": "garbage", ".jido/skills/ok.md": skillFile("ok")], options: options)
        #expect(snapshot.skills.map(\.name) == ["ok"])
        #expect(snapshot.issues.isEmpty)
    }
}
