/// Text with `{{ reference }}` placeholders, parsed once at load.
///
/// `{{` always opens a placeholder (there is no escape), and one that never closes is an error,
/// so a typo is found when the file loads, not when a call renders it. A reference is a dotted
/// name: `param`, `inputs.x`, `steps.build.stdout`.
struct TemplateText: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case text(String)
        case reference(String)
    }

    let pieces: [Piece]

    /// Parses `text`; the error is a sentence naming the bad placeholder.
    static func parse(_ text: String) -> Result<TemplateText, TemplateError> {
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                return .failure(TemplateError(reason: "'{{' is never closed by '}}'"))
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: " ")
            guard !name.isEmpty, name.allSatisfy(Self.isReferenceCharacter), !name.hasPrefix("."), !name.hasSuffix("."),
                !name.contains("..")
            else {
                return .failure(TemplateError(reason: "'{{\(name)}}' is not a reference (letters, digits, '_', '-', '.')"))
            }
            pieces.append(.reference(name))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        return .success(TemplateText(pieces: pieces))
    }

    /// Every reference, in order.
    var references: [String] {
        pieces.compactMap { if case .reference(let name) = $0 { name } else { nil } }
    }

    /// The reference when the text is exactly one placeholder and nothing else.
    var soleReference: String? {
        if pieces.count == 1, case .reference(let name) = pieces[0] { name } else { nil }
    }

    /// The text with each reference replaced; nil when `lookup` has no value for one of them.
    func render(_ lookup: (String) -> String?) -> String? {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .reference(let name):
                guard let value = lookup(name) else { return nil }
                out += value
            }
        }
        return out
    }

    private static func isReferenceCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == ".")
    }
}

struct TemplateError: Error, Sendable, Equatable {
    var reason: String
}

extension StringProtocol {
    /// Without leading and trailing `character`s.
    func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
