/// The start-up fast path of `jcs sandbox run`: ArgumentParser's reflection costs ~0.8 ms per
/// process (measured: 0.9 ms to start and exit without it, 1.7 ms with it), which is a sixth of
/// a whole sandboxed call. Plain invocations are parsed here; anything else (help, `--flag=value`,
/// unknown or repeated-wrongly flags, bad numbers) returns nil and goes to ArgumentParser, which
/// then owns the messages. `CLITests` checks both parsers agree.
public enum FastSandboxRunParser {
    public static func parse(_ arguments: [String]) -> SandboxRunOptions? {
        guard arguments.count >= 4, arguments[1] == "sandbox", arguments[2] == "run" else { return nil }
        var options = SandboxRunOptions()
        var i = 3
        func value() -> String? {
            guard i + 1 < arguments.count, !arguments[i + 1].hasPrefix("-") else { return nil }
            i += 1
            return arguments[i]
        }
        func number() -> Int? { value().flatMap { Int($0) } }
        while i < arguments.count {
            switch arguments[i] {
            case "--":
                options.command = Array(arguments[(i + 1)...])
                return options.command.isEmpty || !options.problems().isEmpty ? nil : options
            case "--json": options.json = true
            case "--profile": guard let v = value() else { return nil }; options.profile = v
            case "--root": guard let v = value() else { return nil }; options.root = v
            case "--timeout-ms": guard let v = number() else { return nil }; options.timeoutMs = v
            case "--memory-mb": guard let v = number() else { return nil }; options.memoryMB = v
            case "--max-procs": guard let v = number() else { return nil }; options.maxProcs = v
            case "--max-output-bytes": guard let v = number() else { return nil }; options.maxOutputBytes = v
            case "--env": guard let v = value() else { return nil }; options.env.append(v)
            default: return nil
            }
            i += 1
        }
        return nil
    }
}
