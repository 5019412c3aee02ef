extension Profile {
    /// The effective profile as JSON: every key of the file format present, defaults filled in.
    ///
    /// Decoding this value gives back an equal `Profile`, and its canonical text (keys sorted, no
    /// whitespace) is what `sha256` hashes. So two files that differ only in layout, key order or
    /// defaults spelled out have the same hash, and any change to what the sandbox enforces
    /// changes it. List order is kept: it is part of the profile as written.
    public var canonicalJSON: JSONValue {
        [
            "name": .string(name),
            "description": .string(description),
            "filesystem": filesystem.canonicalJSON,
            "network": ["mode": .string(network.mode.rawValue)],
            "seccomp": ["rules": .array(seccomp.rules.map(\.canonicalJSON))],
            "limits": limits.canonicalJSON,
            "environment": [
                "set": .object(environment.set.mapValues(JSONValue.string)),
                "allow": .array(environment.allow.map(JSONValue.string)),
            ],
            "identity": [
                "host_uid": .int(Int64(identity.hostUID)),
                "host_gid": .int(Int64(identity.hostGID)),
                "per_sandbox_uid_base": .int(Int64(identity.sandboxUIDBase)),
                "hostname": .string(identity.hostname),
            ],
            "allow_downgrades": .array(allowedDowngrades.map { .string($0.rawValue) }),
            "traps": [
                "workspace_deny": .array(traps.workspaceDeny.map(JSONValue.string)),
                "workspace_allow": .array(traps.workspaceAllow.map(JSONValue.string)),
                "walk_max_entries": .int(Int64(traps.walkMaxEntries)),
                "walk_max_depth": .int(Int64(traps.walkMaxDepth)),
                "host_secrets": .bool(traps.hostSecrets),
            ],
        ]
    }

    /// The SHA-256 of the canonical text of `canonicalJSON`, in hex: the profile's identity in
    /// reports and logs.
    public var sha256: String {
        SHA256.hexDigest(JSONWriter.bytes(canonicalJSON, style: .canonical))
    }
}

extension Profile.Filesystem {
    fileprivate var canonicalJSON: JSONValue {
        [
            "workspace": [
                "path": .string(workspacePath), "writable": .bool(workspaceWritable),
                "protected_paths": .array(protectedPaths.map { .string($0) }),
            ],
            "mounts": .array(mounts.map(\.canonicalJSON)),
            "tmp_size_mb": .int(Int64(tmpSizeMB)),
        ]
    }
}

extension Profile.Mount {
    fileprivate var canonicalJSON: JSONValue {
        switch self {
        case .bind(let source, let target, let writable, let optional):
            [
                "type": "bind", "source": .string(source), "target": .string(target), "writable": .bool(writable),
                "optional": .bool(optional),
            ]
        case .tmpfs(let target, let sizeMB):
            ["type": "tmpfs", "target": .string(target), "size_mb": .int(Int64(sizeMB))]
        case .symlink(let target, let destination):
            ["type": "symlink", "target": .string(target), "to": .string(destination)]
        }
    }
}

extension Profile.SeccompRule {
    fileprivate var canonicalJSON: JSONValue {
        [
            "syscalls": .array(syscalls.map(JSONValue.string)),
            "action": .string(action.rawValue),
            "errno": .string(errno),
            "args": .array(args.map(\.canonicalJSON)),
            "report_kind": .string(reportKind),
        ]
    }
}

extension Profile.ArgCondition {
    /// `mask` only for `masked_eq`, the one op that reads it (the decoder refuses it elsewhere).
    fileprivate var canonicalJSON: JSONValue {
        var members: [String: JSONValue] = [
            "index": .int(Int64(index)), "op": .string(op.rawValue), "value": .uint(value),
        ]
        if op == .maskedEq { members["mask"] = .uint(mask) }
        return .object(members)
    }
}

extension Profile.Limits {
    fileprivate var canonicalJSON: JSONValue {
        [
            "timeout_ms": .int(Int64(timeoutMs)),
            "memory_mb": .int(Int64(memoryMB)),
            "max_procs": .int(Int64(maxProcs)),
            "file_size_mb": .int(Int64(fileSizeMB)),
            "cpu_seconds": .int(Int64(cpuSeconds)),
            "max_output_bytes": .int(Int64(maxOutputBytes)),
            "max_open_files": .int(Int64(maxOpenFiles)),
            "disk_mb": .int(Int64(diskMB)),
            "disk_inodes": .int(Int64(diskInodes)),
        ]
    }
}
