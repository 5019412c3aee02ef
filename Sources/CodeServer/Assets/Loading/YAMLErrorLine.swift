import Yams

/// Turns what Yams threw into an `invalid_yaml` error with the file line of the problem.
enum YAMLErrorLine {
    static func parseError(_ error: any Error, lineOffset: Int) -> AssetParseError {
        guard let yamlError = error as? YamlError else {
            return AssetParseError(.invalidYAML, line: nil, "\(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) (\($0.text))" } ?? problem
            return AssetParseError(.invalidYAML, line: mark.line + lineOffset, detail)
        case .reader(let problem, let offset, _, let yaml):
            let line = offset.map { position in
                yaml.utf8.prefix(position).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } + lineOffset
            }
            return AssetParseError(.invalidYAML, line: line, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return AssetParseError(
                .invalidYAML, line: context.mark.line + lineOffset,
                "duplicated keys: \(duplicates.joined(separator: ", "))")
        default:
            return AssetParseError(.invalidYAML, line: nil, "\(yamlError)")
        }
    }
}
