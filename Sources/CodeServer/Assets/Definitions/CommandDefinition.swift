import Sandbox

/// A command: a program (argv template) or a `/bin/sh` script the project offers as the tool
/// `command.run.<name>`, with typed parameters and its own sandbox settings.
public struct CommandDefinition: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case run(ArgvTemplate)
        /// Run by `/bin/sh -c`; parameters arrive as `JCS_PARAM_<NAME>` variables and are never
        /// spliced into the text, so the script quotes them itself (`"$JCS_PARAM_PATH"`).
        case script(String)
    }

    /// `network:`; absent keeps the project profile's mode.
    public enum Network: String, Sendable, Equatable {
        case none
        case egress
    }

    public var name: String
    public var description: String
    public var parameters: [ParameterSpec]
    public var action: Action
    /// A built-in profile name; nil keeps the project's.
    public var profile: String?
    public var timeoutMs: Int?
    /// Variable names the call's `env` argument may pass through (still subject to the policy's
    /// `tool_env_allowlist`).
    public var environment: [String]
    public var network: Network?
    public var body: String
    public var path: String

    /// The prefix of the variables that carry a script's parameters.
    public static let parameterPrefix = "JCS_PARAM_"

    public var toolName: String { "command.run.\(name)" }

    static let fields: Set<String> = [
        "name", "description", "params", "run", "script", "profile", "timeout_ms", "env", "network",
    ]

    static func parse(_ document: MarkdownDocument, path: String) throws(AssetParseError) -> CommandDefinition {
        let fields = document.frontMatter!
        try fields.requireKnownKeys(Self.fields, in: "command")
        let name = try fields.string("name", required: true, in: "command") ?? ""
        try AssetName.validate(name, line: fields["name"].flatMap(fields.line(of:)), context: "command")
        let description = try fields.string("description", required: true, in: "command") ?? ""
        let parameters = try ParameterSpec.parseList(
            fields.mapping("params", context: "command"), reserved: ["env"], context: "command: parameter")
        let action: Action
        switch (fields["run"], fields["script"]) {
        case (let node?, nil):
            let argv = try fields.strings("run", context: "command") ?? []
            action = .run(try ArgvTemplate.parse(argv, parameters: Set(parameters.map(\.name)), line: fields.line(of: node)))
        case (nil, let node?):
            let script = try fields.string("script", in: "command") ?? ""
            guard !script.isEmpty else { throw .field(fields.line(of: node), "command: 'script' is empty") }
            guard !script.contains("{{") else {
                throw .field(
                    fields.line(of: node),
                    "command: 'script' cannot contain '{{…}}': parameters are never spliced into script text; read \"$\(parameterPrefix)<NAME>\" instead")
            }
            action = .script(script)
        default:
            throw .field(fields.line, "command: needs exactly one of 'run' and 'script'")
        }
        let environment = try fields.strings("env", context: "command") ?? []
        for variable in environment where !Self.isVariableName(variable) || variable.hasPrefix(parameterPrefix) {
            throw .field(
                fields["env"].flatMap(fields.line(of:)),
                "command: env '\(variable)' must be a variable name (letters, digits, '_') outside \(parameterPrefix)*")
        }
        var network: Network?
        if let text = try fields.string("network", in: "command") {
            guard let choice = Network(rawValue: text) else {
                throw .field(fields["network"].flatMap(fields.line(of:)), "command: network must be none or egress")
            }
            network = choice
        }
        return CommandDefinition(
            name: name, description: description, parameters: parameters, action: action,
            profile: try fields.string("profile", in: "command"),
            timeoutMs: try fields.integer("timeout_ms", in: 1...86_400_000, context: "command"),
            environment: environment, network: network, body: document.body, path: path)
    }

    private static func isVariableName(_ name: String) -> Bool {
        !name.isEmpty && name.first?.isNumber == false
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// The input schema of `command.run.<name>`: the parameters, plus an `env` object limited to
    /// the names the command lets through.
    public var inputSchema: JSONValue {
        guard !environment.isEmpty else { return ParameterSpec.objectSchema(parameters) }
        var properties: [String: JSONValue] = [:]
        for name in environment { properties[name] = ["type": "string"] }
        let env: JSONValue = ["type": "object", "additionalProperties": false, "properties": .object(properties)]
        return ParameterSpec.objectSchema(parameters, extra: ["env": env])
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "kind": "command", "name": .string(name), "description": .string(description), "body": .string(body),
            "path": .string(path), "tool": .string(toolName), "input_schema": inputSchema,
            "env": .array(environment.map(JSONValue.string)),
            "profile": profile.map(JSONValue.string) ?? .null,
            "timeout_ms": timeoutMs.map { .int(Int64($0)) } ?? .null,
            "network": network.map { .string($0.rawValue) } ?? .null,
        ]
        switch action {
        case .run(let template):
            object["run"] = .array(template.elements.map { element in
                .string(element.pieces.map { piece in
                    switch piece {
                    case .text(let text): text
                    case .reference(let name): "{{\(name)}}"
                    }
                }.joined())
            })
        case .script(let script): object["script"] = .string(script)
        }
        return .object(object)
    }
}
