import Sandbox

/// A skill: a named piece of guidance for a model, its body markdown.
public struct Skill: Sendable, Equatable {
    public var name: String
    public var description: String
    public var body: String
    /// Root-relative path of the file.
    public var path: String

    static func parse(_ document: MarkdownDocument, path: String) throws(AssetParseError) -> Skill {
        let fields = document.frontMatter!
        try fields.requireKnownKeys(["name", "description"], in: "skill")
        let name = try fields.string("name", required: true, in: "skill") ?? ""
        try AssetName.validate(name, line: fields["name"].flatMap(fields.line(of:)), context: "skill")
        let description = try fields.string("description", required: true, in: "skill") ?? ""
        return Skill(name: name, description: description, body: document.body, path: path)
    }

    public var json: JSONValue {
        [
            "kind": "skill", "name": .string(name), "description": .string(description), "body": .string(body),
            "path": .string(path),
        ]
    }
}
