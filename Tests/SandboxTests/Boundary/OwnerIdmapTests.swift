#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import Sandbox
import TestSupport
import Testing

/// A project of an unprivileged owner: its sandbox runs as a host uid of its own through an
/// idmap (`OwnerIdmap`), and where the project's file system refuses one, as the owner, with
/// nothing of the project broken.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct OwnerIdmapTests {
    /// The owner becomes the sandbox's uid; every other id stays itself, so another owner's files
    /// read and write as they did; the sandbox's uid on disk belongs to nobody.
    @Test func theMapMovesTheOwnerAndKeepsEveryOtherID() {
        let map = OwnerIdmap.uidMap(.init(owner: 1000, sandbox: 1_879_050_000))
        #expect(
            map == "1000 1879050000 1\n0 0 1000\n1001 1001 1879048999\n1879050001 1879050001 2415917294\n",
            "\(map)")
        // Every uid but the sandbox's is mapped once on each side, whatever the order of the two.
        for (owner, sandbox) in [(1000, 1_879_050_000), (0x7000_0001, 0x7000_0000), (1, 0x7000_0000), (4_294_967_294, 0x7000_0000)] {
            let ranges = OwnerIdmap.uidMap(.init(owner: uid_t(owner), sandbox: uid_t(sandbox))).split(separator: "\n").map {
                $0.split(separator: " ").compactMap { UInt64($0) }
            }
            let inside = ranges.map { $0[2] }.reduce(0, +)
            #expect(inside == 4_294_967_294 && ranges.count <= 4, "\(owner) \(sandbox): \(ranges)")
            #expect(Self.covers(ranges.map { ($0[0], $0[2]) }, except: UInt64(sandbox)), "inside: \(ranges)")
            #expect(Self.covers(ranges.map { ($0[1], $0[2]) }, except: UInt64(owner)), "outside: \(ranges)")
        }
    }

    /// Whether the ranges are disjoint and cover every uid but `except` (and (uid_t)-1).
    static func covers(_ ranges: [(UInt64, UInt64)], except: UInt64) -> Bool {
        var next: UInt64 = 0
        for (start, count) in ranges.sorted(by: { $0.0 < $1.0 }) {
            if next == except { next += 1 }
            guard start == next else { return false }
            next = start + count
        }
        if next == except { next += 1 }
        return next == 4_294_967_295
    }

    /// An identity idmapped bind of a fresh directory at a second fresh directory: a mount that
    /// is idmapped already, which the kernel refuses to idmap again (EPERM), as a file system
    /// without idmapped mounts refuses (EINVAL).
    struct IdmappedMount {
        let source = TempDirectory(prefix: "jcs-idmap-src")
        let target = TempDirectory(prefix: "jcs-idmap-dst")
        let made: Bool
        let output: String

        init() {
            let script = """
                import ctypes, os, sys
                libc = ctypes.CDLL(None, use_errno=True)
                L = ctypes.c_long
                r1, w1 = os.pipe(); r2, w2 = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os._exit(1 if libc.unshare(0x10000000) != 0 or os.write(w1, b"u") != 1 or os.read(r2, 1) != b"x" else 0)
                os.read(r1, 1)
                for f in ("uid_map", "gid_map"):
                    with open("/proc/%d/%s" % (pid, f), "w") as m:
                        m.write("0 0 4294967295\\n")
                ns = os.open("/proc/%d/ns/user" % pid, os.O_RDONLY)
                os.write(w2, b"x"); os.waitpid(pid, 0)
                class Attr(ctypes.Structure):
                    _fields_ = [("set", ctypes.c_uint64), ("clr", ctypes.c_uint64), ("prop", ctypes.c_uint64), ("userns", ctypes.c_uint64)]
                attr = Attr(0x00100000, 0, 0, ns)  # MOUNT_ATTR_IDMAP
                tree = libc.syscall(L(428), L(-100), sys.argv[1].encode(), L(1 | 0o2000000))  # open_tree(OPEN_TREE_CLONE|O_CLOEXEC)
                if tree < 0 or libc.syscall(L(442), L(tree), b"", L(0x1000), ctypes.byref(attr), L(32)) != 0 \\
                        or libc.syscall(L(429), L(tree), b"", L(-100), sys.argv[2].encode(), L(4)) != 0:
                    print("failed errno", ctypes.get_errno()); sys.exit(1)
                print("mounted")
                """
            let pipe = Pipe()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script, source.path, target.path]
            process.standardOutput = pipe
            var text = ""
            if (try? process.run()) != nil {
                process.waitUntilExit()
                text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            }
            output = text
            made = text == "mounted\n"
        }

        func unmount() { umount2(target.path, Int32(MNT_DETACH)) }

        /// A directory `name` of `owner`, as seen through the mount; the way to it is open to
        /// all, as an owner's way to a project of theirs is.
        func directory(_ name: String, ownedBy owner: uid_t) -> String {
            precondition(mkdir(source.file(name), 0o755) == 0 && chown(source.file(name), owner, owner) == 0)
            chmod(target.path, 0o755)
            return target.file(name)
        }
    }

    @Test func onAFileSystemThatRefusesTheIdmapTheSandboxRunsAsTheOwner() throws {
        let mount = IdmappedMount()
        defer { mount.unmount() }
        try #require(mount.made, "the identity idmapped mount could not be made: \(mount.output)")
        let project = mount.directory("p", ownedBy: 1000)
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let filter = try SeccompProgram(profile: profile)
        // Twice: the first is refused by the kernel, the second not tried again on that mount.
        for name in ["first", "second"] {
            let sandbox = try Sandbox.prepare(profile: profile, root: project, filter: { filter })
            #expect(!sandbox.idmapped && sandbox.hostUID == 1000, "\(name): \(sandbox.hostUID) \(sandbox.idmapped)")
            let r = try sandbox.run(RunRequest(argv: ["/bin/sh", "-c", "cat /proc/self/uid_map; echo ok > \(name)"]))
            #expect(r.out.split(whereSeparator: { $0 == " " || $0 == "\n" }) == ["0", "1000", "1"], "\(r.out) \(r.err)")
            var st = stat()
            #expect(stat(mount.source.file("p/\(name)"), &st) == 0 && st.st_uid == 1000, "\(name): owner \(st.st_uid)")
        }
        let fd = open(project, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(fd) }
        #expect(!OwnerIdmap.mayTry(fd))
        // Only that mount: the file system under it is idmapped as before.
        let under = open(mount.source.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(under) }
        #expect(OwnerIdmap.mayTry(under))
    }

    /// A writable bind on a mount that refuses the idmap: the sandbox runs as the uid the bind's
    /// files keep (`identity.host_uid` for a root-owned project), as before, and is not refused.
    @Test func aWritableBindOnAMountThatRefusesTheIdmapRunsAsTheSharedUID() throws {
        let mount = IdmappedMount()
        defer { mount.unmount() }
        try #require(mount.made, "the identity idmapped mount could not be made: \(mount.output)")
        let cache = mount.directory("cache", ownedBy: 65534)
        let h = try SandboxHarness { profile in
            profile.filesystem.mounts.append(.bind(source: cache, target: "/cache", writable: true, optional: false))
        }
        for name in ["first", "second"] {
            let r = try h.sh("cat /proc/self/uid_map; echo ok > /cache/\(name)")
            #expect(r.out.split(whereSeparator: { $0 == " " || $0 == "\n" }) == ["0", "65534", "1"], "\(r.out) \(r.err)")
            var st = stat()
            #expect(stat(mount.source.file("cache/\(name)"), &st) == 0 && st.st_uid == 65534, "\(name): owner \(st.st_uid)")
        }
    }

    /// The diagnostics' prediction (`SandboxUIDIsolation`) is what prepare then does: a project
    /// whose mount refuses the idmap, a writable bind on such a mount, and a profile without a
    /// uid base share one host uid, each with its reason; a project that allows it does not.
    @Test func theProjectsDiagnosticsSayWhenItsSandboxesShareAHostUID() throws {
        let mount = IdmappedMount()
        defer { mount.unmount() }
        try #require(mount.made, "the identity idmapped mount could not be made: \(mount.output)")
        let refusing = mount.directory("p", ownedBy: 1000)
        let cache = mount.directory("cache", ownedBy: 65534)
        let allowing = TempDirectory(prefix: "jcs-isolation")
        HostBudgetTests.give(allowing.path, to: 1000)
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        var withBind = profile
        withBind.filesystem.mounts.append(.bind(source: cache, target: "/cache", writable: true, optional: false))
        var withoutBase = profile
        withoutBase.identity.sandboxUIDBase = 0

        let cases: [(String, Profile, String, UInt32?, String?)] = [
            ("refusing project", profile, refusing, 1000, "the mount of '\(refusing)' refuses idmapped mounts"),
            ("refusing bind", withBind, allowing.path, 1000, "the mount of '\(cache)' refuses idmapped mounts"),
            ("no base", withoutBase, allowing.path, 1000, "identity.per_sandbox_uid_base is 0"),
            ("allowing project", profile, allowing.path, nil, nil),
        ]
        for (name, profile, root, shared, reason) in cases {
            let isolation = SandboxUIDIsolation.of(profile: profile, root: root, rootIdentity: nil)
            #expect(isolation.state == (shared == nil ? .own : .shared), "\(name): \(isolation)")
            #expect(isolation.sharedUID == shared, "\(name): \(isolation)")
            if let reason { #expect(isolation.reason?.hasPrefix(reason) == true, "\(name): \(isolation)") }
            #expect(isolation.json["warning"]?.stringValue?.contains("uid \(shared ?? 0)") ?? (shared == nil), "\(name)")
            let filter = try SeccompProgram(profile: profile)
            let sandbox = try Sandbox.prepare(profile: profile, root: root, filter: { filter })
            #expect((sandbox.hostUID == 1000) == (shared != nil), "\(name): prepare ran as \(sandbox.hostUID)")
            _ = try sandbox.run(RunRequest(argv: ["/bin/true"]))
        }
        // A root-owned project with no writable bind never shares: its workspace is idmapped
        // through the sandbox's own namespace.
        let rootOwned = TempDirectory(prefix: "jcs-isolation-root")
        #expect(SandboxUIDIsolation.of(profile: profile, root: rootOwned.path, rootIdentity: nil) == .own)
        #expect(SandboxUIDIsolation.of(profile: withBind, root: rootOwned.path, rootIdentity: nil).sharedUID == 65534)
    }

    /// A root swapped for a link since the project started is reported as unknown, and what the
    /// link points at is never probed: the question is asked through the root's checked handle.
    @Test func aSwappedRootIsReportedNotProbed() throws {
        let parent = TempDirectory(prefix: "jcs-isolation-swap")
        let root = parent.file("p")
        try #require(mkdir(root, 0o755) == 0)
        let identity = try FileIdentity.ofDirectory(root)
        try #require(rename(root, parent.file("moved")) == 0 && symlink("/etc", root) == 0)
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let isolation = SandboxUIDIsolation.of(profile: profile, root: root, rootIdentity: identity)
        #expect(isolation.state == .unknown, "\(isolation)")
        #expect(isolation.json["warning"]?.stringValue?.contains("not known") == true, "\(isolation.json)")
    }

    /// What the tool writes keeps its owner on disk, and files of other owners in the project
    /// stay as writable as their modes say: a root-owned 0666 file is written through the idmap.
    @Test func filesKeepTheirOwnersOnDisk() throws {
        let h = try SandboxHarness()
        HostBudgetTests.give(h.project.path, to: 1000)
        h.project.write("shared", "")
        chmod(h.project.file("shared"), 0o666)
        let r = try h.sh("mkdir made && echo x > made/file && echo y >> shared && cat /proc/self/uid_map")
        #expect(r.exitCode == 0, "\(r.out) \(r.err)")
        let base = h.profile.identity.sandboxUIDBase
        let words = r.out.split(whereSeparator: { $0 == " " || $0 == "\n" })
        #expect(words.count == 3 && (UInt32(words[1]).map { $0 >= base } ?? false), "\(r.out)")
        for (path, owner) in [("made", uid_t(1000)), ("made/file", 1000), ("shared", 0)] {
            var st = stat()
            #expect(stat(h.project.file(path), &st) == 0 && st.st_uid == owner, "\(path): owner \(st.st_uid)")
        }
        #expect((try? String(contentsOfFile: h.project.file("shared"), encoding: .utf8)) == "y\n")
    }
}
