/// A command's `run:` list: each element one argv element of the program it starts.
///
/// The rule that keeps parameters from injecting arguments: a placeholder is substituted inside
/// the one element it sits in and never splits or joins elements, so `["grep", "-e", "{{p}}"]`
/// gives exactly three elements whatever `p` holds (spaces, `;`, `$(…)`, `--flag=x`), and
/// `"--name={{p}}"` stays one element. No shell ever sees the result. An element that refers to
/// an optional parameter the call left out (with no default) is dropped whole, so
/// `"--limit={{limit}}"` disappears rather than becoming `--limit=`. The program (the first
/// element) is fixed text: a parameter cannot choose what runs.
public struct ArgvTemplate: Sendable, Equatable {
    let elements: [TemplateText]

    static func parse(_ raw: [String], parameters: Set<String>, line: Int?) throws(AssetParseError) -> ArgvTemplate {
        guard let program = raw.first, !program.isEmpty else { throw .field(line, "command: 'run' needs a program") }
        var elements: [TemplateText] = []
        for (index, text) in raw.enumerated() {
            let template: TemplateText
            switch TemplateText.parse(text) {
            case .success(let parsed): template = parsed
            case .failure(let error): throw .field(line, "command: run[\(index)]: \(error.reason)")
            }
            if index == 0 && !template.references.isEmpty {
                throw .field(line, "command: run[0]: the program cannot be a parameter")
            }
            for name in template.references where !parameters.contains(name) {
                throw .field(line, "command: run[\(index)]: '{{\(name)}}' is not a declared parameter")
            }
            elements.append(template)
        }
        return ArgvTemplate(elements: elements)
    }

    /// The argv for `values` (parameter name → text): one element per template element, minus
    /// those whose parameters have no value.
    func render(_ values: [String: String]) -> [String] {
        elements.compactMap { $0.render { values[$0] } }
    }
}
