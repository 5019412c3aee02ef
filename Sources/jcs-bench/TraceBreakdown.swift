/// Where a daemon's calls spend their time, from its `JCS_TRACE` lines (`jcs-trace <t>us <phase>`,
/// on its stderr): `jcs-bench daemon --trace`.
///
/// Two kinds of line count. A mark ending in a call id (`gate: worker acquired call-…`) is paired
/// with the previous mark of the same call: the phase `previous → this` took the difference. A
/// self-contained line (`http: durable wait took 412us`) is its own phase. Everything else (the
/// workers' own marks, which carry no call id) is left out. Lines of concurrent calls interleave
/// freely; pairing by call id keeps them apart.
struct TraceBreakdown {
    /// Phase → durations in µs, in the order phases were first seen.
    private(set) var phases: [String] = []
    private(set) var durations: [String: [UInt64]] = [:]
    private(set) var calls = 0

    init(log text: Substring) {
        var last: [Substring: (label: Substring, atUs: UInt64)] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 3, words[0] == "jcs-trace", words[1].hasSuffix("us"),
                let atUs = UInt64(words[1].dropLast(2))
            else { continue }
            let phase = words[2...]
            if phase.count >= 3, phase[phase.endIndex - 2] == "took", phase.last!.hasSuffix("us"),
                let tookUs = UInt64(phase.last!.dropLast(2))
            {
                add(phase.dropLast(2).joined(separator: " "), tookUs)
                continue
            }
            guard let id = phase.last, id.hasPrefix("call-") else { continue }
            let label = Substring(phase.dropLast().joined(separator: " "))
            if let previous = last[id] {
                add("\(previous.label) → \(label)", atUs >= previous.atUs ? atUs - previous.atUs : 0)
            } else {
                calls += 1
            }
            last[id] = (label, atUs)
        }
    }

    private mutating func add(_ phase: String, _ us: UInt64) {
        if durations[phase] == nil { phases.append(phase) }
        durations[phase, default: []].append(us)
    }

    /// The median of a phase in µs (nan when it never happened).
    func medianUs(_ phase: String) -> Double {
        median((durations[phase] ?? []).map { Double($0) })
    }
}
