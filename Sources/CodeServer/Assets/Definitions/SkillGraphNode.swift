import Sandbox

/// A node of the skill graph: a markdown page; its `[[Target]]` (or `[[Target|label]]`) links are
/// the edges. Front matter is optional: without a `name`, the node is named after its file.
public struct SkillGraphNode: Sendable, Equatable {
    public struct Link: Sendable, Equatable {
        public var target: String
        public var line: Int
    }

    public var name: String
    public var description: String?
    public var body: String
    public var links: [Link]
    public var path: String

    static func parse(_ document: MarkdownDocument, fileStem: String, path: String) throws(AssetParseError)
        -> SkillGraphNode
    {
        var name = fileStem
        var description: String?
        if let fields = document.frontMatter {
            try fields.requireKnownKeys(["name", "description"], in: "skill graph node")
            name = try fields.string("name", in: "skill graph node") ?? fileStem
            description = try fields.string("description", in: "skill graph node")
        }
        guard !name.isEmpty, !name.contains(where: { "[]|\n".contains($0) }) else {
            throw .field(1, "skill graph node: name '\(name)' cannot be empty or contain '[', ']', '|' or a newline")
        }
        return SkillGraphNode(
            name: name, description: description, body: document.body,
            links: Self.links(in: document.body, firstLine: document.bodyLine), path: path)
    }

    /// The `[[…]]` links of `body`, with the file line each is on.
    static func links(in body: String, firstLine: Int) -> [Link] {
        var links: [Link] = []
        for (offset, line) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = line[...]
            while let open = rest.range(of: "[["), let close = rest[open.upperBound...].range(of: "]]") {
                let inner = rest[open.upperBound..<close.lowerBound]
                let target = (inner.split(separator: "|", maxSplits: 1).first.map(String.init) ?? "")
                    .trimmingCharacters(in: " ")
                if !target.isEmpty { links.append(Link(target: target, line: firstLine + offset)) }
                rest = rest[close.upperBound...]
            }
        }
        return links
    }

    public var json: JSONValue {
        [
            "kind": "skill_graph", "name": .string(name), "description": description.map(JSONValue.string) ?? .null,
            "body": .string(body), "path": .string(path),
            "links": .array(links.map { .string($0.target) }),
        ]
    }
}
