import Foundation
import Sandbox
import Testing

/// The `path: reason` lines `ProfileDecoder` reports for `text`; fails the test if it decodes.
private func problems(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    do {
        let profile = try ProfileDecoder.decode(text: text)
        Issue.record("decoded as profile '\(profile.name)', expected errors", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// A profile whose one seccomp rule, on `bpf`, has the conditions `args` (a JSON list's contents).
private func profile(withConditions args: String) -> String {
    #"{"name": "p", "seccomp": {"rules": [{"syscalls": ["bpf"], "args": [\#(args)]}]}}"#
}

/// The built-in default profile; every other profile takes its omitted keys from it.
private func builtinDefault() throws -> Profile {
    try ProfileDecoder.decode(text: BuiltinProfiles.default)
}

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct BuiltinProfileTests {
    @Test(arguments: ["default", "strict", "build"])
    func builtinProfileDecodesUnderItsOwnName(name: String) throws {
        let profile = try ProfileDecoder.decode(text: try #require(BuiltinProfiles.byName[name]))
        #expect(profile.name == name)
        #expect(profile.network.mode == .none)
        #expect(profile.allowedDowngrades.isEmpty)
    }

    @Test(arguments: ["default", "strict", "build"])
    func builtinProfileSpellsOutEveryKeyOfItsEffectiveForm(name: String) throws {
        let text = try #require(BuiltinProfiles.byName[name])
        #expect(try JSONParser.parse(text) == ProfileDecoder.decode(text: text).canonicalJSON)
    }

    @Test(arguments: ["default", "strict", "build"])
    func embeddedTextIsByteIdenticalToTheProfileFile(name: String) throws {
        let file = try Data(contentsOf: repositoryRoot.appendingPathComponent("profiles/\(name).json"))
        let embedded = try #require(BuiltinProfiles.byName[name])
        // Compared by digest: on a mismatch, two 8 KB byte arrays in the report would help nobody.
        #expect(SHA256.hexDigest(file) == SHA256.hexDigest(embedded.utf8), "run scripts/generate-builtin-profiles")
    }

    @Test func everyProfileFileIsEmbedded() throws {
        let directory = repositoryRoot.appendingPathComponent("profiles").path
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        let names = files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }
        #expect(Set(names) == Set(BuiltinProfiles.byName.keys))
    }

    @Test func exampleInTheSchemaDocumentIsAValidProfile() throws {
        let schema = repositoryRoot.appendingPathComponent("docs/profiles.md")
        let document = try String(contentsOf: schema, encoding: .utf8)
        let fence = String(repeating: "`", count: 3)
        let blocks = document.components(separatedBy: fence + "json\n").dropFirst()
        #expect(blocks.count == 1)
        let example = try #require(blocks.first?.components(separatedBy: fence).first)
        #expect(try ProfileDecoder.decode(text: example).name == "ci-tests")
    }

    @Test func strictProfileHasTheTightLimits() throws {
        let strict = try ProfileResolver.resolve(nameOrPath: "strict")
        #expect(strict.limits == Profile.Limits(
            timeoutMs: 10000, memoryMB: 256, maxProcs: 32, fileSizeMB: 16, cpuSeconds: 10, maxOutputBytes: 262_144,
            maxOpenFiles: 1024))
        #expect(strict.filesystem.tmpSizeMB == 16)
        #expect(strict.filesystem.workspaceWritable)
    }

    @Test func buildProfileAddsAnOptionalReadOnlyOpt() throws {
        let build = try ProfileResolver.resolve(nameOrPath: "build")
        let defaults = try builtinDefault()
        #expect(build.filesystem.mounts == defaults.filesystem.mounts + [
            .bind(source: "/opt", target: "/opt", writable: false, optional: true),
        ])
        #expect(build.limits.memoryMB == 4096)
        #expect(build.limits.timeoutMs == 600_000)
        #expect(build.seccomp == defaults.seccomp)
    }

    @Test func defaultMountsExposeNoPrivateHostPaths() throws {
        let targets = try builtinDefault().filesystem.mounts.map(\.target)
        for hidden in ["/etc/shadow", "/root", "/home", "/run", "/var"] {
            #expect(!targets.contains(hidden))
        }
    }

    @Test func sharedRulesDenyNamespaceFlagsOfCloneOneBitPerRule() throws {
        let cloneRules = try builtinDefault().seccomp.rules.filter { $0.syscalls == ["clone"] }
        let bits = cloneRules.map { $0.args.map(\.mask) }
        #expect(bits.flatMap { $0 }.reduce(0, |) == 0x7E02_0000)
        #expect(cloneRules.allSatisfy { $0.reportKind == "namespace_denied" && $0.args.count == 1 })
        #expect(cloneRules.allSatisfy { $0.args[0].op == .maskedEq && $0.args[0].value == $0.args[0].mask })
    }
}

struct ProfileDefaultsTests {
    @Test func profileWithOnlyANameTakesEverythingElseFromTheDefaultProfile() throws {
        var expected = try builtinDefault()
        expected.name = "mine"
        expected.description = ""
        #expect(try ProfileDecoder.decode(text: #"{"name": "mine"}"#) == expected)
    }

    @Test func aPartialSectionKeepsTheDefaultsOfItsOtherKeys() throws {
        let profile = try ProfileDecoder.decode(text: #"{"name": "p", "limits": {"memory_mb": 1024}}"#)
        var expected = try builtinDefault().limits
        expected.memoryMB = 1024
        #expect(profile.limits == expected)
    }

    @Test func listElementKeysHaveFixedDefaults() throws {
        let profile = try ProfileDecoder.decode(text: #"""
            {"name": "p",
             "filesystem": {"mounts": [{"type": "bind", "source": "/usr", "target": "/usr"},
                                       {"type": "tmpfs", "target": "/run"}]},
             "seccomp": {"rules": [{"syscalls": ["ptrace"]}]}}
            """#)
        #expect(profile.filesystem.mounts == [
            .bind(source: "/usr", target: "/usr", writable: false, optional: false), .tmpfs(target: "/run", sizeMB: 16),
        ])
        #expect(profile.seccomp.rules == [
            Profile.SeccompRule(
                syscalls: ["ptrace"], action: .deny, errno: "EPERM", args: [], reportKind: "syscall_denied"),
        ])
    }

    @Test func argumentConditionsUseAll64Bits() throws {
        let profile = try ProfileDecoder.decode(text: #"""
            {"name": "p", "seccomp": {"rules": [{"syscalls": ["ioctl"],
              "args": [{"index": 1, "op": "masked_eq", "mask": 18446744073709551615, "value": 18446744073709551615}]}]}}
            """#)
        #expect(profile.seccomp.rules[0].args == [
            Profile.ArgCondition(index: 1, op: .maskedEq, value: UInt64.max, mask: UInt64.max),
        ])
    }
}

struct ProfileErrorTests {
    @Test func nameIsRequired() {
        #expect(problems("{}") == ["$.name: required"])
    }

    @Test func nameMustBeLowercaseWordCharacters() {
        let invalid = "$.name: must be 1 to 64 characters from a-z, 0-9, '_' and '-'"
        #expect(problems(#"{"name": "My Profile"}"#) == [invalid])
        #expect(problems(#"{"name": ""}"#) == [invalid])
        #expect(problems(#"{"name": "\#(String(repeating: "a", count: 65))"}"#) == [invalid])
    }

    @Test func unknownKeyAtTopLevel() {
        #expect(problems(#"{"name": "p", "nmae": "p"}"#) == ["$.nmae: unknown key"])
    }

    @Test func unknownKeysNestedAtEveryLevel() {
        let text = #"""
            {"name": "p", "limits": {"memry_mb": 1},
             "filesystem": {"workspace": {"path": "/w", "ro": true},
                            "mounts": [{"type": "tmpfs", "target": "/run", "mode": "0755"}]},
             "seccomp": {"rules": [{"syscalls": ["ptrace"], "args": [{"index": 0, "op": "eq", "value": 1, "x": 1}]}]}}
            """#
        #expect(problems(text) == [
            "$.filesystem.workspace.ro: unknown key",
            "$.filesystem.mounts[0].mode: unknown key",
            "$.seccomp.rules[0].args[0].x: unknown key",
            "$.limits.memry_mb: unknown key",
        ])
    }

    @Test func wrongTypesNameWhatWasExpectedAndWhatCame() {
        let text = #"""
            {"name": "p", "description": 7, "network": {"mode": true}, "filesystem": [],
             "limits": {"memory_mb": "512"}, "identity": {"hostname": null}}
            """#
        #expect(problems(text) == [
            "$.description: expected a string, got 7",
            "$.filesystem: expected an object, got an array",
            "$.network.mode: expected a string, got true",
            "$.limits.memory_mb: expected an integer between 8 and 1048576, got a string",
            "$.identity.hostname: expected a string, got null",
        ])
    }

    @Test func outOfRangeIntegersQuoteTheRange() {
        let text = #"""
            {"name": "p", "limits": {"memory_mb": -3, "timeout_ms": 0, "max_open_files": 512.0},
             "identity": {"host_uid": 0}, "filesystem": {"tmp_size_mb": 65537}}
            """#
        #expect(problems(text) == [
            "$.filesystem.tmp_size_mb: expected an integer between 0 and 65536, got 65537",
            "$.limits.timeout_ms: expected an integer between 1 and 86400000, got 0",
            "$.limits.memory_mb: expected an integer between 8 and 1048576, got -3",
            "$.limits.max_open_files: expected an integer between 16 and 1048576, got 512.0",
            "$.identity.host_uid: expected an integer between 1 and 4294967294, got 0",
        ])
    }

    @Test func relativeMountTarget() {
        let text = #"{"name": "p", "filesystem": {"mounts": [{"type": "tmpfs", "target": "run"}]}}"#
        #expect(problems(text) == ["$.filesystem.mounts[0].target: must be an absolute path"])
    }

    @Test func dotDotInAnyPath() {
        let text = #"""
            {"name": "p", "filesystem": {"workspace": {"path": "/srv/../etc"},
             "mounts": [{"type": "bind", "source": "/usr/../etc", "target": "/usr"}]}}
            """#
        #expect(problems(text) == [
            "$.filesystem.workspace.path: must be an absolute path without '..'",
            "$.filesystem.mounts[0].source: must be an absolute path without '..'",
        ])
    }

    @Test(arguments: ["/usr//lib", "/usr/", "/./usr", "/usr/."])
    func unnormalizedMountTarget(target: String) {
        let text = #"{"name": "p", "filesystem": {"mounts": [{"type": "tmpfs", "target": "\#(target)"}]}}"#
        #expect(problems(text) == [
            "$.filesystem.mounts[0].target: must be a normalized path (no '.' component, '//' or trailing '/')",
        ])
    }

    @Test func mountTargetsUnderProcOrDevOrAtTheRootAreRefused() {
        let text = #"""
            {"name": "p", "filesystem": {"mounts": [
              {"type": "tmpfs", "target": "/proc/sys"}, {"type": "tmpfs", "target": "/dev"},
              {"type": "tmpfs", "target": "/"}, {"type": "tmpfs", "target": "/devices"}]}}
            """#
        #expect(problems(text) == [
            "$.filesystem.mounts[0].target: must not be /proc or under it",
            "$.filesystem.mounts[1].target: must not be /dev or under it",
            "$.filesystem.mounts[2].target: must not be '/'",
        ])
    }

    @Test func workspaceMustNotBeTheRootOrUnderTmp() {
        #expect(problems(#"{"name": "p", "filesystem": {"workspace": {"path": "/tmp/w"}}}"#) == [
            "$.filesystem.workspace.path: must not be /tmp or under it",
        ])
        #expect(problems(#"{"name": "p", "filesystem": {"workspace": {"path": "/"}}}"#) == [
            "$.filesystem.workspace.path: must not be '/'",
        ])
    }

    @Test func duplicateMountTarget() {
        let text = #"""
            {"name": "p", "filesystem": {"mounts": [
              {"type": "bind", "source": "/usr", "target": "/usr"}, {"type": "tmpfs", "target": "/run"},
              {"type": "tmpfs", "target": "/usr"}]}}
            """#
        #expect(problems(text) == [
            "$.filesystem.mounts[2].target: duplicate mount target, first used at $.filesystem.mounts[0].target",
        ])
    }

    @Test func mountAtUnderOrAboveTheWorkspace() {
        let text = #"""
            {"name": "p", "filesystem": {"workspace": {"path": "/srv/project"}, "mounts": [
              {"type": "tmpfs", "target": "/srv"}, {"type": "tmpfs", "target": "/srv/project"},
              {"type": "tmpfs", "target": "/srv/project/.git"}, {"type": "tmpfs", "target": "/srv/projects"}]}}
            """#
        #expect(problems(text) == [
            "$.filesystem.mounts[0].target: overlaps the workspace at /srv/project",
            "$.filesystem.mounts[1].target: overlaps the workspace at /srv/project",
            "$.filesystem.mounts[2].target: overlaps the workspace at /srv/project",
        ])
    }

    @Test func workspaceMovedUnderADefaultMountIsReportedAtTheWorkspace() {
        #expect(problems(#"{"name": "p", "filesystem": {"workspace": {"path": "/usr/src"}}}"#) == [
            "$.filesystem.workspace.path: overlaps the default mount at /usr",
        ])
    }

    @Test func mountThroughASymlinkTheProfileCreates() {
        let text = #"""
            {"name": "p", "filesystem": {"mounts": [
              {"type": "symlink", "target": "/bin", "to": "usr/bin"}, {"type": "tmpfs", "target": "/bin/x"}]}}
            """#
        #expect(problems(text) == ["$.filesystem.mounts[1].target: is under the symlink at /bin"])
    }

    @Test func mountAtOrUnderTmpWhileTheTmpTmpfsIsOn() {
        let text = #"""
            {"name": "p", "filesystem": {"tmp_size_mb": 8, "mounts": [
              {"type": "tmpfs", "target": "/tmp"}, {"type": "tmpfs", "target": "/tmp/cache"},
              {"type": "tmpfs", "target": "/tmpfiles"}]}}
            """#
        let conflict = "conflicts with the /tmp tmpfs; set filesystem.tmp_size_mb to 0 to mount your own"
        #expect(problems(text) == [
            "$.filesystem.mounts[0].target: \(conflict)", "$.filesystem.mounts[1].target: \(conflict)",
        ])
        let withoutTmpfs = #"""
            {"name": "p", "filesystem": {"tmp_size_mb": 0, "mounts": [{"type": "tmpfs", "target": "/tmp"}]}}
            """#
        #expect(throws: Never.self) { try ProfileDecoder.decode(text: withoutTmpfs) }
    }

    @Test func aBindBelowTmpIsMountedAfterTheTmpfsAndAllowed() {
        let text = #"""
            {"name": "p", "filesystem": {"tmp_size_mb": 8, "mounts": [
              {"type": "bind", "source": "/usr", "target": "/tmp/shared/usr"},
              {"type": "bind", "source": "/usr", "target": "/tmp"}]}}
            """#
        #expect(problems(text) == [
            "$.filesystem.mounts[1].target: conflicts with the /tmp tmpfs; set filesystem.tmp_size_mb to 0 to mount your own",
        ])
    }

    @Test func keysOfAnotherMountTypeAndMissingRequiredKeys() {
        let text = #"""
            {"name": "p", "filesystem": {"mounts": [
              {"type": "tmpfs", "target": "/run", "source": "/run", "writable": true},
              {"type": "symlink", "target": "/bin"}, {"type": "nfs", "target": "/n"}, {"target": "/m"},
              {"type": "tmpfs", "target": "/t", "size_mb": 0}]}}
            """#
        #expect(problems(text) == [
            "$.filesystem.mounts[0].source: not allowed in a tmpfs mount",
            "$.filesystem.mounts[0].writable: not allowed in a tmpfs mount",
            "$.filesystem.mounts[1].to: required",
            "$.filesystem.mounts[2].type: unknown value 'nfs'; expected one of: bind, tmpfs, symlink",
            "$.filesystem.mounts[3].type: required",
            "$.filesystem.mounts[4].size_mb: expected an integer between 1 and 65536, got 0",
        ])
    }

    @Test func unknownSyscall() {
        let text = #"{"name": "p", "seccomp": {"rules": [{"syscalls": ["ptrace", "foo"]}]}}"#
        #expect(problems(text) == ["$.seccomp.rules[0].syscalls[1]: unknown syscall 'foo'"])
    }

    @Test func duplicateSyscallInOneRule() {
        let text = #"{"name": "p", "seccomp": {"rules": [{"syscalls": ["ptrace", "bpf", "ptrace"]}]}}"#
        #expect(problems(text) == ["$.seccomp.rules[0].syscalls[2]: duplicate entry 'ptrace'"])
    }

    @Test func unknownErrno() {
        let text = #"{"name": "p", "seccomp": {"rules": [{"syscalls": ["bpf"], "errno": "EFOO"}]}}"#
        #expect(problems(text) == ["$.seccomp.rules[0].errno: unknown errno name 'EFOO'"])
    }

    @Test func unknownActionAndReportKind() {
        let text = #"""
            {"name": "p", "seccomp": {"rules": [{"syscalls": ["bpf"], "action": "explode", "report_kind": "x"}]}}
            """#
        #expect(problems(text) == [
            "$.seccomp.rules[0].action: unknown value 'explode'; expected one of: deny, deny_silently, kill",
            "$.seccomp.rules[0].report_kind: unknown value 'x'; "
                + "expected one of: syscall_denied, network_protocol_denied, namespace_denied, privilege_bit_denied",
        ])
    }

    @Test func emptySyscallsList() {
        let text = #"{"name": "p", "seccomp": {"rules": [{"syscalls": []}, {"action": "kill"}]}}"#
        #expect(problems(text) == [
            "$.seccomp.rules[0].syscalls: must not be empty", "$.seccomp.rules[1].syscalls: required",
        ])
    }

    @Test func argumentIndexOutsideZeroToFive() {
        let text = profile(withConditions: #"{"index": 6, "op": "eq", "value": 0}"#)
        #expect(problems(text) == ["$.seccomp.rules[0].args[0].index: expected an integer between 0 and 5, got 6"])
    }

    @Test func maskedEqWithoutMask() {
        let text = profile(withConditions: #"{"index": 0, "op": "masked_eq", "value": 1}"#)
        #expect(problems(text) == ["$.seccomp.rules[0].args[0].mask: required when op is masked_eq"])
    }

    @Test func maskWithAnotherOp() {
        let text = profile(withConditions: #"{"index": 0, "op": "eq", "value": 1, "mask": 1}"#)
        #expect(problems(text) == ["$.seccomp.rules[0].args[0].mask: only allowed when op is masked_eq"])
    }

    @Test func maskedValueWithBitsOutsideTheMaskCanNeverMatch() {
        let text = profile(withConditions: #"{"index": 0, "op": "masked_eq", "value": 3, "mask": 1}"#)
        #expect(problems(text) == [
            "$.seccomp.rules[0].args[0].value: has bits outside mask, so the condition never holds",
        ])
    }

    @Test func aRuleComparingOneArgumentTwiceCannotBeCompiled() {
        let text = profile(withConditions: #"""
            {"index": 0, "op": "ne", "value": 1}, {"index": 1, "op": "eq", "value": 1},
            {"index": 0, "op": "ne", "value": 2}
            """#)
        #expect(problems(text) == [
            "$.seccomp.rules[0].args[2].index: compares argument 0 again (first at $.seccomp.rules[0].args[0]); "
                + "a rule may compare each argument once",
        ])
    }

    @Test func argumentValuesAreUnsigned64BitIntegers() {
        let text = profile(withConditions: #"""
            {"index": 0, "op": "lt", "value": -1}, {"index": 1, "op": "gt", "value": 18446744073709551616}
            """#)
        #expect(problems(text) == [
            "$.seccomp.rules[0].args[0].value: expected an integer between 0 and 18446744073709551615, got -1",
            "$.seccomp.rules[0].args[1].value: expected an integer between 0 and 18446744073709551615, "
                + "got 1.8446744073709552e+19",
        ])
    }

    @Test func environmentNamesAndPatterns() {
        let text = #"""
            {"name": "p", "environment": {"set": {"MY-VAR": "x", "OK": 1}, "allow": ["TERM", "*", "LC_*", "TERM"]}}
            """#
        #expect(problems(text) == [
            #"$.environment.set["MY-VAR"]: must be a variable name: a letter or '_', then letters, digits or '_'"#,
            "$.environment.set.OK: expected a string, got 1",
            "$.environment.allow[3]: duplicate entry 'TERM'",
            "$.environment.allow[1]: must be a variable name, optionally ending in '*'",
        ])
    }

    @Test func unknownAndRepeatedDowngrades() {
        let text = #"{"name": "p", "allow_downgrades": ["pids_cgroup", "no_seccomp", "pids_cgroup"]}"#
        #expect(problems(text) == [
            "$.allow_downgrades[2]: duplicate entry 'pids_cgroup'",
            "$.allow_downgrades[1]: unknown value 'no_seccomp'; "
                + "expected one of: memory_cgroup, pids_cgroup, seccomp_notify, idmapped_mount, trap_reports, disk_quota",
        ])
    }

    @Test func invalidHostname() {
        #expect(problems(#"{"name": "p", "identity": {"hostname": "my_box"}}"#) == [
            "$.identity.hostname: must be 1 to 64 characters from a-z, A-Z, 0-9, '-' and '.'",
        ])
    }

    /// 0 turns per-sandbox uids off; any other base must leave room, above the 16-bit ids and
    /// below (uid_t)-1, for every offset a user namespace's inode can give.
    @Test func perSandboxUIDBase() throws {
        #expect(try ProfileDecoder.decode(text: #"{"name": "p", "identity": {"per_sandbox_uid_base": 0}}"#).identity.sandboxUIDBase == 0)
        #expect(try ProfileDecoder.decode(text: #"{"name": "p", "identity": {"per_sandbox_uid_base": 65536}}"#).identity.sandboxUIDBase == 65536)
        #expect(try ProfileDecoder.decode(text: #"{"name": "p", "identity": {"per_sandbox_uid_base": 4026531839}}"#).identity.sandboxUIDBase == 4_026_531_839)
        #expect(try ProfileDecoder.decode(text: #"{"name": "p"}"#).identity.sandboxUIDBase == 1_879_048_192)
        let reason =
            "expected 0 (off) or an integer between 65536 and 4026531839, so that base + any offset (up to 268435456) "
            + "is a host uid"
        for (value, got) in [("1000", "1000"), ("4026531840", "4026531840"), ("-1", "-1"), ("\"auto\"", "a string")] {
            #expect(problems(#"{"name": "p", "identity": {"per_sandbox_uid_base": \#(value)}}"#) == [
                "$.identity.per_sandbox_uid_base: \(reason); got \(got)"
            ])
        }
    }

    @Test func everyErrorIsReportedNotJustTheFirst() {
        let text = #"""
            {"name": "p", "network": {"mode": "bridge"}, "limits": {"max_procs": 0},
             "seccomp": {"rules": [{"syscalls": ["fork2"]}]}}
            """#
        #expect(problems(text) == [
            "$.network.mode: unknown value 'bridge'; expected one of: none, host",
            "$.seccomp.rules[0].syscalls[0]: unknown syscall 'fork2'",
            "$.limits.max_procs: expected an integer between 1 and 65536, got 0",
        ])
    }

    @Test func invalidJSONIsOneErrorAtTheRootWithLineAndColumn() {
        #expect(problems("{\"name\": \"p\",\n  \"limits\": {,}}") == [
            "$: invalid JSON at line 2, column 14: expected a string key, found ','",
        ])
        #expect(problems(#"{"name": "p", "name": "q"}"#) == [
            #"$: invalid JSON at line 1, column 15: duplicate key "name""#,
        ])
    }

    @Test func errorsCarryAKindCodeCanMatch() {
        do {
            _ = try ProfileDecoder.decode(text: #"{"name": "p", "limits": {"memory_mb": 4}}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.errors == [
                ProfileError(path: "$.limits.memory_mb", kind: .integerOutOfRange(8 ... 1_048_576, got: 4)),
            ])
        }
    }
}

struct ProfileCanonicalFormTests {
    @Test(arguments: ["default", "strict", "build"])
    func canonicalJSONDecodesBackToTheSameProfile(name: String) throws {
        let profile = try ProfileResolver.resolve(nameOrPath: name)
        #expect(try ProfileDecoder.decode(text: JSONWriter.text(profile.canonicalJSON)) == profile)
    }

    @Test func canonicalTextSortsKeysAndHasNoWhitespace() throws {
        let text = JSONWriter.text(try builtinDefault().canonicalJSON, style: .canonical)
        #expect(text.hasPrefix(#"{"allow_downgrades":[],"description":"#))
        #expect(text.contains(#""identity":{"host_gid":65534,"host_uid":65534,"hostname":"jcs-sandbox","per_sandbox_uid_base":1879048192}"#))
        #expect(text.contains(#"{"index":1,"mask":4294967295,"op":"masked_eq","value":21522}"#))
        #expect(!text.contains(" \""))
    }

    @Test func maskAppearsOnlyInMaskedEqConditions() throws {
        let conditions = try builtinDefault().canonicalJSON["seccomp"]?["rules"]?.arrayValue?
            .flatMap { $0["args"]?.arrayValue ?? [] } ?? []
        #expect(!conditions.isEmpty)
        for condition in conditions {
            #expect((condition["mask"] != nil) == (condition["op"] == "masked_eq"))
        }
    }

    @Test func sha256IsStableAcrossKeyOrderWhitespaceAndSpelledOutDefaults() throws {
        let compact = #"{"name":"p","limits":{"memory_mb":1024,"max_procs":64}}"#
        let reordered = """
            {
              "limits" : { "max_procs" : 64 ,
                           "memory_mb" : 1024 },
              "name" : "p"
            }
            """
        let withDefaultsSpelledOut = #"""
            {"name": "p", "description": "", "network": {"mode": "none"}, "allow_downgrades": [],
             "limits": {"memory_mb": 1024, "max_procs": 64, "timeout_ms": 30000}}
            """#
        let sha = try ProfileDecoder.decode(text: compact).sha256
        #expect(sha.count == 64)
        #expect(try ProfileDecoder.decode(text: reordered).sha256 == sha)
        #expect(try ProfileDecoder.decode(text: withDefaultsSpelledOut).sha256 == sha)
    }

    @Test func sha256IsTheDigestOfTheCanonicalText() throws {
        let profile = try builtinDefault()
        #expect(profile.sha256 == SHA256.hexDigest(JSONWriter.text(profile.canonicalJSON, style: .canonical).utf8))
    }

    @Test func sha256ChangesWhenAnyEffectiveValueChanges() throws {
        let variants = [
            #"{"name": "p"}"#,
            #"{"name": "q"}"#,
            #"{"name": "p", "description": "x"}"#,
            #"{"name": "p", "limits": {"memory_mb": 513}}"#,
            #"{"name": "p", "limits": {"max_output_bytes": 0}}"#,
            #"{"name": "p", "network": {"mode": "host"}}"#,
            #"{"name": "p", "filesystem": {"tmp_size_mb": 0}}"#,
            #"{"name": "p", "filesystem": {"workspace": {"writable": false}}}"#,
            #"{"name": "p", "filesystem": {"workspace": {"path": "/src"}}}"#,
            #"{"name": "p", "filesystem": {"mounts": []}}"#,
            #"{"name": "p", "seccomp": {"rules": []}}"#,
            #"{"name": "p", "seccomp": {"rules": [{"syscalls": ["bpf"]}]}}"#,
            #"{"name": "p", "seccomp": {"rules": [{"syscalls": ["bpf"], "errno": "EACCES"}]}}"#,
            #"{"name": "p", "seccomp": {"rules": [{"syscalls": ["bpf"], "action": "kill"}]}}"#,
            #"{"name": "p", "environment": {"allow": []}}"#,
            #"{"name": "p", "environment": {"set": {}}}"#,
            #"{"name": "p", "identity": {"host_uid": 1000}}"#,
            #"{"name": "p", "identity": {"hostname": "box"}}"#,
            #"{"name": "p", "identity": {"per_sandbox_uid_base": 0}}"#,
            #"{"name": "p", "allow_downgrades": ["pids_cgroup"]}"#,
        ]
        let hashes = try variants.map { try ProfileDecoder.decode(text: $0).sha256 }
        #expect(Set(hashes).count == variants.count)
    }
}

struct ProfileLoadingTests {
    /// Writes `contents` to a fresh file and returns its path.
    private func temporaryFile(_ contents: [UInt8], name: String = "profile.json") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jcs-profile-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(name)
        try Data(contents).write(to: file)
        return file.path
    }

    @Test func loadsAProfileFile() throws {
        let path = try temporaryFile(Array(BuiltinProfiles.strict.utf8))
        #expect(try ProfileDecoder.load(path: path) == ProfileResolver.resolve(nameOrPath: "strict"))
    }

    @Test func missingFileIsUnreadableWithTheSystemsReason() {
        #expect(throws: ProfileLoadError.unreadable(path: "/nonexistent/p.json", errno: ENOENT)) {
            try ProfileDecoder.load(path: "/nonexistent/p.json")
        }
        let error = ProfileLoadError.unreadable(path: "/nonexistent/p.json", errno: ENOENT)
        #expect(error.description == "/nonexistent/p.json: cannot read: No such file or directory")
    }

    @Test func directoryIsUnreadable() {
        #expect(throws: ProfileLoadError.unreadable(path: "/", errno: EISDIR)) { try ProfileDecoder.load(path: "/") }
    }

    @Test func fileLargerThanAMebibyteIsRefusedBeforeParsing() throws {
        let path = try temporaryFile([UInt8](repeating: UInt8(ascii: " "), count: ProfileDecoder.maximumFileSize + 1))
        #expect(throws: ProfileLoadError.tooLarge(path: path, limit: ProfileDecoder.maximumFileSize)) {
            try ProfileDecoder.load(path: path)
        }
    }

    @Test func invalidFileCarriesEveryErrorAndItsPath() throws {
        let path = try temporaryFile(Array(#"{"name": "p", "limits": {"memory_mb": 1, "cpu_seconds": 0}}"#.utf8))
        do {
            _ = try ProfileDecoder.load(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == """
                \(path): $.limits.memory_mb: expected an integer between 8 and 1048576, got 1
                \(path): $.limits.cpu_seconds: expected an integer between 1 and 86400, got 0
                """)
        }
    }

    @Test func resolverTreatsBareNamesAsBuiltinsAndAnythingWithASlashOrJSONSuffixAsAFile() throws {
        #expect(try ProfileResolver.resolve(nameOrPath: "default") == builtinDefault())
        #expect(throws: ProfileLoadError.unknownBuiltin(name: "fast")) {
            try ProfileResolver.resolve(nameOrPath: "fast")
        }
        #expect(throws: ProfileLoadError.unreadable(path: "strict.json", errno: ENOENT)) {
            try ProfileResolver.resolve(nameOrPath: "strict.json")
        }
        #expect(throws: ProfileLoadError.unreadable(path: "./strict", errno: ENOENT)) {
            try ProfileResolver.resolve(nameOrPath: "./strict")
        }
        let path = try temporaryFile(Array(#"{"name": "mine"}"#.utf8), name: "mine")
        #expect(try ProfileResolver.resolve(nameOrPath: path).name == "mine")
    }
}
