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

    /// Parsed as bytes, as Prometheus reads it: lines end at every 0x0A byte (a Swift
    /// `Character` split would keep "\r\n" together and hide an injected line), and a label
    /// value ends at the first unescaped 0x22 byte (a `"` followed by a combining mark is one
    /// `Character`, but two bytes to a scraper). Control bytes in a label value are refused.
    init(parsing text: String) throws(ParseError) {
        let bytes = Array(text.utf8)
        guard bytes.isEmpty || bytes.last == 0x0A else { throw ParseError(line: 0, reason: "no final line feed") }
        for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().enumerated() {
            guard !line.contains(0x0D) else { throw ParseError(line: index + 1, reason: "a carriage return in the line") }
            try parse(line: line, number: index + 1)
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

    private mutating func parse(line bytes: ArraySlice<UInt8>, number: Int) throws(ParseError) {
        let line = Substring(String(decoding: bytes, as: UTF8.self))
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
        samples.append(try sample(bytes, number: number))
    }

    private func family(of sampleName: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where sampleName.hasSuffix(suffix) {
            let base = String(sampleName.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return sampleName
    }

    private func sample(_ line: ArraySlice<UInt8>, number: Int) throws(ParseError) -> Sample {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var rest = line
        let nameBytes = rest.prefix { $0 != UInt8(ascii: "{") && $0 != UInt8(ascii: " ") }
        let name = Substring(String(decoding: nameBytes, as: UTF8.self))
        guard Self.isMetricName(name) else { throw ParseError(line: number, reason: "bad metric name '\(name)'") }
        rest = rest.dropFirst(nameBytes.count)
        guard let type = types[family(of: String(name))] else {
            throw ParseError(line: number, reason: "sample \(name) before its TYPE")
        }
        if type == "histogram" && family(of: String(name)) == String(name) {
            throw ParseError(line: number, reason: "histogram sample \(name) without _bucket/_sum/_count")
        }
        var labels: [String: String] = [:]
        if rest.first == UInt8(ascii: "{") {
            rest = rest.dropFirst()
            while rest.first != UInt8(ascii: "}") {
                let labelBytes = rest.prefix { $0 != UInt8(ascii: "=") }
                let labelName = Substring(String(decoding: labelBytes, as: UTF8.self))
                guard Self.isLabelName(labelName), labels[String(labelName)] == nil else {
                    throw ParseError(line: number, reason: "bad or repeated label name '\(labelName)'")
                }
                rest = rest.dropFirst(labelBytes.count)
                guard rest.starts(with: [UInt8(ascii: "="), quote]) else {
                    throw ParseError(line: number, reason: "label \(labelName) not quoted")
                }
                rest = rest.dropFirst(2)
                var value: [UInt8] = []
                while true {
                    guard let byte = rest.first else { throw ParseError(line: number, reason: "unterminated label value") }
                    rest = rest.dropFirst()
                    if byte == quote { break }
                    if byte < 0x20 || byte == 0x7f {
                        throw ParseError(line: number, reason: "control byte \(byte) in label \(labelName)")
                    }
                    if byte == backslash {
                        switch rest.first {
                        case backslash: value.append(backslash)
                        case quote: value.append(quote)
                        case UInt8(ascii: "n"): value.append(0x0A)
                        default: throw ParseError(line: number, reason: "bad escape in label \(labelName)")
                        }
                        rest = rest.dropFirst()
                    } else {
                        value.append(byte)
                    }
                }
                guard let text = String(validating: value, as: UTF8.self) else {
                    throw ParseError(line: number, reason: "label \(labelName) is not UTF-8")
                }
                labels[String(labelName)] = text
                if rest.first == UInt8(ascii: ",") {
                    rest = rest.dropFirst()
                } else if rest.first != UInt8(ascii: "}") {
                    throw ParseError(line: number, reason: "expected , or } after label \(labelName)")
                }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == UInt8(ascii: " ") else { throw ParseError(line: number, reason: "no space before the value") }
        let tail = Substring(String(decoding: rest.dropFirst(), as: UTF8.self))
        let fields = tail.split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = Self.value(fields[0]) else {
            throw ParseError(line: number, reason: "bad value '\(tail)'")
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
