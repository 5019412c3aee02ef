/// The Prometheus text exposition format, version 0.0.4: `# HELP`, `# TYPE`, then one
/// `name{label="value",…} value` line per sample.
///
/// Output is sorted (families by name, samples by name then labels) so two scrapes of the same
/// state are byte-identical and diffs between scrapes show only what changed.
enum PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        for family in families.sorted(by: { $0.name < $1.name }) {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            let lines = family.samples.map(sampleLine)
            // Histogram buckets must stay in `le` order, which a text sort would break (10 < 2.5).
            out += (family.kind == .histogram ? lines : lines.sorted()).joined()
        }
        return out
    }

    private static func sampleLine(_ sample: MetricFamily.Sample) -> String {
        var line = sample.name
        if !sample.labels.isEmpty {
            line += "{" + sample.labels.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
        }
        return line + " " + format(sample.value) + "\n"
    }

    /// Label values may hold anything (project ids, tool names): backslash, double quote and
    /// line feed are the three characters the format requires escaped.
    static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// HELP text escapes backslash and line feed only.
    static func escapeHelp(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    /// Integral values without a fraction (counters read as counts), the rest in Swift's
    /// shortest round-tripping form, and the format's spellings of the infinities and NaN.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
