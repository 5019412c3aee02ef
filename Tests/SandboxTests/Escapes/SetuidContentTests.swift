#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Sandbox
import TestSupport
import Testing

/// The content under a privilege bit the *host* set. A tool cannot make a setuid or setgid file
/// (`PrivilegeBitTests`), and every write path the kernel knows as a write strips the bits of a
/// file the writer may not keep them on: write(2), truncation, copy_file_range, fallocate. A write
/// through a shared writable mapping does not (page faults only update the times), so a tool that
/// found a setuid-root file of the project's owner in the workspace could replace its code and keep
/// the bit: the next host user who ran it would run the tool's code as root.
///
/// Held: the prepare-time walk (`SensitiveMasks`) collects every setuid/setgid regular file (and
/// every executable with file capabilities, the same hole) and
/// the child mounts each read-only over itself (`CSB_OP_PRIVILEGED`, `child/protect.c`), its
/// directories pinned. `open(O_RDWR)` then fails with `EROFS` whatever the path to it, so no
/// shared writable mapping can exist; rename and unlink fail with `EBUSY`. Each test plants the
/// file as the host would (`cp /usr/bin/id`, `chmod 4755`) in the root-owned test project, runs
/// the real attack, and checks the host's copy afterwards: bit, and bytes equal to `/usr/bin/id`.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct SetuidContentTests {
    /// `attempt("mmap-NAME", …)`: open O_RDWR, map shared and writable, store, sync.
    private static let mapAndStore = AttemptScript.syscallPrelude + """
        import mmap
        def map_and_store(path):
            fd = os.open(path, os.O_RDWR)
            try:
                m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
                m[128:132] = b"JCS!"; m.flush(); m.close()
            finally:
                os.close(fd)

        """

    @Test func aSharedMappingCannotRewriteAHostSetuidFile() throws {
        let h = try SandboxHarness()
        let planted = plant(h, "helper", mode: 0o4755)
        let r = try h.run([
            "/usr/bin/python3", "-c",
            Self.mapAndStore + """
            attempt("mmap", lambda: map_and_store("helper"))
            # The same inode through a second open of the descriptor's magic link.
            def reopen():
                fd = os.open("helper", os.O_RDONLY)
                try:
                    os.close(os.open("/proc/self/fd/%d" % fd, os.O_RDWR))
                finally:
                    os.close(fd)
            attempt("reopen", reopen)
            attempt("chmod", lambda: os.chmod("helper", 0o755))
            """,
        ])
        #expect(r.exitCode == 0, "\(r.err)")
        let answers = AttemptScript.answers(r.out)
        #expect(answers["mmap"] == EROFS, "\(r.out) \(r.err)")
        #expect(answers["reopen"] == EROFS, "\(r.out)")
        #expect(answers["chmod"] == EROFS, "\(r.out)")
        expectIntact(planted, mode: 0o4755)
    }

    @Test func aSharedMappingCannotRewriteAFileWithCapabilities() throws {
        // File capabilities are the setuid bit's twin: `write` strips `security.capability`, a
        // store through a shared mapping does not, and the host user who runs the file gets
        // them. The host leaves one as `setcap cap_net_raw+ep` would.
        let h = try SandboxHarness()
        let planted = plant(h, "pinger", mode: 0o755)
        // vfs_cap_data, revision 2, effective: permitted = CAP_NET_RAW (13).
        let capability: [UInt8] = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        try #require(setxattr(planted, "security.capability", capability, capability.count, 0) == 0, "setxattr: errno \(errno)")
        let r = try h.run(["/usr/bin/python3", "-c", Self.mapAndStore + "attempt(\"mmap\", lambda: map_and_store(\"pinger\"))\n"])
        #expect(AttemptScript.answers(r.out)["mmap"] == EROFS, "\(r.out) \(r.err)")
        expectIntact(planted, mode: 0o755)
        var kept = [UInt8](repeating: 0, count: 64)
        let size = getxattr(planted, "security.capability", &kept, kept.count)
        #expect(size == capability.count && Array(kept.prefix(max(0, size))) == capability, "the capability went: \(size)")
    }

    @Test func namesThatAreNotUTF8HideNoPrivilegedFile() throws {
        // The walk once decoded names as UTF-8: below `\xff\xfe` (and as `caf\xe9`) nothing was
        // found, so the host's setuid copies there stayed writable through a shared mapping. A
        // walk cut short by a flood still finds them, from the memo the first walk wrote.
        let h = try SandboxHarness { $0.traps.walkMaxEntries = 300 }
        let script = """
            cd '\(h.project.path)' && d=$(printf '\\377\\376') && f=$(printf 'caf\\351') && mkdir "$d" \\
              && cp /usr/bin/id "$d/helper" && chmod 4755 "$d/helper" && cp /usr/bin/id "$f" && chmod 2755 "$f"
            """
        #expect(system2(["/bin/sh", "-c", script]) == 0)
        let attack = [
            "/usr/bin/python3", "-c",
            Self.mapAndStore + """
            attempt("dir", lambda: map_and_store(b"\\xff\\xfe/helper"))
            attempt("file", lambda: map_and_store(b"caf\\xe9"))
            """,
        ]
        let r = try h.run(attack)
        let answers = AttemptScript.answers(r.out)
        #expect(answers["dir"] == EROFS, "\(r.out) \(r.err)")
        #expect(answers["file"] == EROFS, "\(r.out) \(r.err)")
        let flood = try h.sh("i=0; while [ $i -lt 1000 ]; do : > f$i; i=$((i+1)); done; echo made")
        #expect(flood.out == "made\n", "\(flood.out) \(flood.err)")
        let afterFlood = try h.run(attack)
        #expect(afterFlood.violations(kind: "sensitive_scan_truncated").count == 1, "\(afterFlood.violations)")
        #expect(AttemptScript.answers(afterFlood.out) == answers, "\(afterFlood.out) \(afterFlood.err)")
        expectIntact(bytes: Array(h.project.path.utf8) + [0x2F, 0xFF, 0xFE] + Array("/helper".utf8), mode: 0o4755)
        expectIntact(bytes: Array((h.project.path + "/caf").utf8) + [0xE9], mode: 0o2755)
    }

    @Test func aReadOnlyMappingCannotBeMadeWritable() throws {
        // The fd is read-only, so the mapping never gets VM_MAYWRITE: mprotect answers EACCES.
        let h = try SandboxHarness()
        let planted = plant(h, "helper", mode: 0o4755)
        let r = try h.run([
            "/usr/bin/python3", "-c",
            AttemptScript.syscallPrelude + """
            import mmap
            libc.mmap.restype = ctypes.c_void_p
            libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
            libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            libc.msync.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            fd = os.open("helper", os.O_RDONLY)
            p = libc.mmap(None, 4096, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
            print("mapped", 0 if p != ctypes.c_void_p(-1).value else ctypes.get_errno(), flush=True)
            def writable():
                r = libc.mprotect(p, 4096, mmap.PROT_READ | mmap.PROT_WRITE)
                if r < 0:
                    return -ctypes.get_errno()
                ctypes.memmove(p + 128, b"JCS!", 4)
                return libc.msync(p, 4096, 4)
            attempt("mprotect", writable)
            attempt("mmapwrite", lambda: mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE).close())
            """,
        ])
        let answers = AttemptScript.answers(r.out)
        #expect(answers["mapped"] == 0, "\(r.out) \(r.err)")
        #expect(answers["mprotect"] == EACCES, "\(r.out) \(r.err)")
        #expect(answers["mmapwrite"] == EACCES, "\(r.out) \(r.err)")
        expectIntact(planted, mode: 0o4755)
    }

    @Test func nestedSetgidFilesHardLinksAndProtectedDirectoriesAreCovered() throws {
        let h = try SandboxHarness()
        mkdir(h.project.file("tools"), 0o755)
        mkdir(h.project.file("tools/bin"), 0o755)
        let setgid = plant(h, "tools/bin/sg", mode: 0o2755)
        let setuid = plant(h, "helper", mode: 0o4755)
        // A second name for the same inode, made by the host: each name is mounted on its own.
        #expect(link(setuid, h.project.file("tools/alias")) == 0)
        // Below a protected path (read-only already): the two mounts stack without failing.
        mkdir(h.project.file(".git"), 0o755)
        mkdir(h.project.file(".git/hooks"), 0o755)
        let hook = plant(h, ".git/hooks/post-checkout", mode: 0o4755)
        let r = try h.run([
            "/usr/bin/python3", "-c",
            Self.mapAndStore + """
            for name in ["tools/bin/sg", "tools/alias", ".git/hooks/post-checkout"]:
                attempt("mmap-" + name.replace("/", "_"), lambda: map_and_store(name))
            # The hook's directory was bound over itself for the pin: still read-only.
            attempt("hook", lambda: os.close(os.open(".git/hooks/pre-commit", os.O_WRONLY | os.O_CREAT, 0o755)))
            """,
        ])
        let answers = AttemptScript.answers(r.out)
        for name in ["tools_bin_sg", "tools_alias", ".git_hooks_post-checkout"] {
            #expect(answers["mmap-" + name] == EROFS, "\(name): \(r.out) \(r.err)")
        }
        #expect(answers["hook"] == EROFS, "\(r.out)")
        #expect(access(h.project.file(".git/hooks/pre-commit"), F_OK) != 0)
        expectIntact(setgid, mode: 0o2755)
        expectIntact(setuid, mode: 0o4755)
        expectIntact(hook, mode: 0o4755)
    }

    @Test func theFileAndItsDirectoriesCannotBeRenamedOrRemoved() throws {
        let h = try SandboxHarness()
        mkdir(h.project.file("bin"), 0o755)
        let planted = plant(h, "bin/helper", mode: 0o4755)
        let r = try h.run([
            "/usr/bin/python3", "-c",
            AttemptScript.prelude + """
            attempt("rename", lambda: os.rename("bin/helper", "bin/moved"))
            attempt("unlink", lambda: os.unlink("bin/helper"))
            attempt("renamedir", lambda: os.rename("bin", "elsewhere"))
            os.makedirs("deep/a/b/c", exist_ok=True)
            attempt("movedir", lambda: os.rename("bin", "deep/a/b/c/bin"))
            open("bin/decoy", "wb").close()
            attempt("replace", lambda: os.rename("bin/decoy", "bin/helper"))
            attempt("link", lambda: os.link("bin/decoy", "bin/helper"))
            # A new name for the inode, to write through after the next prepare: across mounts.
            attempt("newname", lambda: os.link("bin/helper", "bin/other"))
            """,
        ])
        let answers = AttemptScript.answers(r.out)
        for step in ["rename", "unlink", "renamedir", "movedir", "replace"] {
            #expect(answers[step] == EBUSY, "\(step): \(r.out) \(r.err)")
        }
        #expect(answers["link"] == EEXIST, "\(r.out)")
        #expect(answers["newname"] == EXDEV, "\(r.out)")
        expectIntact(planted, mode: 0o4755)
    }

    @Test func theMountsDoNotSpreadToPlainFiles() throws {
        let h = try SandboxHarness()
        mkdir(h.project.file("bin"), 0o755)
        plant(h, "bin/helper", mode: 0o4755)
        let plain = plant(h, "bin/plain", mode: 0o755)
        let r = try h.run([
            "/usr/bin/python3", "-c",
            Self.mapAndStore + """
            attempt("mmap", lambda: map_and_store("bin/plain"))
            attempt("create", lambda: open("bin/new", "w").write("x"))
            attempt("rename", lambda: os.rename("bin/plain", "bin/plain2"))
            """,
        ])
        let answers = AttemptScript.answers(r.out)
        #expect(answers["mmap"] == 0 && answers["create"] == 0 && answers["rename"] == 0, "\(r.out) \(r.err)")
        #expect(readBytes(h.project.file("bin/plain2"), at: 128, count: 4) == Array("JCS!".utf8))
        #expect(access(plain, F_OK) != 0)
    }

    @Test func theWalkRunsWithoutADenylist() throws {
        // `traps.workspace_deny` empty used to skip the walk altogether.
        let h = try SandboxHarness { $0.traps.workspaceDeny = [] }
        let planted = plant(h, "helper", mode: 0o4755)
        let r = try h.run(["/usr/bin/python3", "-c", Self.mapAndStore + "attempt(\"mmap\", lambda: map_and_store(\"helper\"))\n"])
        #expect(AttemptScript.answers(r.out)["mmap"] == EROFS, "\(r.out) \(r.err)")
        expectIntact(planted, mode: 0o4755)
    }

    @Test func everyOtherWritePathIsRefusedToo() throws {
        // Outside the mount each of these strips S_ISUID/S_ISGID; on it each fails with EROFS, and
        // the host's file keeps its bits and its bytes.
        let h = try SandboxHarness()
        let names = ["w", "t", "c", "f", "o"]
        let paths = names.map { plant(h, $0, mode: 0o6755) }
        let r = try h.run([
            "/usr/bin/python3", "-c",
            AttemptScript.prelude + """
            def pwrite():
                fd = os.open("w", os.O_WRONLY); os.pwrite(fd, b"JCS!", 64); os.close(fd)
            def copy():
                src = os.open("/usr/bin/id", os.O_RDONLY); dst = os.open("c", os.O_WRONLY)
                os.copy_file_range(src, dst, 16, 0, 0)
            def fallocate():
                fd = os.open("f", os.O_WRONLY); os.posix_fallocate(fd, 0, 1 << 20); os.close(fd)
            attempt("w", pwrite)
            attempt("t", lambda: os.truncate("t", 100))
            attempt("c", copy)
            attempt("f", fallocate)
            attempt("o", lambda: os.open("o", os.O_WRONLY | os.O_TRUNC))
            """,
        ])
        let answers = AttemptScript.answers(r.out)
        for name in names {
            #expect(answers[name] == EROFS, "\(name): \(r.out) \(r.err)")
        }
        for path in paths { expectIntact(path, mode: 0o6755) }
    }

    @Test func aFloodDoesNotHideAFileTheWalkHasSeen() throws {
        // 1,000 entries in the root stop a 300-entry walk before `bin/` every time; the file the
        // first (finished) walk found is remembered (`MaskMemo`). One the host adds while the tree
        // is past the bound was never seen: documented as not covered, and the run says the walk
        // was cut short.
        let h = try SandboxHarness { $0.traps.walkMaxEntries = 300 }
        mkdir(h.project.file("bin"), 0o755)
        let seen = plant(h, "bin/helper", mode: 0o4755)
        let flood = try h.sh("i=0; while [ $i -lt 1000 ]; do : > f$i; i=$((i+1)); done; echo made")
        #expect(flood.out == "made\n", "\(flood.out) \(flood.err)")
        let unseen = plant(h, "bin/later", mode: 0o4755)
        let r = try h.run([
            "/usr/bin/python3", "-c",
            Self.mapAndStore + """
            attempt("seen", lambda: map_and_store("bin/helper"))
            attempt("unseen", lambda: map_and_store("bin/later"))
            """,
        ])
        #expect(r.violations(kind: "sensitive_scan_truncated").first?.limit == "walk_max_entries", "\(r.violations)")
        let answers = AttemptScript.answers(r.out)
        #expect(answers["seen"] == EROFS, "\(r.out) \(r.err)")
        expectIntact(seen, mode: 0o4755)
        // The documented bound (docs/threat-model.md): not seen, so not mounted.
        #expect(answers["unseen"] == 0, "\(r.out) \(r.err)")
        #expect(readBytes(unseen, at: 128, count: 4) == Array("JCS!".utf8))
    }

    /// A copy of `/usr/bin/id` at `name` with `mode`, as the host would leave it.
    @discardableResult
    private func plant(_ h: SandboxHarness, _ name: String, mode: mode_t) -> String {
        let path = h.project.file(name)
        precondition(system2(["/bin/cp", "/usr/bin/id", path]) == 0)
        precondition(chmod(path, mode) == 0)
        return path
    }

    /// The host's file still has `mode` (bits included) and the bytes of `/usr/bin/id`.
    private func expectIntact(_ path: String, mode: mode_t, sourceLocation: SourceLocation = #_sourceLocation) {
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o7777 == mode,
            "\(path): mode \(String(st.st_mode & 0o7777, radix: 8)), expected \(String(mode, radix: 8))", sourceLocation: sourceLocation)
        // Compared apart: the operands of a failed `#expect` are printed whole (a binary here).
        let same = readAll(path) == readAll("/usr/bin/id")
        #expect(same, "\(path) no longer holds the bytes of /usr/bin/id", sourceLocation: sourceLocation)
    }

    /// `expectIntact` for a path that is not UTF-8 (a `String` cannot name it).
    private func expectIntact(bytes path: [UInt8], mode: mode_t, sourceLocation: SourceLocation = #_sourceLocation) {
        let cPath = (path + [0]).map { CChar(bitPattern: $0) }
        var st = stat()
        #expect(stat(cPath, &st) == 0 && st.st_mode & 0o7777 == mode,
            "mode \(String(st.st_mode & 0o7777, radix: 8)), expected \(String(mode, radix: 8))", sourceLocation: sourceLocation)
        let fd = open(cPath, O_RDONLY | O_CLOEXEC)
        let same = fd >= 0 && readAll(fd: fd) == readAll("/usr/bin/id")
        if fd >= 0 { close(fd) }
        #expect(same, "the file no longer holds the bytes of /usr/bin/id", sourceLocation: sourceLocation)
    }

    private func readAll(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        return readAll(fd: fd)
    }

    private func readAll(fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { break }
            out += buffer[0..<n]
        }
        return out
    }

    private func readBytes(_ path: String, at offset: off_t, count: Int) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let n = pread(fd, &buffer, count, offset)
        return n == count ? buffer : []
    }
}
