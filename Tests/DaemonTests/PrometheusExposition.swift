/// A strict reader of the Prometheus text format 0.0.4, for tests: every line must be a `# HELP`,
/// a `# TYPE` or a sample of a family whose TYPE came before it; names, label names, quoting,
/// escapes and values must be well formed. Anything else is an error naming the line.
struct PrometheusExposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    private(set) var types: [String: String] = [:]
    private(set) var help: [String: String] = [:]
    private(set) var samples: [Sample] = []

    init(parsing text: String) throws(ParseError) {
        guard text.isEmpty || text.hasSuffix("\n") else { throw ParseError(line: 0, reason: "no final line feed") }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            try parse(line: Substring(line), number: index + 1)
        }
    }

    /// The families named by TYPE lines, which is every metric name the document exposes.
    var familyNames: Set<String> { Set(types.keys) }

    /// Samples named `name` whose labels include all of `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The one sample named `name` with exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    private mutating func parse(line: Substring, number: Int) throws(ParseError) {
        if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3, Self.isMetricName(parts[2]) else { throw ParseError(line: number, reason: "bad \(parts[1]) line") }
            let name = String(parts[2])
            let rest = parts.count > 3 ? String(parts[3]) : ""
            if parts[1] == "HELP" {
                guard help[name] == nil else { throw ParseError(line: number, reason: "second HELP for \(name)") }
                help[name] = rest
            } else {
                guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else {
                    throw ParseError(line: number, reason: "unknown type '\(rest)'")
                }
                guard types[name] == nil else { throw ParseError(line: number, reason: "second TYPE for \(name)") }
                guard !samples.contains(where: { family(of: $0.name) == name }) else {
                    throw ParseError(line: number, reason: "TYPE for \(name) after its samples")
                }
                types[name] = rest
            }
            return
        }
        guard !line.hasPrefix("#"), !line.isEmpty else { throw ParseError(line: number, reason: "unexpected line '\(line)'") }
        samples.append(try sample(line, number: number))
    }

    private func family(of sampleName: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where sampleName.hasSuffix(suffix) {
            let base = String(sampleName.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return sampleName
    }

    private func sample(_ line: Substring, number: Int) throws(ParseError) -> Sample {
        var rest = line[...]
        let name = rest.prefix { $0 != "{" && $0 != " " }
        guard Self.isMetricName(name) else { throw ParseError(line: number, reason: "bad metric name '\(name)'") }
        rest = rest.dropFirst(name.count)
        guard let type = types[family(of: String(name))] else {
            throw ParseError(line: number, reason: "sample \(name) before its TYPE")
        }
        if type == "histogram" && family(of: String(name)) == String(name) {
            throw ParseError(line: number, reason: "histogram sample \(name) without _bucket/_sum/_count")
        }
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let labelName = rest.prefix { $0 != "=" }
                guard Self.isLabelName(labelName), labels[String(labelName)] == nil else {
                    throw ParseError(line: number, reason: "bad or repeated label name '\(labelName)'")
                }
                rest = rest.dropFirst(labelName.count)
                guard rest.hasPrefix("=\"") else { throw ParseError(line: number, reason: "label \(labelName) not quoted") }
                rest = rest.dropFirst(2)
                var value = ""
                while true {
                    guard let character = rest.first else { throw ParseError(line: number, reason: "unterminated label value") }
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "\\" {
                        switch rest.first {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw ParseError(line: number, reason: "bad escape in label \(labelName)")
                        }
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                labels[String(labelName)] = value
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" {
                    throw ParseError(line: number, reason: "expected , or } after label \(labelName)")
                }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw ParseError(line: number, reason: "no space before the value") }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = Self.value(fields[0]) else {
            throw ParseError(line: number, reason: "bad value '\(rest.dropFirst())'")
        }
        if fields.count == 2 && Int64(fields[1]) == nil { throw ParseError(line: number, reason: "bad timestamp") }
        return Sample(name: String(name), labels: labels, value: value)
    }

    static func value(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }

    static func isMetricName(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" || first == ":" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    static func isLabelName(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
