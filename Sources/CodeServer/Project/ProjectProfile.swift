import Sandbox

/// The sandbox profile a project's tools run with: the profile `sandbox_profile` names, adjusted
/// by the project's options so that the kernel enforces what the options say.
enum ProjectProfile {
    /// - `tool_timeout_ms` becomes the sandbox's timeout: the worker kills the whole pid namespace.
    /// - The output cap is one byte above `tool_max_output_bytes`, so a tool that prints more is
    ///   stopped by the worker (and reported `output_too_large`) instead of being buffered.
    /// - `tool_env_allowlist` entries are added to the profile's allowed variables, so that what the
    ///   policy allows reaches the tool (both use the same `NAME` / `PREFIX*` forms).
    /// - `JCS_PARAM_*` is allowed: commands' scripts get their parameters in these variables.
    ///   Only the gate sets them (`CommandTool`); a caller's own `env` names still need
    ///   `tool_env_allowlist`, which the policy checks before any worker runs.
    /// - `network_egress_policy: deny` forces an empty network namespace whatever the profile
    ///   says: fail closed. With `allow` the profile's own mode stands: `none` (the built-ins) routes
    ///   through the egress proxy; a profile that says `host` gets the host's network, unenforced,
    ///   and the runner's diagnostics say so.
    /// - `sensitive_path_denylist`/`allowlist` become the workspace masks: what the policy refuses
    ///   to `fs.*` is hidden behind a reporting trap in every sandbox (`shell.run cat .env` too).
    static func effective(_ base: Profile, options: RuntimeOptions) -> Profile {
        var profile = base
        profile.traps.workspaceDeny = options.sensitivePathDenylist.map(\.pattern)
        profile.traps.workspaceAllow = options.sensitivePathAllowlist.map(\.pattern)
        profile.limits.timeoutMs = options.toolTimeoutMs
        profile.limits.maxOutputBytes = min(options.toolMaxOutputBytes, 1_073_741_823) + 1
        for pattern in options.toolEnvAllowlist where !profile.environment.allow.contains(pattern.text) {
            profile.environment.allow.append(pattern.text)
        }
        let parameters = CommandDefinition.parameterPrefix + "*"
        if !profile.environment.allow.contains(parameters) { profile.environment.allow.append(parameters) }
        if options.networkEgressPolicy == .deny { profile.network.mode = .none }
        profile.filesystem.protectedPaths = protectedPaths(base.filesystem.protectedPaths, options: options)
        profile.filesystem.mounts += exceptionMounts(options.outsideRootAllowlist)
        return profile
    }

    /// `outside_root_allowlist` entries bound into the sandbox at their own paths, so a path the
    /// policy let through (and recorded as `security.sandbox_exception_used`) is there when the
    /// tool opens it: read-only unless the entry says `writable`. Optional: an entry whose path
    /// is missing on the host is skipped rather than making every sandbox fail to build.
    static func exceptionMounts(_ entries: [OutsideRootEntry]) -> [Profile.Mount] {
        var seen: Set<String> = []
        return entries.compactMap { entry in
            guard let path = entry.bindPath, seen.insert(path).inserted else { return nil }
            return .bind(source: path, target: path, writable: entry.writable, optional: true)
        }
    }

    /// The protected paths the sandbox must mount read-only for this project: the profile's list
    /// minus the entries `protected_path_exceptions` lifts, so a lifted entry is writable by
    /// `shell.run` too, not by `fs.write` alone.
    static func protectedPaths(_ entries: [String], options: RuntimeOptions) -> [String] {
        ProtectedPaths.effective(entries, lifting: options.protectedPathExceptions)
    }
}
