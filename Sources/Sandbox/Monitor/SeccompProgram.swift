#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// A profile's seccomp rules compiled to BPF once, plus the table the monitor uses to answer the
/// notifications those rules produce.
public struct SeccompProgram: Sendable {
    /// What a notified syscall means, found by number and arguments.
    struct NotifiedRule: Sendable {
        var conditions: [Profile.ArgCondition]
        var errno: Int32
        var kind: String
    }

    public let bpf: [UInt8]
    public let needsListener: Bool
    /// The sha256 of the profile this program was compiled from (its canonical effective
    /// content), computed with it so one-shot callers pay for it off the critical path.
    public let profileSHA256: String
    let notified: [Int32: [NotifiedRule]]
    /// Syscalls notified for their destination address (network mode `none`).
    let networkSyscalls: Set<Int32>

    /// The syscalls whose destination the monitor inspects when the network is `none`.
    static let networkSyscallNames = ["connect", "sendto", "sendmsg", "sendmmsg"]

    /// Compiles `profile`'s rules. On a host without seccomp user notification whose profile
    /// allows that downgrade, denials become plain errnos without evidence. `precompiled` is the
    /// `bpf` of an earlier compilation of the same profile: the rule table is rebuilt (cheap),
    /// libseccomp is skipped. `profileSHA256` is `profile.sha256` when the caller knows it already
    /// (a worker is told it in `prepare`): computing it writes out and hashes the whole profile.
    public init(profile: Profile, precompiled: [UInt8]? = nil, profileSHA256: String? = nil) throws(SandboxError) {
        var notify = true
        if csb_seccomp_notify_supported() == 0 {
            guard profile.allowedDowngrades.contains(.seccompNotify) else {
                throw .hostLacks(
                    layer: "reported denials", reason: "the kernel has no seccomp user notification")
            }
            notify = false
        }
        struct Pending {
            var syscall: String
            var action: csb_action
            var errno: Int32
            var args: [csb_rule_arg]
        }
        self.profileSHA256 = profileSHA256 ?? profile.sha256
        var pending: [Pending] = []
        var notified: [Int32: [NotifiedRule]] = [:]
        for (index, rule) in profile.seccomp.rules.enumerated() {
            guard let err = ErrnoNames.x86_64[rule.errno] else {
                throw .filterCompile(reason: "rule \(index): unknown errno '\(rule.errno)'")
            }
            let args = rule.args.map { c in
                csb_rule_arg(index: UInt32(c.index), op: SeccompProgram.op(c.op).rawValue, value: c.value, mask: c.mask)
            }
            for name in rule.syscalls {
                let nr = SeccompProgram.number(of: name)
                guard nr >= 0 else { throw .filterCompile(reason: "rule \(index): unknown syscall '\(name)'") }
                let action: csb_action
                switch rule.action {
                case .deny where notify:
                    action = CSB_ACTION_NOTIFY
                    notified[nr, default: []].append(NotifiedRule(conditions: rule.args, errno: err, kind: rule.reportKind))
                case .deny, .denySilently: action = CSB_ACTION_ERRNO
                case .kill: action = CSB_ACTION_KILL
                }
                // A syscall newer than libseccomp (fchmodat2 on 2.5) goes to it by number.
                let known = csb_syscall_number(name) >= 0
                pending.append(Pending(syscall: known ? name : String(nr), action: action, errno: err, args: args))
            }
        }
        var network = Set<Int32>()
        if profile.network.mode == .none && notify {
            for name in SeccompProgram.networkSyscallNames {
                let nr = csb_syscall_number(name)
                network.insert(nr)
                // sendto with a NULL destination goes to the connected peer, already vetted.
                let args = name == "sendto" ? [csb_rule_arg(index: 4, op: CSB_ARG_NE.rawValue, value: 0, mask: 0)] : []
                pending.append(Pending(syscall: name, action: CSB_ACTION_NOTIFY, errno: 0, args: args))
            }
        }
        self.notified = notified
        self.networkSyscalls = network
        self.needsListener = !notified.isEmpty || !network.isEmpty
        if let precompiled {
            self.bpf = precompiled
            return
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var outLen = 0
        var err = [CChar](repeating: 0, count: 256)
        let rc = SeccompProgram.compile(pending.map { ($0.syscall, $0.action, $0.errno, $0.args) }, &out, &outLen, &err)
        guard rc == 0, let out else {
            throw .filterCompile(reason: String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.bpf = Array(UnsafeBufferPointer(start: out, count: outLen))
        csb_free(out)
    }

    /// The native number of `name`: libseccomp's table first, then the kernel's (`SyscallNames`)
    /// for syscalls newer than the installed libseccomp; -1 if neither knows it.
    static func number(of name: String) -> Int32 {
        let nr = csb_syscall_number(name)
        return nr >= 0 ? nr : SyscallNames.x86_64[name] ?? -1
    }

    private static func op(_ op: Profile.ArgCondition.Op) -> csb_arg_op {
        switch op {
        case .eq: CSB_ARG_EQ
        case .ne: CSB_ARG_NE
        case .lt: CSB_ARG_LT
        case .le: CSB_ARG_LE
        case .gt: CSB_ARG_GT
        case .ge: CSB_ARG_GE
        case .maskedEq: CSB_ARG_MASKED_EQ
        }
    }

    /// Keeps every C string and argument array alive for the duration of the C call.
    private static func compile(
        _ rules: [(String, csb_action, Int32, [csb_rule_arg])], _ out: inout UnsafeMutablePointer<UInt8>?,
        _ outLen: inout Int, _ err: inout [CChar]
    ) -> Int32 {
        let names = rules.map { strdup($0.0)! }
        defer { names.forEach { free($0) } }
        let argBuffers = rules.map { rule -> UnsafeMutablePointer<csb_rule_arg>? in
            guard !rule.3.isEmpty else { return nil }
            let p = UnsafeMutablePointer<csb_rule_arg>.allocate(capacity: rule.3.count)
            p.initialize(from: rule.3, count: rule.3.count)
            return p
        }
        defer { argBuffers.forEach { $0?.deallocate() } }
        var cRules: [csb_rule] = []
        for (i, rule) in rules.enumerated() {
            cRules.append(
                csb_rule(
                    syscall: names[i], action: rule.1.rawValue, err: rule.2, arg_count: UInt32(rule.3.count),
                    args: argBuffers[i].map { UnsafePointer($0) }))
        }
        return cRules.withUnsafeBufferPointer { buffer in
            err.withUnsafeMutableBufferPointer { errBuffer in
                csb_compile_filter(buffer.baseAddress!, buffer.count, &out, &outLen, errBuffer.baseAddress!, errBuffer.count)
            }
        }
    }

    /// The rule a notification of `nr` with `args` came from, if it is a denial.
    func denial(nr: Int32, args: [UInt64]) -> NotifiedRule? {
        notified[nr]?.first { rule in rule.conditions.allSatisfy { $0.matches(args[$0.index]) } }
    }
}
