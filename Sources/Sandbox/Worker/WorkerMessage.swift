/// The worker protocol: JSON lines on two pipes (`docs/worker-protocol.md`). The caller writes
/// `prepare` then `run` on the worker's stdin; the worker answers on its stdout with `ready`,
/// any number of `violation`s (and, when asked, `output` chunks) as they happen, then one `result` — or an `error` at any point.
public enum WorkerMessage: Sendable, Equatable {
    /// Build the sandbox. `profile` is the effective profile in its file format; `bpf` the
    /// filter compiled by the caller (once per profile), or nil to have the worker compile it;
    /// `rootIdentity` what the root must still be (recorded when the project started).
    /// `profileSHA256` and `cgroupLayout`, when the caller knows them, spare each worker
    /// computing them again.
    case prepare(
        root: String, profile: JSONValue, bpf: [UInt8]?, rootIdentity: FileIdentity?, profileSHA256: String? = nil,
        cgroupLayout: CgroupLayout? = nil)
    case ready(pid: Int, hostUID: Int, idmapped: Bool)
    /// `egress`: the route through the coordinator's egress proxy (`docs/network.md`).
    /// `streamOutput`: send the tool's stdout and stderr as `output` messages while it runs.
    case run(argv: [String], env: [(String, String)], cwd: String?, egress: EgressRoute? = nil, streamOutput: Bool = false)
    case violation(Violation)
    /// A chunk of the tool's stdout (1) or stderr (2), already within the output cap; always
    /// base64 on the wire, so bytes that are not UTF-8 survive.
    case output(stream: Int32, bytes: [UInt8])
    case result(SandboxResult)
    case error(code: String, message: String)

    public static func == (lhs: WorkerMessage, rhs: WorkerMessage) -> Bool { lhs.json == rhs.json }

    public var json: JSONValue {
        switch self {
        case .prepare(let root, let profile, let bpf, let rootIdentity, let profileSHA256, let cgroupLayout):
            var o: [String: JSONValue] = ["type": "prepare", "root": .string(root), "profile": profile]
            if let bpf { o["seccomp_bpf"] = .string(Base64.encode(bpf)) }
            if let rootIdentity { o["root_identity"] = rootIdentity.json }
            if let profileSHA256 { o["profile_sha256"] = .string(profileSHA256) }
            if let cgroupLayout { o["cgroup_layout"] = cgroupLayout.json }
            return .object(o)
        case .ready(let pid, let uid, let idmapped):
            return ["type": "ready", "pid": .int(Int64(pid)), "host_uid": .int(Int64(uid)), "idmapped": .bool(idmapped)]
        case .run(let argv, let env, let cwd, let egress, let streamOutput):
            var envObject: [String: JSONValue] = [:]
            for (k, v) in env { envObject[k] = .string(v) }
            var o: [String: JSONValue] = [
                "type": "run", "argv": .array(argv.map { .string($0) }), "env": .object(envObject),
                "cwd": cwd.map { .string($0) } ?? .null,
            ]
            if let egress { o["egress"] = egress.json }
            if streamOutput { o["stream_output"] = true }
            return .object(o)
        case .output(let stream, let bytes):
            return ["type": "output", "stream": stream == 2 ? "stderr" : "stdout", "data": .string(Base64.encode(bytes))]
        case .violation(let v):
            var o = v.json.objectValue ?? [:]
            o["type"] = "violation"
            return .object(o)
        case .result(let r):
            var o = r.json.objectValue ?? [:]
            o["type"] = "result"
            return .object(o)
        case .error(let code, let message):
            return ["type": "error", "code": .string(code), "message": .string(message)]
        }
    }

    public init(json: JSONValue) throws(SandboxError) {
        guard let type = json["type"]?.stringValue else { throw .protocolViolation(reason: "message without a type") }
        switch type {
        case "prepare":
            guard let root = json["root"]?.stringValue, let profile = json["profile"], profile.objectValue != nil else {
                throw .protocolViolation(reason: "prepare needs 'root' and 'profile'")
            }
            var bpf: [UInt8]? = nil
            if let text = json["seccomp_bpf"]?.stringValue {
                guard let decoded = Base64.decode(text) else {
                    throw .protocolViolation(reason: "seccomp_bpf is not valid base64")
                }
                bpf = decoded
            }
            let rootIdentity: FileIdentity?
            if let identity = json["root_identity"], identity != .null {
                rootIdentity = try FileIdentity(json: identity)
            } else {
                rootIdentity = nil
            }
            var profileSHA256: String?
            if let sha = json["profile_sha256"] {
                guard let text = sha.stringValue, text.utf8.count == 64, text.utf8.allSatisfy(\.isLowercaseHexDigit) else {
                    throw .protocolViolation(reason: "profile_sha256 must be 64 lowercase hexadecimal digits")
                }
                profileSHA256 = text
            }
            let cgroupLayout = try json["cgroup_layout"].map { json throws(SandboxError) in try CgroupLayout(json: json) }
            self = .prepare(
                root: root, profile: profile, bpf: bpf, rootIdentity: rootIdentity, profileSHA256: profileSHA256,
                cgroupLayout: cgroupLayout)
        case "ready":
            self = .ready(
                pid: json["pid"]?.intValue ?? 0, hostUID: json["host_uid"]?.intValue ?? 0,
                idmapped: json["idmapped"]?.boolValue ?? false)
        case "run":
            guard let argv = json["argv"]?.arrayValue?.compactMap(\.stringValue), !argv.isEmpty else {
                throw .protocolViolation(reason: "run needs a non-empty 'argv' of strings")
            }
            var env: [(String, String)] = []
            if let object = json["env"]?.objectValue {
                for (k, v) in object.sorted(by: { $0.key < $1.key }) {
                    guard let s = v.stringValue else { throw .protocolViolation(reason: "env.\(k) must be a string") }
                    env.append((k, s))
                }
            }
            let egress: EgressRoute?
            if let route = json["egress"], route != .null { egress = try EgressRoute(json: route) } else { egress = nil }
            self = .run(
                argv: argv, env: env, cwd: json["cwd"]?.stringValue, egress: egress,
                streamOutput: json["stream_output"]?.boolValue ?? false)
        case "output":
            guard let stream = json["stream"]?.stringValue, stream == "stdout" || stream == "stderr",
                let data = json["data"]?.stringValue, let bytes = Base64.decode(data)
            else { throw .protocolViolation(reason: "output needs 'stream' (stdout or stderr) and base64 'data'") }
            self = .output(stream: stream == "stdout" ? 1 : 2, bytes: bytes)
        case "violation":
            self = .violation(try Violation(json: json))
        case "result":
            self = .result(try SandboxResult(json: json))
        case "error":
            self = .error(code: json["code"]?.stringValue ?? "unknown", message: json["message"]?.stringValue ?? "")
        default:
            throw .protocolViolation(reason: "unknown message type '\(type)'")
        }
    }
}

extension SandboxResult {
    /// Decodes what `json` writes (the worker's `result` line).
    public init(json: JSONValue) throws(SandboxError) {
        guard let profile = json["profile"], let name = profile["name"]?.stringValue,
            let sha = profile["sha256"]?.stringValue, let timedOut = json["timed_out"]?.boolValue
        else { throw .protocolViolation(reason: "malformed result") }
        var violations: [Violation] = []
        for v in json["violations"]?.arrayValue ?? [] { violations.append(try Violation(json: v)) }
        self.init(
            exitCode: json["exit_code"]?.intValue, signal: json["signal"]?.intValue, timedOut: timedOut,
            limitFired: json["limit_fired"]?.stringValue.flatMap(Limit.init(rawValue:)),
            limitsFired: (json["limits_fired"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Limit.init(rawValue:)) },
            stdout: try Self.stream(json, "stdout"), stderr: try Self.stream(json, "stderr"),
            stdoutTruncated: json["stdout_truncated"]?.boolValue ?? false,
            stderrTruncated: json["stderr_truncated"]?.boolValue ?? false,
            durationMs: json["duration_ms"]?.intValue ?? 0, profileName: name, profileSHA256: sha,
            violations: violations, execError: json["exec_error"]?.stringValue)
    }

    /// A stream's bytes: its text, or its base64 when `<name>_encoding` is `base64`.
    private static func stream(_ json: JSONValue, _ name: String) throws(SandboxError) -> [UInt8] {
        guard json[name] != nil else { return [] }
        guard let bytes = BinaryText.bytes(in: json, key: name, encodingKey: name + "_encoding") else {
            throw .protocolViolation(reason: "result.\(name) is not valid base64")
        }
        return bytes
    }
}

extension UInt8 {
    fileprivate var isLowercaseHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
    }
}
