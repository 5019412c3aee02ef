#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Extended attributes a tool leaves on the project's files. `trusted.*` and
/// `security.capability` were refused already (capabilities), but without an LSM that claims
/// them, `security.*` attributes were any owner's to set: a tool labelled a project file
/// `security.selinux` on the host (and could have set a Smack exec label or an IMA hash), which a
/// host that later loads that LSM trusts. `user.overlay.*` steers a rootless overlay mount that
/// uses the project as a layer (`userxattr`: redirects, opaque directories). A tool has no use for
/// any of them, so the built-in profiles refuse the whole family (set and remove, path, link,
/// descriptor and `*at` forms) with EOPNOTSUPP, as on a file system without attributes (`cp -a`,
/// `shutil.copy2` and `tar` carry on), and report each refusal.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct ExtendedAttributeTests {
    static let attempts = AttemptScript.syscallPrelude + """
        open("mine", "w").close()
        os.symlink("mine", "link")
        attempt("set-selinux", lambda: os.setxattr("mine", "security.selinux", b"system_u:object_r:shadow_t:s0"))
        attempt("set-smack-exec", lambda: os.setxattr("mine", "security.SMACK64EXEC", b"_"))
        attempt("set-ima", lambda: os.setxattr("mine", "security.ima", b"\\x04\\x04" + b"\\0" * 32))
        attempt("set-overlay-redirect", lambda: os.setxattr("mine", "user.overlay.redirect", b"/etc"))
        attempt("set-user", lambda: os.setxattr("mine", "user.x", b"1"))
        attempt("lset", lambda: os.setxattr("link", "user.x", b"1", follow_symlinks=False))
        fd = os.open("mine", os.O_RDONLY)
        attempt("fset", lambda: os.setxattr(fd, "security.selinux", b"x"))
        # setxattrat(AT_FDCWD, "mine", 0, "user.x", &args, sizeof args): 463 on x86_64 (6.13+).
        attempt("setxattrat", lambda: raw(463, -100, b"mine", 0, b"user.x", ctypes.c_char_p(b"\\0" * 24), 24))
        attempt("remove-host-label", lambda: os.removexattr("hosts", "security.selinux"))
        attempt("remove-host-user", lambda: os.removexattr("hosts", "user.keep"))
        attempt("fremove", lambda: os.removexattr(fd, "user.x"))
        attempt("read-host-label", lambda: len(os.getxattr("hosts", "user.keep")))
        """

    @Test func aToolSetsAndRemovesNoExtendedAttributes() throws {
        let h = try SandboxHarness()
        // A file the host labelled, as a host with an LSM (or a user) would.
        h.project.write("hosts", "")
        #expect(Self.host("os.setxattr(p, 'user.keep', b'host'); os.setxattr(p, 'security.selinux', b'system_u:object_r:etc_t:s0')", h.project.file("hosts")) == 0)
        let r = try h.run(["/usr/bin/python3", "-c", Self.attempts])
        #expect(r.exitCode == 0, "\(r.err)")
        let answers = AttemptScript.answers(r.out)
        for name in [
            "set-selinux", "set-smack-exec", "set-ima", "set-overlay-redirect", "set-user", "lset", "fset", "setxattrat",
            "remove-host-label", "remove-host-user", "fremove",
        ] {
            #expect(answers[name] == EOPNOTSUPP, "\(name): \(answers[name].map(String.init) ?? "no answer") (\(r.out) \(r.err))")
        }
        // Reading stays allowed.
        #expect(answers["read-host-label"] == 0, "\(r.out)")
        // The host's files afterwards: nothing of the tool's, the host's own attributes intact.
        #expect(Self.names(h.project.file("mine")).isEmpty, "\(Self.names(h.project.file("mine")))")
        #expect(Set(Self.names(h.project.file("hosts"))) == ["user.keep", "security.selinux"])
        // Each refusal reported with its syscall.
        let reported = Set(r.violations(kind: "syscall_denied").compactMap(\.syscall))
        for name in ["setxattr", "lsetxattr", "fsetxattr", "setxattrat", "removexattr", "fremovexattr"] {
            #expect(reported.contains(name), "no \(name) report in \(reported)")
        }
    }

    /// Runs `code` in a host Python with `p` bound to `path` (Glibc has no <sys/xattr.h> module).
    @discardableResult
    static func host(_ code: String, _ args: String...) -> Int32 {
        system2(["/usr/bin/python3", "-c", "import os, sys\np = sys.argv[1]\n" + code] + args)
    }

    /// The attribute names of a file on the host, without following a link.
    static func names(_ path: String) -> [String] {
        let out = "/tmp/jcs-xattrs-\(getpid())"
        defer { unlink(out) }
        guard host("open(sys.argv[2], 'w').write('\\n'.join(os.listxattr(p, follow_symlinks=False)))", path, out) == 0 else { return [] }
        return (readTextFile(out) ?? "").split(separator: "\n").map(String.init)
    }
}
