#if canImport(Glibc)
import Glibc
#endif
import Sandbox

/// Runs `jcs sandbox run` once its options are parsed: resolve the profile, build the sandbox
/// (compiling the filter meanwhile), run, print, exit with the command's status.
public enum SandboxRunner {
    public static func run(_ options: SandboxRunOptions) -> Never {
        Trace.mark("options parsed")
        let result: SandboxResult
        // Kept past the printing: its tear-down (removing the cgroup) need not delay the output.
        var sandbox: Sandbox?
        do {
            var profile = try ProfileResolver.resolve(nameOrPath: options.profile)
            if let v = options.timeoutMs { profile.limits.timeoutMs = v }
            if let v = options.memoryMB { profile.limits.memoryMB = v }
            if let v = options.maxProcs { profile.limits.maxProcs = v }
            if let v = options.maxOutputBytes { profile.limits.maxOutputBytes = v }
            Trace.mark("profile resolved")
            let compile = OffThread { () throws(SandboxError) in try SeccompProgram(profile: profile) }
            let prepared = try Sandbox.prepare(
                profile: profile, root: options.root ?? ".", stdin: .inherit(0), filter: compile.value)
            sandbox = prepared
            let streaming = !options.json
            result = try prepared.run(
                RunRequest(argv: options.command, environment: options.environment),
                output: streaming ? { fd, chunk in writeAll(fd, chunk) } : nil,
                // The violation names what the sandboxed program chose (a path): escaped.
                onViolation: streaming
                    ? { writeAll(2, Array("jcs: violation: \(HumanOutput.escaped(describe($0)))\n".utf8)[...]) } : nil)
        } catch let error as ProfileLoadError {
            setupFailed(code: "invalid_profile", message: error.description, json: options.json)
        } catch let error as SandboxError {
            setupFailed(code: error.code, message: error.description, json: options.json)
        } catch {
            setupFailed(code: "internal", message: "\(error)", json: options.json)
        }
        if options.json {
            writeAll(1, Array((JSONWriter.text(result.json, style: .canonical) + "\n").utf8)[...])
        } else if let message = result.execError {
            writeAll(2, Array("jcs: \(message)\n".utf8)[...])
        } else if let limit = result.limitFired {
            writeAll(2, Array("jcs: limit fired: \(limit.rawValue)\n".utf8)[...])
        }
        withExtendedLifetime(sandbox) {}
        sandbox = nil
        exit(result.shellStatus)
    }

    private static func setupFailed(code: String, message: String, json: Bool) -> Never {
        if json {
            let value: JSONValue = ["error": ["code": .string(code), "message": .string(message)]]
            writeAll(1, Array((JSONWriter.text(value, style: .canonical) + "\n").utf8)[...])
        } else {
            writeAll(2, Array("jcs: sandbox set-up failed: \(message)\n".utf8)[...])
        }
        exit(125)
    }

    /// One line per violation: `network_denied connect AF_INET 1.1.1.1:80`.
    static func describe(_ v: Violation) -> String {
        var parts = [v.kind]
        if let syscall = v.syscall { parts.append(syscall) }
        if let limit = v.limit { parts.append(limit) }
        if let family = v.family { parts.append(family) }
        if let address = v.address {
            parts.append(v.port.map { address.contains(":") ? "[\(address)]:\($0)" : "\(address):\($0)" } ?? address)
        }
        if let path = v.path { parts.append(path) }
        return parts.joined(separator: " ")
    }

    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            rest = rest.dropFirst(n)
        }
    }
}
