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
    /// line feed are the three bytes the format requires escaped. Escaped per UTF-8 byte, never
    /// per `Character`: a `"` followed by a combining mark is one Swift `Character` that is not
    /// equal to `"`, so a per-character escape let it through and broke the line (and with it
    /// the whole scrape, for every tenant). The format has no escape for other control bytes (a
    /// `\r` ends the line for some parsers), so those become U+FFFD.
    static func escapeLabelValue(_ value: String) -> String {
        escape(value, quote: true)
    }

    /// HELP text escapes backslash and line feed only (and replaces other control bytes).
    static func escapeHelp(_ text: String) -> String {
        escape(text, quote: false)
    }

    private static func escape(_ text: String, quote: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\"") where quote: out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0..<0x20, 0x7f: out += [0xEF, 0xBF, 0xBD]
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
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
