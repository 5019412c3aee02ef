import Sandbox
import Testing

@testable import JCSCLI

/// Finding 9: names from a project (asset paths, reasons quoting them) never reach the operator's
/// terminal as control sequences.
struct HumanOutputEscapingTests {
    /// A file name a tool can create: an OSC title rewrite, a forged line and a colour.
    static let hostile = ".jido/skills/\u{1B}]0;pwned\u{07}\nfake: line\r\u{1B}[31mred\u{9B}2J\u{7F}\u{202E}gpj.md"

    private func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains {
            $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value)
        }
    }

    @Test func escapedLeavesNoControlCharacterAndShowsEachOne() {
        let out = HumanOutput.escaped(Self.hostile)
        #expect(!hasControl(out))
        #expect(out == ".jido/skills/\\e]0;pwned\\x07\\nfake: line\\r\\e[31mred\\u{009B}2J\\x7F\\u{202E}gpj.md")
        #expect(HumanOutput.escaped(out) == out, "idempotent")
        #expect(HumanOutput.escaped("a\tb\nc", keeping: ["\n", "\t"]) == "a\tb\nc")
        #expect(HumanOutput.escaped("plain ü 名前") == "plain ü 名前")
    }

    /// The answer of `POST …/reload-assets` as the daemon sends it, rendered the way
    /// `jcs reload-assets` and `jcs diagnostics` print it.
    @Test func aReloadResultNamingAHostileFilePrintsAsVisibleEscapes() {
        let answer: JSONValue = [
            "generation": 2, "outcome": "applied", "error_count": 1,
            "errors": [
                [
                    "kind": "skill", "path": .string(Self.hostile), "line": .null, "code": "missing_front_matter",
                    "reason": .string("\(Self.hostile): no front matter"),
                ]
            ],
            "key\u{1B}[2J": "value",
        ]
        let lines = HumanOutput.lines(answer, indent: "")
        #expect(!lines.isEmpty)
        for line in lines { #expect(!hasControl(line), "\(line.debugDescription)") }
        #expect(lines.contains { $0.contains("\\e]0;pwned\\x07\\nfake: line") })
        #expect(lines.contains { $0.hasPrefix("key\\e[2J") })
    }
}
