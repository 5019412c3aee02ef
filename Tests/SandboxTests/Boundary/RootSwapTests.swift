#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Finding 1 of issue 10: a tool in an outer project swaps an inner project's root for a symlink
/// to a host directory (or for another directory). The inner project's next sandbox must refuse
/// with `root_changed` and the host directory must stay untouched; a sandbox prepared before the
/// swap still writes the original root, never the new target.
@Suite(
    .enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"),
    .enabled(if: BuiltProducts.exists("jcs-worker"), "jcs-worker is not built (run scripts/test, which builds it)"),
    .serialized)
struct RootSwapTests {
    let worker = BuiltProducts.path("jcs-worker")

    /// An outer project with an inner one, and a root-owned 0700 host directory to aim at.
    struct Scene {
        let outer = TempDirectory(prefix: "jcs-outer")
        let host = TempDirectory(prefix: "jcs-host-0700")
        var inner: String { outer.file("inner") }
        var moved: String { outer.file("inner.orig") }
        let identity: FileIdentity

        init() throws {
            let outer = self.outer
            precondition(mkdir(outer.file("inner"), 0o755) == 0)
            precondition(mkdir(outer.file("sibling"), 0o755) == 0)
            chmod(host.path, 0o700)
            identity = try FileIdentity.ofDirectory(outer.file("inner"))
        }

        /// What the tool in the outer project does: move the inner root away, put `replacement` there.
        func swap(symlinkTo target: String) {
            precondition(rename(inner, moved) == 0 && symlink(target, inner) == 0)
        }

        func swap(directory: String) {
            precondition(rename(inner, moved) == 0 && rename(directory, inner) == 0)
        }

        /// Names in the host directory: must stay empty.
        var hostEntries: [String] { directoryEntries(host.path) }
    }


    func expectRefused(_ scene: Scene, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("a swapped root was mounted", sourceLocation: sourceLocation)
        } catch let error as SandboxError {
            #expect(error.code == "root_changed", "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(scene.identity.description), "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(scene.inner), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        #expect(scene.hostEntries.isEmpty, "the host directory was written: \(scene.hostEntries)", sourceLocation: sourceLocation)
    }

    func prepareAndWrite(_ scene: Scene, profile: Profile) throws {
        let filter = try SeccompProgram(profile: profile)
        let sandbox = try Sandbox.prepare(
            profile: profile, root: scene.inner, rootIdentity: scene.identity, filter: { filter })
        _ = try sandbox.run(RunRequest(argv: ["/bin/sh", "-c", "echo pwned > /workspace/planted"]))
    }

    @Test(arguments: ["default", "build"])
    func aRootSwappedForASymlinkToAHostDirectoryIsRefused(profileName: String) throws {
        let scene = try Scene()
        let profile = try ProfileResolver.resolve(nameOrPath: profileName)
        // The first call works and writes the real root.
        try prepareAndWrite(scene, profile: profile)
        #expect(access(scene.outer.file("inner/planted"), F_OK) == 0)
        scene.swap(symlinkTo: scene.host.path)
        expectRefused(scene) { try prepareAndWrite(scene, profile: profile) }
        // Also a link to /etc: refused before anything is mounted.
        unlink(scene.inner)
        symlink("/etc", scene.inner)
        expectRefused(scene) { try prepareAndWrite(scene, profile: profile) }
        #expect(access("/etc/planted", F_OK) != 0)
    }

    @Test func aRootSwappedForASiblingDirectoryOrALinkToItIsRefused() throws {
        let scene = try Scene()
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let sibling = scene.outer.file("sibling")
        scene.swap(directory: sibling)
        expectRefused(scene) { try prepareAndWrite(scene, profile: profile) }
        #expect(access(scene.outer.file("inner/planted"), F_OK) != 0, "the sibling was written")
        // And the inner root replaced by a link to a sibling directory.
        precondition(rename(scene.inner, sibling) == 0 && symlink(sibling, scene.inner) == 0)
        expectRefused(scene) { try prepareAndWrite(scene, profile: profile) }
        #expect(directoryEntries(sibling).isEmpty, "the sibling was written: \(directoryEntries(sibling))")
    }

    @Test func theWorkerProtocolCarriesTheIdentityAndAWarmSandboxKeepsTheOriginalRoot() throws {
        let scene = try Scene()
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let pool = WorkerPool(
            executable: worker, root: scene.inner, rootIdentity: scene.identity, profile: profile,
            filter: try SeccompProgram(profile: profile), size: 1)
        defer { pool.shutdown() }
        try pool.waitUntilFull()
        // Swapped while a sandbox is prepared and waiting.
        scene.swap(symlinkTo: scene.host.path)
        let warm = try pool.take()
        let result = try warm.run(argv: ["/bin/sh", "-c", "echo warm > /workspace/planted; ls /workspace"])
        #expect(result.exitCode == 0, "\(result.err)")
        // The write went to the directory that was the root when it was checked: now inner.orig.
        #expect(readTextFile(scene.moved + "/planted") == "warm\n")
        #expect(scene.hostEntries.isEmpty, "the host directory was written: \(scene.hostEntries)")
        // The next prepare (the pool's preparer, through jcs-worker) refuses.
        do {
            let next = try pool.take()
            _ = try? next.run(argv: ["/bin/sh", "-c", "echo pwned > /workspace/planted"])
            Issue.record("a worker was prepared over the swapped root")
        } catch {
            #expect(error.code == "root_changed", "\(error)")
            #expect(error.description.contains(scene.identity.description), "\(error)")
        }
        #expect(scene.hostEntries.isEmpty, "the host directory was written: \(scene.hostEntries)")
    }

    @Test func aRootReplacedByAFileOrRemovedIsRefusedAsChanged() throws {
        let scene = try Scene()
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        precondition(rename(scene.inner, scene.moved) == 0)
        expectRefused(scene) { try prepareAndWrite(scene, profile: profile) }
        scene.outer.write("inner", "not a directory")
        expectRefused(scene) { try prepareAndWrite(scene, profile: profile) }
    }

    /// A project of an unprivileged owner is idmapped from the checked handle too (its sandbox
    /// runs as a host uid of its own; what it writes is stored as the owner's). The same refusal
    /// holds there, and protected paths are read-only there too.
    @Test func aProjectOfAnUnprivilegedOwnerIsMountedFromTheCheckedHandle() throws {
        let scene = try Scene()
        // The owner must be able to reach its project, as any unprivileged owner can.
        chmod(scene.outer.path, 0o755)
        precondition(chown(scene.inner, 1000, 1000) == 0)
        precondition(mkdir(scene.inner + "/.git", 0o755) == 0 && chown(scene.inner + "/.git", 1000, 1000) == 0)
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let filter = try SeccompProgram(profile: profile)
        let sandbox = try Sandbox.prepare(profile: profile, root: scene.inner, rootIdentity: scene.identity, filter: { filter })
        let expected = ownHostUID(base: profile.identity.sandboxUIDBase, sandboxPid: Int(sandbox.pid))
        #expect(sandbox.idmapped && expected != nil && sandbox.hostUID == expected, "\(sandbox.hostUID)")
        let r = try sandbox.run(RunRequest(argv: ["/bin/sh", "-c", "echo ok > made; echo x > .git/hooks/pre-commit"]))
        // `.git/` is read-only whole: its missing hooks/ cannot be made, nor a file in it.
        #expect(r.err.contains("Read-only file system") || r.err.contains("nonexistent"), "\(r.err)")
        var st = stat()
        #expect(stat(scene.inner + "/made", &st) == 0 && st.st_uid == 1000)
        #expect(access(scene.inner + "/.git/hooks/pre-commit", F_OK) != 0)
        scene.swap(symlinkTo: scene.host.path)
        expectRefused(scene) { try prepareAndWrite(scene, profile: profile) }
    }

    @Test func theIdentityTravelsInThePrepareMessage() throws {
        let identity = FileIdentity(device: 2049, inode: 1_234_567)
        let message = WorkerMessage.prepare(root: "/p", profile: ["name": "x"], bpf: nil, rootIdentity: identity)
        let decoded = try WorkerMessage(json: try JSONParser.parse(JSONWriter.jsonLine(message.json)))
        guard case .prepare(_, _, _, let carried, _, _) = decoded else {
            Issue.record("decoded \(decoded)")
            return
        }
        #expect(carried == identity)
    }
}
