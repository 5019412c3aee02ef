/// Everything `jcs sandbox run` was asked to do, however it was parsed: by ArgumentParser
/// (`SandboxRunCommand`) or by the start-up fast path (`FastSandboxRunParser`).
public struct SandboxRunOptions: Equatable {
    var profile = "default"
    var root: String?
    var timeoutMs: Int?
    var memoryMB: Int?
    var maxProcs: Int?
    var maxOutputBytes: Int?
    var env: [String] = []
    var json = false
    var command: [String] = []

    /// Problems a user can fix, one sentence each naming the flag.
    func problems() -> [String] {
        var problems: [String] = []
        if command.isEmpty { problems.append("missing the command to run (after --)") }
        func check(_ name: String, _ value: Int?, _ range: ClosedRange<Int>) {
            if let value, !range.contains(value) {
                problems.append("\(name) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
            }
        }
        check("--timeout-ms", timeoutMs, 1...86_400_000)
        check("--memory-mb", memoryMB, 8...1_048_576)
        check("--max-procs", maxProcs, 1...65_536)
        check("--max-output-bytes", maxOutputBytes, 0...1_073_741_824)
        for pair in env where !pair.contains("=") || pair.hasPrefix("=") {
            problems.append("--env '\(pair)': expected KEY=VALUE")
        }
        return problems
    }

    var environment: [(String, String)] {
        env.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }
}
