import Glibc

/// Builds a `Profile` from JSON text in the format of docs/profiles.md, or reports every problem.
///
/// Strict on purpose, because the text decides what a sandbox enforces: unknown keys at any level,
/// wrong types, out-of-range numbers, unsafe paths and unknown syscall or errno names are errors,
/// each with its JSON path, and all of them are reported in one pass.
///
/// A key a profile leaves out takes its value from the built-in `default` profile
/// (profiles/default.json), which spells out every key; that file is the one place the defaults
/// live. Keys inside list elements (a mount, a rule, a condition) have fixed defaults instead, listed
/// in docs/profiles.md.
public enum ProfileDecoder {
    /// The largest file `load(path:)` reads. Profiles are a few kilobytes; the bound keeps a wrong
    /// path (a device, a log) from being read whole.
    public static let maximumFileSize = 1 << 20

    public static func decode(text: String) throws(ProfileErrors) -> Profile {
        try decode(bytes: Array(text.utf8))
    }

    /// Reads and decodes the profile file at `path`, telling a file that cannot be read apart from a
    /// profile that is wrong.
    public static func load(path: String) throws(ProfileLoadError) -> Profile {
        let bytes = try readFile(path)
        do {
            return try decode(bytes: bytes)
        } catch {
            throw .invalid(path: path, error)
        }
    }

    /// Decodes a profile already parsed (a worker's `prepare` line holds the canonical form): the
    /// same checks, without writing the JSON out and parsing it again.
    public static func decode(json: JSONValue) throws(ProfileErrors) -> Profile {
        do {
            return try decode(json, defaults: nil)
        } catch let errors where errors.errors.contains(where: { $0.kind == .required }) {
            return try decode(json, defaults: builtinDefault)
        }
    }

    /// Decodes without the defaults first. A complete profile (each built-in one, and the canonical
    /// form a worker is sent) needs none, so only a profile that leaves keys out, and so has
    /// `required` errors in that pass, pays for decoding the default profile.
    private static func decode(bytes: [UInt8]) throws(ProfileErrors) -> Profile {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw ProfileErrors([ProfileError(path: "$", kind: .invalidJSON(error))])
        }
        return try decode(json: json)
    }

    /// The built-in `default` profile, decoded once. It spells out every key, so it decodes without
    /// defaults; a test decodes it, so a broken embedded copy never ships.
    private static let builtinDefault: Profile = {
        do {
            return try decode(JSONParser.parse(BuiltinProfiles.default), defaults: nil)
        } catch {
            preconditionFailure("the embedded default profile is invalid:\n\(error)")
        }
    }()

    private static func decode(_ json: JSONValue, defaults: Profile?) throws(ProfileErrors) -> Profile {
        var decoding = Decoding(defaults: defaults)
        guard let profile = decoding.profile(json), decoding.errors.isEmpty else {
            throw ProfileErrors(decoding.errors)
        }
        return profile
    }

    private static func readFile(_ path: String) throws(ProfileLoadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, errno: errno) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, errno: errno)
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[..<count])
            if contents.count > maximumFileSize { throw .tooLarge(path: path, limit: maximumFileSize) }
        }
    }
}

/// A value being decoded and where it is; `value` is nil for an absent key. The path string is
/// built only when something needs it, an error or a child container: building one for every
/// value took longer than the decoding itself.
private struct Field {
    enum Step {
        case root
        case key(String)
        case index(Int)
    }

    /// The path of the enclosing object or array.
    let parentPath: String
    let step: Step
    let value: JSONValue?

    static func root(_ value: JSONValue) -> Field {
        Field(parentPath: "", step: .root, value: value)
    }

    var path: String {
        switch step {
        case .root: "$"
        case .key(let key): memberPath(parentPath, key)
        case .index(let index): "\(parentPath)[\(index)]"
        }
    }
}

/// An object whose keys have been checked against the schema.
private struct Members {
    let path: String
    let values: [String: JSONValue]

    subscript(key: String) -> Field {
        Field(parentPath: path, step: .key(key), value: values[key])
    }
}

/// `$.limits` for keys that are identifiers, `$.environment.set["MY-VAR"]` for any other.
private func memberPath(_ parent: String, _ key: String) -> String {
    isVariableName(key.utf8) ? "\(parent).\(key)" : "\(parent)[\(JSONWriter.text(.string(key)))]"
}

/// Keys in the order of their UTF-8 bytes, the order errors about them are reported in, so the
/// report is the same on every run whatever order a dictionary holds them in.
private func utf8Sorted(_ keys: some Sequence<String>) -> [String] {
    keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

/// One walk over a parsed profile that records every problem instead of stopping at the first.
/// Each method returns nil when its part is invalid, with the reasons already in `errors`.
private struct Decoding {
    /// Where absent keys take their values from; nil while decoding the built-in default itself,
    /// which therefore must spell out every key.
    let defaults: Profile?
    private(set) var errors: [ProfileError] = []

    init(defaults: Profile?) {
        self.defaults = defaults
    }

    mutating func profile(_ value: JSONValue) -> Profile? {
        let keys = [
            "name", "description", "filesystem", "network", "seccomp", "limits", "environment", "identity",
            "allow_downgrades", "traps",
        ]
        guard let root = members(.root(value), keys: keys) else { return nil }
        let name = name(root["name"])
        let description = string(root["description"], default: "")
        let filesystem = filesystem(root["filesystem"])
        let network = network(root["network"])
        let seccomp = seccomp(root["seccomp"])
        let limits = limits(root["limits"])
        let environment = environment(root["environment"])
        let identity = identity(root["identity"])
        let downgrades = downgrades(root["allow_downgrades"])
        let traps = traps(root["traps"])
        guard let name, let description, let filesystem, let network, let seccomp, let limits, let environment,
            let identity, let downgrades, let traps
        else { return nil }
        return Profile(
            name: name, description: description, filesystem: filesystem, network: network, seccomp: seccomp,
            limits: limits, environment: environment, identity: identity, allowedDowngrades: downgrades, traps: traps
        )
    }

    mutating func traps(_ field: Field) -> Profile.Traps? {
        let fallback = defaults?.traps
        guard field.value != nil else { return absent(field, default: fallback) }
        let keys = ["workspace_deny", "workspace_allow", "walk_max_entries", "walk_max_depth", "host_secrets"]
        guard let members = members(field, keys: keys) else { return nil }
        let deny = globs(members["workspace_deny"], default: fallback?.workspaceDeny)
        let allow = globs(members["workspace_allow"], default: fallback?.workspaceAllow)
        let entries = int(members["walk_max_entries"], in: 0 ... 1_000_000, default: fallback?.walkMaxEntries)
        let depth = int(members["walk_max_depth"], in: 0 ... 256, default: fallback?.walkMaxDepth)
        let hostSecrets = bool(members["host_secrets"], default: fallback?.hostSecrets)
        guard let deny, let allow, let entries, let depth, let hostSecrets else { return nil }
        return Profile.Traps(
            workspaceDeny: deny, workspaceAllow: allow, walkMaxEntries: entries, walkMaxDepth: depth,
            hostSecrets: hostSecrets)
    }

    /// Workspace globs: relative (a leading `/` would never match a walked path) and non-empty.
    mutating func globs(_ field: Field, default fallback: [String]?) -> [String]? {
        guard let value = field.value else { return absent(field, default: fallback) }
        guard let entries = uniqueStrings(field, value) else { return nil }
        let errorCount = errors.count
        for entry in entries where entry.string.isEmpty || entry.string.hasPrefix("/") || entry.string.utf8.contains(0) {
            fail(entry.field.path, .invalidGlob)
        }
        return errors.count == errorCount ? entries.map(\.string) : nil
    }

    // MARK: Sections

    mutating func filesystem(_ field: Field) -> Profile.Filesystem? {
        let fallback = defaults?.filesystem
        guard field.value != nil else { return absent(field, default: fallback) }
        guard let members = members(field, keys: ["workspace", "mounts", "tmp_size_mb"]) else { return nil }
        let workspaceField = members["workspace"]
        let workspace = workspace(workspaceField)
        let tmpSizeMB = int(members["tmp_size_mb"], in: 0 ... 65536, default: fallback?.tmpSizeMB)
        let mountsField = members["mounts"]
        let mounts = mounts(mountsField, tmpfsAtTmp: tmpSizeMB.map { $0 > 0 })
        guard let workspace, let tmpSizeMB, let mounts else { return nil }

        // The mounts and the workspace share one tree: a mount at, above or below the workspace
        // hides it or is hidden by it. Checked on the effective list, so that moving the workspace
        // under a default mount is caught too.
        let errorCount = errors.count
        for (index, mount) in mounts.enumerated() where overlaps(mount.target, workspace.path) {
            if mountsField.value != nil {
                fail("\(mountsField.path)[\(index)].target", .overlapsWorkspace(workspace.path))
            } else {
                fail("\(workspaceField.path).path", .overlapsDefaultMount(mount.target))
            }
        }
        guard errors.count == errorCount else { return nil }
        return Profile.Filesystem(
            workspacePath: workspace.path, workspaceWritable: workspace.writable, mounts: mounts, tmpSizeMB: tmpSizeMB,
            protectedPaths: workspace.protectedPaths
        )
    }

    mutating func workspace(_ field: Field) -> (path: String, writable: Bool, protectedPaths: [String])? {
        let fallback = defaults.map {
            (
                path: $0.filesystem.workspacePath, writable: $0.filesystem.workspaceWritable,
                protectedPaths: $0.filesystem.protectedPaths
            )
        }
        guard field.value != nil else { return absent(field, default: fallback) }
        guard let members = members(field, keys: ["path", "writable", "protected_paths"]) else { return nil }
        let path = absolutePath(members["path"], default: fallback?.path, reserved: ["/proc", "/dev", "/tmp"])
        let writable = bool(members["writable"], default: fallback?.writable)
        let protectedPaths = protectedPaths(members["protected_paths"], default: fallback?.protectedPaths)
        guard let path, let writable, let protectedPaths else { return nil }
        return (path, writable, protectedPaths)
    }

    /// Relative, normalized paths (one optional trailing `/` marks a directory); the same path
    /// with and without the slash is one entry, so it is a duplicate.
    mutating func protectedPaths(_ field: Field, default fallback: [String]?) -> [String]? {
        guard let value = field.value else { return absent(field, default: fallback) }
        guard let entries = uniqueStrings(field, value) else { return nil }
        let errorCount = errors.count
        var seen: Set<String> = []
        var paths: [String] = []
        for (element, path) in entries {
            let bare = path.hasSuffix("/") ? String(path.dropLast()) : path
            let components = bare.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            let problem: ProfileError.Kind? =
                if path.utf8.contains(0) {
                    .containsNUL
                } else if bare.isEmpty {
                    .empty
                } else if path.hasPrefix("/") {
                    .notRelativePath
                } else if path.utf8.count >= Int(PATH_MAX) {
                    .pathTooLong
                } else if components.contains(where: { $0.elementsEqual("..".utf8) }) {
                    .pathWithDotDot
                } else if components.contains(where: { $0.isEmpty || $0.elementsEqual(".".utf8) }) {
                    .unnormalizedPath
                } else {
                    nil
                }
            if let problem {
                fail(element.path, problem)
            } else if !seen.insert(bare).inserted {
                fail(element.path, .duplicateEntry(path))
            } else {
                paths.append(path)
            }
        }
        return errors.count == errorCount ? paths : nil
    }

    /// The mount list, with the checks that need the whole list: duplicate targets, targets the
    /// `/tmp` tmpfs would cover, and targets that would resolve through a symlink the list creates.
    mutating func mounts(_ field: Field, tmpfsAtTmp: Bool?) -> [Profile.Mount]? {
        guard let value = field.value else { return absent(field, default: defaults?.filesystem.mounts) }
        guard let elements = elements(field, value) else { return nil }
        let errorCount = errors.count
        var mounts: [(element: Field, mount: Profile.Mount)] = []
        var firstElements: [String: Field] = [:]
        for element in elements {
            guard let mount = mount(element) else { continue }
            if let first = firstElements[mount.target] {
                fail(targetPath(element), .duplicateTarget(firstAt: targetPath(first)))
                continue
            }
            firstElements[mount.target] = element
            // A bind strictly below /tmp is mounted after the /tmp tmpfs (`MountPlan`), so the
            // tmpfs does not hide it; anything else there would be hidden or would hide it.
            if tmpfsAtTmp == true && isSameOrUnder(mount.target, "/tmp") && !Profile.Mount.isBindBelowTmp(mount) {
                fail(targetPath(element), .conflictsWithTmp)
            }
            mounts.append((element, mount))
        }
        let symlinks = mounts.compactMap { entry -> String? in
            if case .symlink(let target, _) = entry.mount { target } else { nil }
        }
        for entry in mounts {
            if let symlink = symlinks.first(where: { isStrictlyUnder(entry.mount.target, $0) }) {
                fail(targetPath(entry.element), .underSymlink(symlink))
            }
        }
        return errors.count == errorCount ? mounts.map(\.mount) : nil
    }

    mutating func mount(_ field: Field) -> Profile.Mount? {
        guard let members = members(field, keys: MountType.allKeys) else { return nil }
        let errorCount = errors.count
        let type: MountType? = choice(members["type"], default: nil)
        if let type {
            // Keys of another type; keys of no type at all were reported as unknown above.
            let foreignKeys = MountType.allKeys.subtracting(type.keys).filter { members.values[$0] != nil }
            for key in utf8Sorted(foreignKeys) {
                fail(members[key].path, .keyNotAllowedForMountType(type.rawValue))
            }
        }
        let target = absolutePath(members["target"], default: nil, reserved: ["/proc", "/dev"])
        let mount: Profile.Mount?
        switch type {
        case .bind:
            let source = absolutePath(members["source"], default: nil, reserved: [], allowRoot: true)
            let writable = bool(members["writable"], default: false)
            let optional = bool(members["optional"], default: false)
            guard let target, let source, let writable, let optional else { return nil }
            mount = .bind(source: source, target: target, writable: writable, optional: optional)
        case .tmpfs:
            // No 0: for tmpfs, size=0 means no limit at all.
            let sizeMB = int(members["size_mb"], in: 1 ... 65536, default: 16)
            guard let target, let sizeMB else { return nil }
            mount = .tmpfs(target: target, sizeMB: sizeMB)
        case .symlink:
            let destination = symlinkDestination(members["to"])
            guard let target, let destination else { return nil }
            mount = .symlink(target: target, to: destination)
        case nil:
            return nil
        }
        return errors.count == errorCount ? mount : nil
    }

    mutating func network(_ field: Field) -> Profile.Network? {
        let fallback = defaults?.network
        guard field.value != nil else { return absent(field, default: fallback) }
        guard let members = members(field, keys: ["mode"]) else { return nil }
        return choice(members["mode"], default: fallback?.mode).map(Profile.Network.init(mode:))
    }

    mutating func seccomp(_ field: Field) -> Profile.Seccomp? {
        let fallback = defaults?.seccomp
        guard field.value != nil else { return absent(field, default: fallback) }
        guard let members = members(field, keys: ["rules"]) else { return nil }
        let rulesField = members["rules"]
        guard let value = rulesField.value else { return absent(rulesField, default: fallback) }
        guard let elements = elements(rulesField, value) else { return nil }
        let errorCount = errors.count
        var rules: [Profile.SeccompRule] = []
        for element in elements {
            if let rule = rule(element) { rules.append(rule) }
        }
        return errors.count == errorCount ? Profile.Seccomp(rules: rules) : nil
    }

    mutating func rule(_ field: Field) -> Profile.SeccompRule? {
        guard let members = members(field, keys: ["syscalls", "action", "errno", "args", "report_kind"]) else {
            return nil
        }
        let syscalls = syscalls(members["syscalls"])
        let action: Profile.SeccompRule.Action? = choice(members["action"], default: .deny)
        let errnoName = errnoName(members["errno"])
        let conditions = conditions(members["args"])
        let reportKind: ReportKind? = choice(members["report_kind"], default: .syscallDenied)
        guard let syscalls, let action, let errnoName, let conditions, let reportKind else { return nil }
        return Profile.SeccompRule(
            syscalls: syscalls, action: action, errno: errnoName, args: conditions, reportKind: reportKind.rawValue
        )
    }

    mutating func syscalls(_ field: Field) -> [String]? {
        guard let value = field.value else { return absent(field, default: nil) }
        guard let entries = uniqueStrings(field, value) else { return nil }
        let errorCount = errors.count
        if value.arrayValue?.isEmpty == true { fail(field.path, .empty) }
        for entry in entries where SyscallNames.x86_64[entry.string] == nil {
            fail(entry.field.path, .unknownSyscall(entry.string))
        }
        return errors.count == errorCount ? entries.map(\.string) : nil
    }

    mutating func errnoName(_ field: Field) -> String? {
        guard let name = string(field, default: "EPERM") else { return nil }
        guard ErrnoNames.x86_64[name] != nil else {
            fail(field.path, .unknownErrno(name))
            return nil
        }
        return name
    }

    mutating func conditions(_ field: Field) -> [Profile.ArgCondition]? {
        guard let value = field.value else { return [] }
        guard let elements = elements(field, value) else { return nil }
        let errorCount = errors.count
        var conditions: [Profile.ArgCondition] = []
        var firstElements: [Int: Field] = [:]
        for element in elements {
            guard let condition = condition(element) else { continue }
            // libseccomp refuses a rule that compares one argument twice (EINVAL), so such a
            // profile could never be compiled; say so here rather than when a sandbox starts.
            if let first = firstElements[condition.index] {
                fail("\(element.path).index", .argumentComparedTwice(condition.index, firstAt: first.path))
            } else {
                firstElements[condition.index] = element
            }
            conditions.append(condition)
        }
        return errors.count == errorCount ? conditions : nil
    }

    mutating func condition(_ field: Field) -> Profile.ArgCondition? {
        guard let members = members(field, keys: ["index", "op", "value", "mask"]) else { return nil }
        let index = int(members["index"], in: 0 ... 5, default: nil)
        let op: Profile.ArgCondition.Op? = choice(members["op"], default: nil)
        let value = integer(members["value"], in: 0 ... UInt64.max, default: nil)
        let maskField = members["mask"]
        let mask: UInt64?
        switch op {
        case .maskedEq where maskField.value == nil:
            fail(maskField.path, .maskRequired)
            mask = nil
        case .maskedEq:
            mask = integer(maskField, in: 0 ... UInt64.max, default: nil)
        case .some where maskField.value != nil:
            fail(maskField.path, .maskNotAllowed)
            mask = nil
        case .some:
            mask = 0
        case nil:
            mask = nil
        }
        guard let index, let op, let value, let mask else { return nil }
        if op == .maskedEq && value & ~mask != 0 {
            fail(members["value"].path, .valueOutsideMask)
            return nil
        }
        return Profile.ArgCondition(index: index, op: op, value: value, mask: mask)
    }

    mutating func limits(_ field: Field) -> Profile.Limits? {
        let fallback = defaults?.limits
        guard field.value != nil else { return absent(field, default: fallback) }
        let keys = [
            "timeout_ms", "memory_mb", "max_procs", "file_size_mb", "cpu_seconds", "max_output_bytes", "max_open_files",
            "disk_mb", "disk_inodes",
        ]
        guard let members = members(field, keys: keys) else { return nil }
        let timeoutMs = int(members["timeout_ms"], in: 1 ... 86_400_000, default: fallback?.timeoutMs)
        let memoryMB = int(members["memory_mb"], in: 8 ... 1_048_576, default: fallback?.memoryMB)
        let maxProcs = int(members["max_procs"], in: 1 ... 65536, default: fallback?.maxProcs)
        let fileSizeMB = int(members["file_size_mb"], in: 1 ... 1_048_576, default: fallback?.fileSizeMB)
        let cpuSeconds = int(members["cpu_seconds"], in: 1 ... 86400, default: fallback?.cpuSeconds)
        let maxOutputBytes = int(
            members["max_output_bytes"], in: 0 ... 1_073_741_824, default: fallback?.maxOutputBytes)
        let maxOpenFiles = int(members["max_open_files"], in: 16 ... 1_048_576, default: fallback?.maxOpenFiles)
        let diskMB = int(members["disk_mb"], in: 0 ... 1_073_741_824, default: fallback?.diskMB)
        let diskInodes = int(members["disk_inodes"], in: 0 ... 4_294_967_295, default: fallback?.diskInodes)
        guard let timeoutMs, let memoryMB, let maxProcs, let fileSizeMB, let cpuSeconds, let maxOutputBytes,
            let maxOpenFiles, let diskMB, let diskInodes
        else { return nil }
        return Profile.Limits(
            timeoutMs: timeoutMs, memoryMB: memoryMB, maxProcs: maxProcs, fileSizeMB: fileSizeMB,
            cpuSeconds: cpuSeconds, maxOutputBytes: maxOutputBytes, maxOpenFiles: maxOpenFiles, diskMB: diskMB,
            diskInodes: diskInodes
        )
    }

    mutating func environment(_ field: Field) -> Profile.Environment? {
        let fallback = defaults?.environment
        guard field.value != nil else { return absent(field, default: fallback) }
        guard let members = members(field, keys: ["set", "allow"]) else { return nil }
        let variables = variables(members["set"], default: fallback?.set)
        let allow = allowPatterns(members["allow"], default: fallback?.allow)
        guard let variables, let allow else { return nil }
        return Profile.Environment(set: variables, allow: allow)
    }

    mutating func variables(_ field: Field, default fallback: [String: String]?) -> [String: String]? {
        guard let value = field.value else { return absent(field, default: fallback) }
        guard case .object(let values) = value else {
            fail(field.path, .wrongType(expected: .object, got: value))
            return nil
        }
        let errorCount = errors.count
        var variables: [String: String] = [:]
        let members = Members(path: field.path, values: values)
        for name in utf8Sorted(values.keys) {
            let member = members[name]
            if !isVariableName(name.utf8) { fail(member.path, .invalidEnvironmentName) }
            guard let text = string(member, default: nil) else { continue }
            // execve takes C strings: a NUL would silently cut the value short.
            if text.utf8.contains(0) { fail(member.path, .containsNUL) }
            variables[name] = text
        }
        return errors.count == errorCount ? variables : nil
    }

    mutating func allowPatterns(_ field: Field, default fallback: [String]?) -> [String]? {
        guard let value = field.value else { return absent(field, default: fallback) }
        guard let entries = uniqueStrings(field, value) else { return nil }
        let errorCount = errors.count
        for entry in entries {
            // A prefix is required before '*': a lone "*" would turn the allowlist off.
            let pattern = entry.string.utf8
            let name = pattern.last == UInt8(ascii: "*") ? pattern.dropLast() : pattern[...]
            if !isVariableName(name) { fail(entry.field.path, .invalidEnvironmentPattern) }
        }
        return errors.count == errorCount ? entries.map(\.string) : nil
    }

    mutating func identity(_ field: Field) -> Profile.Identity? {
        let fallback = defaults?.identity
        guard field.value != nil else { return absent(field, default: fallback) }
        guard let members = members(field, keys: ["host_uid", "host_gid", "per_sandbox_uid_base", "hostname"]) else {
            return nil
        }
        // Never 0 (host root) and never 4294967295, which the kernel reads as "no id".
        let ids: ClosedRange<UInt64> = 1 ... 4_294_967_294
        let uid = integer(members["host_uid"], in: ids, default: fallback.map { UInt64($0.hostUID) })
        let gid = integer(members["host_gid"], in: ids, default: fallback.map { UInt64($0.hostGID) })
        let base = sandboxUIDBase(members["per_sandbox_uid_base"], default: fallback?.sandboxUIDBase)
        let hostname = hostname(members["hostname"], default: fallback?.hostname)
        guard let uid, let gid, let base, let hostname else { return nil }
        return Profile.Identity(hostUID: UInt32(uid), hostGID: UInt32(gid), sandboxUIDBase: base, hostname: hostname)
    }

    /// 0 (every sandbox shares `host_uid`) or a base in `Profile.Identity.sandboxUIDBases`.
    private mutating func sandboxUIDBase(_ field: Field, default fallback: UInt32?) -> UInt32? {
        guard let value = field.value else { return absent(field, default: fallback) }
        let bases = Profile.Identity.sandboxUIDBases
        guard let base = value.uint64Value, base == 0 || bases.contains(UInt32(clamping: base)) else {
            fail(field.path, .sandboxUIDBaseOutOfRange(got: value))
            return nil
        }
        return UInt32(base)
    }

    mutating func downgrades(_ field: Field) -> [Profile.Downgrade]? {
        guard let value = field.value else { return absent(field, default: defaults?.allowedDowngrades) }
        guard let entries = uniqueStrings(field, value) else { return nil }
        let errorCount = errors.count
        var downgrades: [Profile.Downgrade] = []
        for entry in entries {
            let downgrade: Profile.Downgrade? = choice(entry.field, default: nil)
            if let downgrade { downgrades.append(downgrade) }
        }
        return errors.count == errorCount ? downgrades : nil
    }

    // MARK: Strings with a shape

    mutating func name(_ field: Field) -> String? {
        guard let name = string(field, default: nil) else { return nil }
        let isValid = (1 ... 64).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                $0.isASCIILowercase || $0.isASCIIDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
        guard isValid else {
            fail(field.path, .invalidName)
            return nil
        }
        return name
    }

    mutating func hostname(_ field: Field, default fallback: String?) -> String? {
        guard let hostname = string(field, default: fallback) else { return nil }
        let isValid = (1 ... 64).contains(hostname.utf8.count)
            && hostname.utf8.allSatisfy {
                $0.isASCIILetter || $0.isASCIIDigit || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            }
        guard isValid else {
            fail(field.path, .invalidHostname)
            return nil
        }
        return hostname
    }

    /// An absolute, normalized path that is not `/` (unless `allowRoot`) and not one of `reserved`
    /// or under it.
    mutating func absolutePath(
        _ field: Field, default fallback: String?, reserved: [String], allowRoot: Bool = false
    ) -> String? {
        guard let path = string(field, default: fallback) else { return nil }
        let components = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
        let problem: ProfileError.Kind? =
            if path.utf8.contains(0) {
                .containsNUL
            } else if !path.hasPrefix("/") {
                .notAbsolutePath
            } else if path.utf8.count >= Int(PATH_MAX) {
                .pathTooLong
            } else if components.contains(where: { $0.elementsEqual("..".utf8) }) {
                .pathWithDotDot
            } else if path == "/" {
                allowRoot ? nil : .rootPath
            } else if components.contains(where: { $0.isEmpty || $0.elementsEqual(".".utf8) }) {
                .unnormalizedPath
            } else if let root = reserved.first(where: { isSameOrUnder(path, $0) }) {
                .reservedPath(root)
            } else {
                nil
            }
        if let problem {
            fail(field.path, problem)
            return nil
        }
        return path
    }

    /// Where a symlink points: relative or absolute, resolved inside the sandbox's root.
    mutating func symlinkDestination(_ field: Field) -> String? {
        guard let destination = string(field, default: nil) else { return nil }
        if destination.isEmpty {
            fail(field.path, .empty)
            return nil
        }
        if destination.utf8.contains(0) {
            fail(field.path, .containsNUL)
            return nil
        }
        return destination
    }

    // MARK: Typed reads

    /// The default of an absent key, or a `required` error when it has none.
    mutating func absent<Value>(_ field: Field, default fallback: Value?) -> Value? {
        if fallback == nil { fail(field.path, .required) }
        return fallback
    }

    /// The object's members, after reporting every key not in `keys`.
    mutating func members<Keys: Collection<String>>(_ field: Field, keys: Keys) -> Members? {
        guard let value = field.value else { return absent(field, default: nil) }
        guard case .object(let values) = value else {
            fail(field.path, .wrongType(expected: .object, got: value))
            return nil
        }
        let members = Members(path: field.path, values: values)
        for key in utf8Sorted(values.keys.filter { !keys.contains($0) }) {
            fail(members[key].path, .unknownKey)
        }
        return members
    }

    /// The elements of an array, each as a field with its indexed path.
    mutating func elements(_ field: Field, _ value: JSONValue) -> [Field]? {
        guard case .array(let values) = value else {
            fail(field.path, .wrongType(expected: .array, got: value))
            return nil
        }
        let path = field.path
        return values.enumerated().map { Field(parentPath: path, step: .index($0.offset), value: $0.element) }
    }

    /// The strings of a list that stands for a set. A repeated entry is refused: it is a mistake, and
    /// it would change the profile's sha256 without changing the sandbox. Returns the good entries
    /// even when some are bad, so that callers can check those too; nil only when `value` is not an
    /// array.
    mutating func uniqueStrings(_ field: Field, _ value: JSONValue) -> [(field: Field, string: String)]? {
        guard let elements = elements(field, value) else { return nil }
        var seen: Set<String> = []
        var entries: [(field: Field, string: String)] = []
        for element in elements {
            guard let string = string(element, default: nil) else { continue }
            if seen.insert(string).inserted {
                entries.append((element, string))
            } else {
                fail(element.path, .duplicateEntry(string))
            }
        }
        return entries
    }

    mutating func string(_ field: Field, default fallback: String?) -> String? {
        guard let value = field.value else { return absent(field, default: fallback) }
        guard case .string(let string) = value else {
            fail(field.path, .wrongType(expected: .string, got: value))
            return nil
        }
        return string
    }

    mutating func bool(_ field: Field, default fallback: Bool?) -> Bool? {
        guard let value = field.value else { return absent(field, default: fallback) }
        guard case .bool(let flag) = value else {
            fail(field.path, .wrongType(expected: .boolean, got: value))
            return nil
        }
        return flag
    }

    /// An integer in `range`. Integers must be written as such: `512.0` or `5e2` is not one.
    mutating func integer(_ field: Field, in range: ClosedRange<UInt64>, default fallback: UInt64?) -> UInt64? {
        guard let value = field.value else { return absent(field, default: fallback) }
        guard let integer = value.uint64Value, range.contains(integer) else {
            fail(field.path, .integerOutOfRange(range, got: value))
            return nil
        }
        return integer
    }

    mutating func int(_ field: Field, in range: ClosedRange<Int>, default fallback: Int?) -> Int? {
        let range = UInt64(range.lowerBound) ... UInt64(range.upperBound)
        return integer(field, in: range, default: fallback.map(UInt64.init)).map(Int.init)
    }

    /// One of the words a closed set accepts, such as an action or a network mode.
    mutating func choice<Choice: RawRepresentable<String> & CaseIterable>(
        _ field: Field, default fallback: Choice?
    ) -> Choice? {
        guard let word = string(field, default: fallback?.rawValue) else { return nil }
        guard let choice = Choice(rawValue: word) else {
            fail(field.path, .unknownValue(word, allowed: Choice.allCases.map(\.rawValue)))
            return nil
        }
        return choice
    }

    mutating func fail(_ path: String, _ kind: ProfileError.Kind) {
        errors.append(ProfileError(path: path, kind: kind))
    }

    func targetPath(_ mount: Field) -> String {
        "\(mount.path).target"
    }
}

/// The three kinds of mount, each with the keys it accepts.
private enum MountType: String, CaseIterable {
    case bind, tmpfs, symlink

    var keys: Set<String> {
        switch self {
        case .bind: Self.bindKeys
        case .tmpfs: Self.tmpfsKeys
        case .symlink: Self.symlinkKeys
        }
    }

    private static let bindKeys: Set<String> = ["type", "source", "target", "writable", "optional"]
    private static let tmpfsKeys: Set<String> = ["type", "target", "size_mb"]
    private static let symlinkKeys: Set<String> = ["type", "target", "to"]
    static let allKeys = bindKeys.union(tmpfsKeys).union(symlinkKeys)
}

/// The violation kinds a seccomp rule may report; the model keeps the kind as a string.
private enum ReportKind: String, CaseIterable {
    case syscallDenied = "syscall_denied"
    case networkProtocolDenied = "network_protocol_denied"
    case namespaceDenied = "namespace_denied"
    /// A setuid/setgid bit refused on a file the tool creates or changes (chmod family, open with
    /// O_CREAT or O_TMPFILE, mknod): such a file would run with its owner's rights for a host user.
    case privilegeBitDenied = "privilege_bit_denied"
}

private func isSameOrUnder(_ path: String, _ ancestor: String) -> Bool {
    path == ancestor || isStrictlyUnder(path, ancestor)
}

private func isStrictlyUnder(_ path: String, _ ancestor: String) -> Bool {
    path.hasPrefix(ancestor + "/")
}

private func overlaps(_ first: String, _ second: String) -> Bool {
    isSameOrUnder(first, second) || isStrictlyUnder(second, first)
}

/// A portable variable name (and a key that needs no quoting in a path): a letter or `_`, then
/// letters, digits or `_`.
private func isVariableName(_ name: some Collection<UInt8>) -> Bool {
    guard let first = name.first, first == UInt8(ascii: "_") || first.isASCIILetter else { return false }
    return name.allSatisfy { $0 == UInt8(ascii: "_") || $0.isASCIILetter || $0.isASCIIDigit }
}

extension UInt8 {
    fileprivate var isASCIILowercase: Bool { (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(self) }
    fileprivate var isASCIILetter: Bool { isASCIILowercase || (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains(self) }
    fileprivate var isASCIIDigit: Bool { (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(self) }
}
