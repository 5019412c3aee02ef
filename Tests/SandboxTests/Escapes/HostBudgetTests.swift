#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Sandbox
import TestSupport
import Testing

/// Kernel objects a tool creates that the kernel charges to the host's root as well: the sandbox's
/// user namespace is created by the (root) monitor, and an inotify instance or a fanotify group
/// counts against every owner up the namespace chain. Uncapped, one tool held all 128 of root's
/// inotify instances and fanotify groups for as long as it ran, and every root process on the
/// host (the coordinator's asset watcher, a new worker joining the trap group, systemd) got
/// EMFILE. The sandbox's namespace now has its own small caps (`child/ucounts.c`), namespaces of
/// every kind included. Queued real-time signals and POSIX message-queue bytes are charged the
/// same way, against rlimits: one tool queued ~96,000 signals and root's sigqueue(3) and
/// timer_create(2) failed host-wide. Other budgets the kernel keeps per host *user* (pipe pages,
/// descriptors in flight): every tenant's sandbox ran as one host uid and shared them, until each
/// sandbox got a uid of its own (`identity.per_sandbox_uid_base`).
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct HostBudgetTests {
    /// `take(make, limit)` calls make(n) until it fails; the script then prints what it took,
    /// creates `holding` in the workspace and keeps everything until `release` appears (or 20 s
    /// pass).
    static func hoard(_ taking: String) -> String {
        """
        import ctypes, errno, os, signal, time
        libc = ctypes.CDLL(None, use_errno=True)
        def take(make, limit):
            n = 0
            while n < limit:
                if make(n) < 0:
                    return n, errno.errorcode[ctypes.get_errno()]
                n += 1
            return n, "none"
        \(taking)
        open("holding", "w").close()
        for _ in range(2000):
            if os.path.exists("release"):
                break
            time.sleep(0.01)
        """
    }

    /// Runs `script` in a sandbox and, once it holds what it took, `host` on the host.
    private func whileHolding<T>(_ script: String, ownedBy owner: uid_t? = nil, host: () -> T) throws -> (SandboxResult, T) {
        let h = try SandboxHarness()
        if let owner { Self.give(h.project.path, to: owner) }
        let tool = OffThread { () throws(SandboxError) -> SandboxResult in
            do {
                return try h.run(["/usr/bin/python3", "-c", script])
            } catch let error as SandboxError {
                throw error
            } catch {
                throw .protocolViolation(reason: "\(error)")
            }
        }
        var waited = 0
        while access(h.project.file("holding"), F_OK) != 0 && waited < 20_000 {
            usleep(10_000)
            waited += 10
        }
        #expect(waited < 20_000, "the tool never said it holds what it took")
        let seen = host()
        _ = creat(h.project.file("release"), 0o644)
        return (try tool.value(), seen)
    }

    /// Runs `script` in one sandbox and, once it holds what it took, the Python `probe` in
    /// another: another project's sandbox, as far as the kernel can tell.
    /// With `owner`, both projects belong to that unprivileged user instead of root.
    private func whileHolding(
        _ script: String, elsewhere probe: String, ownedBy owner: uid_t? = nil
    ) throws -> (SandboxResult, SandboxResult?) {
        let other = try SandboxHarness()
        if let owner { Self.give(other.project.path, to: owner) }
        return try whileHolding(script, ownedBy: owner) { try? other.run(["/usr/bin/python3", "-c", probe]) }
    }

    /// Makes `project` an unprivileged user's, as a project in that user's home is.
    static func give(_ project: String, to owner: uid_t) {
        precondition(chown(project, owner, owner) == 0, "chown \(project): errno \(errno)")
    }

    /// A probe that runs `setup`, then prints `done` if `statement` succeeds or `refused ERRNO`.
    static func attempt(_ setup: String, _ statement: String) -> String {
        "import os\n\(setup)\ntry:\n    \(statement)\n    print('done')\nexcept OSError as e:\n    print('refused', e.errno)\n"
    }

    @Test func aToolCannotTakeRootsInotifyInstancesOrFanotifyGroups() throws {
        let script = Self.hoard(
            """
            ino = take(lambda n: libc.inotify_init1(0), 1000)
            fan = take(lambda n: libc.fanotify_init(0x200, 0), 1000)  # FAN_REPORT_FID: what an unprivileged caller may ask
            print("inotify", *ino, "fanotify", *fan, flush=True)
            """)
        // While the tool holds all it could get, the host's root still gets its own.
        let (r, (inotify, inotifyErrno, fanotify, fanotifyErrno)) = try whileHolding(script) {
            let inotify = inotify_init1(Int32(IN_CLOEXEC))
            let inotifyErrno = errno
            let fanotify = csb_fanotify_init()  // the group the trap watcher makes
            let fanotifyErrno = errno
            if inotify >= 0 { close(inotify) }
            if fanotify >= 0 { close(fanotify) }
            return (inotify, inotifyErrno, fanotify, fanotifyErrno)
        }
        #expect(inotify >= 0, "root's inotify_init1 failed while a tool held its maximum: errno \(inotifyErrno)")
        #expect(fanotify >= 0, "root's fanotify_init failed while a tool held its maximum: errno \(fanotifyErrno)")
        // The kernel's answer to the tool: a handful of inotify instances, then EMFILE; no fanotify group at all.
        let words = r.out.split(separator: "\n").first?.split(separator: " ").map(String.init) ?? []
        #expect(words.count == 6, "\(r.out) \(r.err)")
        if words.count == 6 {
            #expect(Int(words[1]) == 8 && words[2] == "EMFILE", "inotify: \(r.out)")
            #expect(Int(words[4]) == 0 && words[5] == "EMFILE", "fanotify: \(r.out)")
        }
    }

    /// A host process running as root, as the test does: queues one real-time signal to itself
    /// and opens one POSIX message queue; exits 3 or 4 naming the errno if it cannot.
    static let rootsOwnShare = """
        import ctypes, errno, os, signal, sys
        libc = ctypes.CDLL(None, use_errno=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
        if libc.sigqueue(os.getpid(), signal.SIGRTMIN, ctypes.c_void_p(0)) < 0:
            print("sigqueue", errno.errorcode[ctypes.get_errno()]); sys.exit(3)
        name = b"/jcs-host-budget-%d" % os.getpid()
        q = libc.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, None)
        if q < 0:
            print("mq_open", errno.errorcode[ctypes.get_errno()]); sys.exit(4)
        libc.mq_close(q)
        libc.mq_unlink(name)
        """

    @Test func aToolCannotTakeRootsRealTimeSignalsOrMessageQueueBytes() throws {
        let script = Self.hoard(
            """
            signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN, signal.SIGRTMIN + 1])
            sig = take(lambda n: libc.sigqueue(os.getpid(), signal.SIGRTMIN, ctypes.c_void_p(n)), 200000)
            # kill() queues real-time signals too (one more each while the count allows).
            for _ in range(1000):
                os.kill(os.getpid(), signal.SIGRTMIN + 1)
            queued = [l.split()[1].split("/")[0] for l in open("/proc/self/status") if l.startswith("SigQ:")][0]
            mq = take(lambda n: libc.mq_open(b"/hoard-%d" % n, os.O_CREAT | os.O_RDWR, 0o600, None), 1000)
            print("sigqueue", *sig, "mqueue", *mq, "queued", queued, flush=True)
            """)
        let (r, (status, queue)) = try whileHolding(script) {
            (system2(["/usr/bin/python3", "-c", Self.rootsOwnShare]), Self.rootsSignalQueue())
        }
        #expect(status == 0, "root's own sigqueue (3) or mq_open (4) failed while a tool held its maximum: \(status)")
        // Root's count (this process runs as root) holds no more than the quarter of its limit
        // that all sandboxes together may charge.
        let (queued, limit) = try #require(queue, "SigQ of /proc/self/status")
        #expect(queued <= min(limit / 4, 16384), "root's queued signals: \(queued) of \(limit)")
        // The kernel's answer to the tool: its share, then EAGAIN and EMFILE.
        let words = r.out.split(separator: "\n").first?.split(separator: " ").map(String.init) ?? []
        #expect(words.count == 8, "\(r.out) \(r.err)")
        if words.count == 8 {
            #expect(Int(words[1]) == 128 && words[2] == "EAGAIN", "sigqueue: \(r.out)")
            #expect(Int(words[7]) == 128, "queued after kill(): \(r.out)")
            // Landlock refuses the queue's creation (EACCES) where it runs; without it, the share
            // holds at most three queues of the default size (10 × 8 KiB and their bookkeeping).
            let queues = Int(words[4]) ?? -1
            #expect(
                (queues == 0 && words[5] == "EACCES") || ((1...3).contains(queues) && words[5] == "EMFILE"),
                "mqueue: \(r.out)")
        }
    }

    /// Whether `lines` holds one line per namespace kind the kernel counts, each `value`: eight on
    /// this kernel, seven before time namespaces (5.6).
    private static func allEqual(_ lines: String, _ value: String) -> Bool {
        let values = lines.split(separator: "\n")
        return values.count >= 7 && values.allSatisfy { $0 == value }
    }

    /// `SigQ:` of /proc/self/status: the signals queued for this process's user, host-wide, and
    /// this process's limit.
    private static func rootsSignalQueue() -> (queued: Int, limit: Int)? {
        guard let status = try? text("/proc/self/status") else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("SigQ:") }
        let numbers = line?.dropFirst(5).split(separator: "/").compactMap { Int($0.trimmingPrefix(while: { $0 == "\t" || $0 == " " })) }
        guard let numbers, numbers.count == 2 else { return nil }
        return (numbers[0], numbers[1])
    }

    /// Some budgets the kernel keeps per host *user*, not per namespace: pipe buffer pages
    /// (`fs.pipe-user-pages-soft`, 16,384 pages by default). When every sandbox of a root-owned
    /// project ran as the profile's `identity.host_uid` (65534), one tenant that took that user's
    /// pages left every other tenant's sandbox unable to grow a pipe (`F_SETPIPE_SZ` got EPERM,
    /// new pipes got 2 pages). Each sandbox now runs as a host uid of its own.
    ///
    /// Projects of one unprivileged owner ran as that owner, and shared the owner's budget with
    /// each other and with the owner's own processes; they run as uids of their own too now.
    @Test(arguments: [nil, 1000] as [uid_t?])
    func aToolCannotTakeAnotherProjectsPipeBudget(owner: uid_t?) throws {
        let script = Self.hoard(
            """
            import fcntl
            held = []
            def grow(n):
                r, w = os.pipe()
                held.extend([r, w])
                try:
                    fcntl.fcntl(w, 1031, 1 << 20)  # F_SETPIPE_SZ
                except OSError as e:
                    ctypes.set_errno(e.errno)
                    return -1
                return 0
            print("holder", *take(grow, 200), flush=True)
            """)
        let probe = Self.attempt("import fcntl\nr, w = os.pipe()", "fcntl.fcntl(w, 1031, 1 << 20)")
        let (holder, answer) = try whileHolding(script, elsewhere: probe, ownedBy: owner)
        let soft = Int(try Self.text("/proc/sys/fs/pipe-user-pages-soft").trimmingCharacters()) ?? 0
        // The holder itself ran into the budget (256 pages a pipe, from 16,384), where there is one.
        let expected = soft > 0 && soft / 256 < 200 ? "holder \(soft / 256) EPERM\n" : "holder 200 none\n"
        #expect(holder.out == expected, "\(holder.out) \(holder.err)")
        #expect(answer?.out == "done\n", "another project's sandbox: \(answer?.out ?? "no answer") \(answer?.err ?? "")")
    }

    /// Descriptors in flight in unix sockets (`SCM_RIGHTS`, sent and not yet received) are
    /// counted per host user too, against the sender's `RLIMIT_NOFILE`. A tool that leaves more
    /// in flight than its limit made every other sandbox of the same host user fail to pass a
    /// descriptor at all (`ETOOMANYREFS`).
    @Test func aToolCannotTakeAnotherProjectsDescriptorsInFlight() throws {
        let script = Self.hoard(
            """
            import array, socket
            a, b = socket.socketpair()
            a.setblocking(False)
            def send(n):
                try:
                    a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [a.fileno()] * 250))])
                except OSError as e:
                    ctypes.set_errno(e.errno)
                    return -1
                return 0
            print("holder", *take(send, 100), flush=True)
            """)
        let probe = Self.attempt(
            "import array, socket\na, b = socket.socketpair()",
            #"a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [a.fileno()]))])"#)
        let (holder, answer) = try whileHolding(script, elsewhere: probe)
        // The holder's own limit (max_open_files 1024): five messages of 250 pass the 1,024 mark.
        #expect(holder.out == "holder 5 ETOOMANYREFS\n", "\(holder.out) \(holder.err)")
        #expect(answer?.out == "done\n", "another project's sandbox: \(answer?.out ?? "no answer") \(answer?.err ?? "")")
    }

    /// Two sandboxes alive at once run as two host uids, neither of them an account of the host
    /// (such as 65534, which host daemons run as), whether their projects are root's or both
    /// one unprivileged user's.
    @Test(arguments: [nil, 1000] as [uid_t?])
    func eachSandboxRunsAsAHostUIDOfItsOwn(owner: uid_t?) throws {
        let uidMap = "print('uid_map', open('/proc/self/uid_map').read().split(), flush=True)"
        let (holder, answer) = try whileHolding(Self.hoard(uidMap), elsewhere: uidMap, ownedBy: owner)
        let mapped = [holder.out, answer?.out ?? ""].map { out -> UInt32? in
            // uid_map ['0', '1879050000', '1']: the sandbox's root and the host uid it is.
            let words = out.split(whereSeparator: { "[]',\n ".contains($0) })
            return words.count == 4 && words[1] == "0" && words[3] == "1" ? UInt32(words[2]) : nil
        }
        #expect(mapped.allSatisfy { $0 != nil }, "\(holder.out) \(holder.err) \(answer?.out ?? "no answer")")
        let uids = mapped.compactMap { $0 }
        #expect(Set(uids).count == uids.count, "two live sandboxes share host uid \(uids)")
        let base = try ProfileResolver.resolve(nameOrPath: "default").identity.sandboxUIDBase
        for uid in uids {
            #expect((base ..< base + Profile.Identity.sandboxUIDSpan).contains(uid), "host uid \(uid)")
            #expect(getpwuid(uid) == nil, "host uid \(uid) belongs to an account")
        }
    }

    /// A writable bind keeps host ownership: what the tool writes there is stored as the uid the
    /// sandbox would run as without one of its own (`identity.host_uid`, or the project's owner),
    /// through an idmap, while the sandbox runs as its own uid. Such a profile ran every sandbox
    /// as that one uid, sharing its budgets.
    @Test(arguments: [nil, 1000] as [uid_t?])
    func aWritableBindKeepsItsOwnerWhileTheSandboxRunsAsItsOwnUID(projectOwner: uid_t?) throws {
        let keeper = projectOwner ?? 65534
        let cache = TempDirectory(prefix: "jcs-writable-bind")
        cache.write("old", "")
        _ = system2(["/bin/chown", "-R", "\(keeper):\(keeper)", cache.path])
        let h = try SandboxHarness { profile in
            profile.filesystem.mounts.append(.bind(source: cache.path, target: "/cache", writable: true, optional: false))
        }
        if let projectOwner { Self.give(h.project.path, to: projectOwner) }
        let r = try h.sh("cat /proc/self/uid_map && echo built > /cache/out && echo more >> /cache/old && mkdir /cache/d")
        let words = r.out.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let base = h.profile.identity.sandboxUIDBase
        #expect(
            words.count == 3 && words[0] == "0" && (UInt32(words[1]).map { $0 >= base } ?? false) && r.exitCode == 0,
            "\(r.out) \(r.err)")
        for name in ["out", "old", "d"] {
            var st = stat()
            #expect(stat(cache.file(name), &st) == 0 && st.st_uid == keeper && st.st_gid == keeper, "\(name): \(st.st_uid):\(st.st_gid)")
        }
        #expect((try? String(contentsOfFile: cache.file("old"), encoding: .utf8)) == "more\n")
    }

    /// Namespaces are charged up the chain too. Every built-in profile denies their creation;
    /// a profile that allows it (to run a nested sandbox) still gets at most 16 of each kind,
    /// held by descriptors, where root's budget is ~96,000.
    @Test func aProfileThatAllowsNamespacesStillCannotTakeRootsBudget() throws {
        let h = try SandboxHarness { profile in
            profile.seccomp.rules.removeAll { $0.reportKind == "namespace_denied" }
        }
        let r = try h.run([
            "/usr/bin/python3", "-c",
            Self.hoard(
                """
                held = []
                def user(n):  # each in a child, held by its descriptor once the child is gone
                    r, w = os.pipe()
                    pid = os.fork()
                    if pid == 0:
                        os.write(w, bytes([0 if libc.unshare(0x10000000) == 0 else ctypes.get_errno()]))  # CLONE_NEWUSER
                        time.sleep(10)
                        os._exit(0)
                    err = os.read(r, 1)[0]
                    if err == 0:
                        held.append(os.open("/proc/%d/ns/user" % pid, os.O_RDONLY))
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    os.close(r)
                    os.close(w)
                    ctypes.set_errno(err)
                    return -1 if err else 0
                # A holder with a user namespace of its own (one of the 16) makes uts namespaces.
                r, w = os.pipe()
                holder = os.fork()
                if holder == 0:
                    libc.unshare(0x10000000)
                    def uts(n):
                        if libc.unshare(0x04000000) < 0:  # CLONE_NEWUTS
                            return -1
                        held.append(os.open("/proc/self/ns/uts", os.O_RDONLY))
                        return 0
                    os.write(w, ("uts %d %s" % take(uts, 100)).encode())
                    time.sleep(20)
                    os._exit(0)
                names = os.read(r, 100).decode()
                users = take(user, 40)
                os.kill(holder, 9)
                os.waitpid(holder, 0)
                print(names, "user", *users, flush=True)
                open("release", "w").close()
                """),
        ])
        #expect(r.out == "uts 16 ENOSPC user 15 ENOSPC\n", "\(r.out) \(r.err)")
        let caps = try h.sh("cat /proc/sys/user/max_*_namespaces")
        #expect(Self.allEqual(caps.out, "16"), "\(caps.out) \(caps.err)")
    }

    @Test func theCapsAreTheNamespacesOwnAndTheToolCannotRaiseThem() throws {
        let h = try SandboxHarness()
        let r = try h.sh(
            """
            cat /proc/sys/user/max_inotify_instances /proc/sys/user/max_inotify_watches \
                /proc/sys/user/max_fanotify_groups /proc/sys/user/max_fanotify_marks
            if (echo 1000 > /proc/sys/user/max_inotify_instances) 2>/dev/null; then echo raised; else echo refused; fi
            cat /proc/sys/user/max_inotify_instances
            """)
        #expect(r.out == "8\n8192\n0\n0\nrefused\n8\n", "\(r.out) \(r.err)")
        // A profile that refuses namespace creation (every built-in one) needs no cap on them,
        // and the child skips the writes: the namespace's own default maxima stay.
        let namespaces = try h.sh("cat /proc/sys/user/max_*_namespaces")
        #expect(Self.allEqual(namespaces.out, "2147483647"), "\(namespaces.out) \(namespaces.err)")
        // The host's own limits are untouched.
        #expect(try readSysctl("/proc/sys/user/max_inotify_instances") != "8")
    }

    private func readSysctl(_ path: String) throws -> String {
        (try? Self.text(path))?.trimmingCharacters() ?? ""
    }

    /// A small procfs file, whole.
    private static func text(_ path: String) throws -> String {
        String(decoding: try POSIX.readBytes(path, limit: 1 << 16), as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
