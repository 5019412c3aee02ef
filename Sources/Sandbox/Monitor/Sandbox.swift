#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Synchronization

/// One single-use sandbox, owned by the monitor: prepared (namespaces, id maps, cgroup, root
/// built) by `prepare`, then run exactly once by `run`.
///
/// The split is the worker protocol's *prepare* and *run*: a pool can prepare sandboxes before
/// calls arrive and pay only for `run` on the call path.
///
/// - Important: `run` blocks the calling thread until the tool is gone (it polls pipes and the
///   seccomp listener); call it from a thread of its own, never from an actor's executor.
public final class Sandbox {
    /// Where the tool's stdin comes from.
    public enum Stdin: Sendable, Equatable {
        case null
        /// A descriptor of the monitor, duplicated into the sandbox (the CLI's own stdin).
        case inherit(Int32)
    }

    /// prepared → running (the one run was sent) → reaped (init waited for: nothing of the
    /// sandbox is left but its cgroup, removed in deinit).
    private enum State {
        case prepared
        case running
        case reaped
    }

    public let profile: Profile
    /// The host uid the sandbox's root maps to.
    public private(set) var hostUID: uid_t
    /// Whether the workspace is an idmapped mount.
    public private(set) var idmapped: Bool
    /// The host pid of the sandbox's init.
    public let pid: pid_t

    private let pidfd: OwnedFD
    private let control: OwnedFD
    private let stdoutRead: OwnedFD
    private let stderrRead: OwnedFD
    private var cgroup: Cgroup?
    /// Set during set-up: the compiled rules (the monitor's table of what each notification
    /// means) and the listener of the filter the child loaded.
    private var filter: SeccompProgram?
    private var listener: OwnedFD?
    private var state: State = .prepared
    /// This sandbox's marks in the host's one trap group (`TrapGroup`; nil without traps, or downgraded).
    private var trapWatcher: TrapWatcher?
    /// Held so that the host side of the traps (trees) goes when the sandbox goes.
    private(set) var trapSet: TrapSet?
    /// What the prepare-time walk for workspace masks could not cover, reported with the run.
    private var scanTruncation: SensitiveMasks.Truncation?
    /// The project's disk quota, read after the run to report a hit.
    private var diskQuota: DiskQuota?
    /// The sandbox's mount and network namespaces, kept past init's exit (see `deinit`).
    private var namespaces: [OwnedFD] = []
    /// The root's protected-path placeholders this sandbox mounted, removed once it is gone.
    private var placeholders: ProtectedPaths.Placeholders?

    /// The cgroup layout of this process: read once, on first use, unless `adoptCgroupLayout`
    /// set it before.
    public static var cgroupLayout: CgroupLayout {
        knownCgroupLayout.withLock { known in
            if let known { return known }
            let detected = CgroupLayout.detect()
            known = detected
            return detected
        }
    }

    private static let knownCgroupLayout = Mutex<CgroupLayout?>(nil)

    /// Takes the layout the parent process detected (a worker is told its coordinator's, whose
    /// cgroup it shares) instead of reading it again. No effect once the layout was read.
    public static func adoptCgroupLayout(_ layout: CgroupLayout) {
        knownCgroupLayout.withLock { known in
            if known == nil { known = layout }
        }
    }

    /// Builds a sandbox for `profile` around the project at `root` and waits until its root is
    /// built, its privileges gone and its filter loaded. Fails closed: a layer the profile needs
    /// and the host lacks is an error unless the profile lists it in `allow_downgrades`.
    ///
    /// - Parameter filter: `profile`'s compiled seccomp rules, evaluated only once the child is
    ///   building its root, so a caller may compile them meanwhile (`OffThread`).
    /// - Parameter rootIdentity: what `root` was when the project started. The root is opened
    ///   with no symlink followed and must still be that directory (`root_changed` otherwise);
    ///   without one, the directory found now is pinned the same way for the rest of set-up.
    public static func prepare(
        profile: Profile, root: String, rootIdentity: FileIdentity? = nil, stdin: Stdin = .null,
        filter: () throws(SandboxError) -> SeccompProgram
    ) throws(SandboxError) -> Sandbox {
        // network none: a namespace nobody used before, made by a thread of its own while the
        // rest of prepare runs (its kernel work, ~1 ms, was on prepare's serial path when the
        // clone made it). Never a reused one: a namespace keeps an earlier tenant's TIME_WAIT
        // sockets and loopback counters (a channel between calls, EADDRINUSE on their ports).
        let wantsNetwork = profile.network.mode == .none
        // The same thread reads the host's cgroup layout, which a process that prepares one
        // sandbox (the CLI, each jcs-worker) reads once: ~0.3 ms of parsing mountinfo, off the
        // serial path too; `checkCgroupLayers` waits for it at the join.
        let madeAhead =
            wantsNetwork && geteuid() == 0
            ? OffThread { () throws(SandboxError) in
                _ = Sandbox.cgroupLayout
                return FreshNetwork()
            } : nil
        let handle = try RootHandle.open(root, expecting: rootIdentity)
        let realRoot = handle.path
        let st = handle.stat

        let quota = try DiskQuota.apply(profile: profile, root: realRoot, rootInode: UInt64(st.st_ino))
        let privileged = geteuid() == 0
        // With a base, the sandbox runs as a uid of its own (`ownHostUID(base:)`), so it shares no
        // kernel per-user budget with another sandbox or the project's owner; a project of an
        // unprivileged owner keeps its files' owner through an idmap (`OwnerIdmap`), or, on a
        // mount that refused one, by running as the owner.
        let who = SandboxIdentityPlan(profile: profile, root: st) { OwnerIdmap.mayTry(handle.fd.raw) }
        let traps = try TrapSet.create(profile: profile, root: handle)
        Trace.mark("traps laid out")
        // Placeholders (metadata work on the project's file system) on this thread, after the
        // traps' walk, not on a third thread: with the namespace made ahead, three threads on
        // two cores made the join wait longer (measured: 150-180 µs more before the clone).
        // A read-only workspace protects every path already.
        let protected =
            profile.filesystem.workspaceWritable
            ? try ProtectedPaths.prepare(profile.filesystem.protectedPaths, root: handle) : ProtectedPaths.Prepared()
        Trace.mark("protected paths ready")
        // Planned as if the namespace made ahead will be there, and joined only at the clone: its
        // thread (~1 ms) then overlaps the plan, the pipes and the cgroup check as well.
        func buildPlan(ownNetwork: Bool) throws(SandboxError) -> MountPlan {
            try MountPlan.build(
                profile: profile, root: realRoot, rootIdentity: handle.identity, protectedPaths: protected.mounts,
                idmapped: who.idmapped, idmappedBinds: who.ownUIDBase != nil, ownNetwork: ownNetwork, traps: traps)
        }
        var plan = try buildPlan(ownNetwork: wantsNetwork && madeAhead == nil)
        Trace.mark("plan built")

        let stdoutPipe = try POSIX.pipe()
        let stderrPipe = try POSIX.pipe()
        let stdinFD: OwnedFD
        switch stdin {
        case .null: stdinFD = try POSIX.open("/dev/null", O_RDONLY)
        case .inherit(let fd):
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, 3)
            guard copy >= 0 else { throw .lastError("dup(stdin)") }
            stdinFD = OwnedFD(copy)
        }
        var pair: [Int32] = [-1, -1]
        guard csb_socketpair_control(&pair) == 0 else { throw .lastError("socketpair") }
        let control = OwnedFD(pair[0])
        let childControl = OwnedFD(pair[1])

        // Without root (or where the host refuses it), the clone makes the namespace instead.
        let network = try madeAhead?.value()
        let ownNetwork = wantsNetwork && network?.fd.isOpen != true
        if ownNetwork && madeAhead != nil { plan = try buildPlan(ownNetwork: true) }
        try checkCgroupLayers(profile: profile, privileged: privileged)
        Trace.mark("cgroup layout read")
        var flags = Int32(CSB_NS_BASE.rawValue)
        if ownNetwork { flags |= Int32(CSB_NS_NET.rawValue) }
        var pidfdRaw: Int32 = -1
        let clone = {
            plan.bytes.withUnsafeBufferPointer { planBuffer in
                var config = csb_child_config(
                    control_fd: childControl.raw, stdin_fd: stdinFD.raw, stdout_fd: stdoutPipe.write.raw,
                    stderr_fd: stderrPipe.write.raw, plan: planBuffer.baseAddress!, plan_len: planBuffer.count)
                return csb_clone_sandbox(flags, &config, &pidfdRaw, network?.fd.raw ?? -1)
            }
        }
        let pid = clone()
        Trace.mark("cloned")
        guard pid > 0 else {
            throw .lastError("clone(user, mount, pid, net, ipc, uts namespaces)")
        }
        // Held until the sandbox goes away, so that init's exit does not tear its mount tree and
        // network state down on the reaping call's path; released by a helper (`deinit`).
        let namespaces = ["mnt", "net"].map { OwnedFD(open("/proc/\(pid)/ns/\($0)", O_RDONLY | O_CLOEXEC)) }
        network?.fd.close()
        // Joining the host's trap group and marking this sandbox's traps (~0.4 ms; the first time in
        // a process also the group itself and the host-secret marks) needs only the sandbox's pid
        // namespace, which exists from the clone on: a thread of its own does it while the child
        // builds its root, joined after READY. The tool runs nothing before the run message.
        let watching = traps.isEmpty ? nil : OffThread { () throws(SandboxError) in TrapWatcher.Start(traps: traps, sandboxPid: pid) }
        // The child holds its own copies now; ours would keep the pipes from ever reaching EOF.
        childControl.close()
        stdinFD.close()
        stdoutPipe.write.close()
        stderrPipe.write.close()

        let sandbox = Sandbox(
            profile: profile, pid: pid, pidfd: OwnedFD(pidfdRaw), control: control, stdoutRead: stdoutPipe.read,
            stderrRead: stderrPipe.read, hostUID: who.owner, idmapped: who.idmapped)
        sandbox.namespaces = namespaces
        sandbox.placeholders = protected.placeholders
        let idmaps = Idmaps(owner: who.owner, ownersWorkspace: who.ownersWorkspace, binds: plan.idmappedBinds)
        try sandbox.release(ownUIDBase: who.ownUIDBase, idmaps: idmaps, gid: who.gid, root: handle, filter: filter)
        sandbox.scanTruncation = traps.scanTruncation
        sandbox.diskQuota = quota
        sandbox.trapSet = traps
        if let watching {
            let start: TrapWatcher.Start
            do throws(SandboxError) {
                start = try watching.value()
            } catch {
                sandbox.destroy()
                throw error
            }
            Trace.mark("trap watcher joined")
            guard let watcher = start.watcher else {
                let err = start.errno
                guard profile.allowedDowngrades.contains(.trapReports) else {
                    sandbox.destroy()
                    throw .hostLacks(
                        layer: "reports of attempts on sensitive paths",
                        reason: "fanotify permission events: \(SandboxError.errnoText(err))")
                }
                traps.releaseNames()
                return sandbox
            }
            sandbox.trapWatcher = watcher
        }
        traps.releaseNames()
        Trace.mark("traps watched")
        return sandbox
    }

    private init(
        profile: Profile, pid: pid_t, pidfd: OwnedFD, control: OwnedFD, stdoutRead: OwnedFD, stderrRead: OwnedFD,
        hostUID: uid_t, idmapped: Bool
    ) {
        self.profile = profile
        self.pid = pid
        self.pidfd = pidfd
        self.control = control
        self.stdoutRead = stdoutRead
        self.stderrRead = stderrRead
        self.hostUID = hostUID
        self.idmapped = idmapped
    }

    /// Removing a memory cgroup is the slowest step of tear-down, and nothing in a result
    /// depends on it: it happens when the sandbox goes away, after the result was handed over.
    deinit {
        destroy()
        cgroup?.remove()
        // The last references to the mount tree (an expedited RCU grace period and every mount
        // freed) and to the network namespace (queues the kernel's cleanup_net): a helper drops
        // them, after the result went out, off every caller's path (`csb_close_all_detached`).
        // Its placeholders go with it, by the same helper.
        let fds = namespaces.map { $0.take() }
        if let placeholders {
            placeholders.releaseDetached(closing: fds)
        } else if !fds.isEmpty {
            csb_close_all_detached(fds, Int32(fds.count))
        }
    }

    /// Fails closed before anything is created when a cgroup layer is missing and not waived.
    private static func checkCgroupLayers(profile: Profile, privileged: Bool) throws(SandboxError) {
        let layout = cgroupLayout
        let allowed = Set(profile.allowedDowngrades)
        if !layout.memory && !allowed.contains(.memoryCgroup) {
            throw .hostLacks(
                layer: "the memory limit with reporting",
                reason: privileged ? "no writable memory cgroup controller (v1 or delegated v2)" : "cgroups need root")
        }
        if !layout.pids && !allowed.contains(.pidsCgroup) {
            throw .hostLacks(
                layer: "the process limit with reporting",
                reason: privileged ? "no writable pids cgroup controller (v1 or delegated v2)" : "cgroups need root")
        }
    }

    private static func makeCgroup(profile: Profile) throws(SandboxError) -> Cgroup? {
        let layout = cgroupLayout
        let allowed = Set(profile.allowedDowngrades)
        guard layout.memory || layout.pids else { return nil }
        guard let cgroup = Cgroup.create(layout: layout) else {
            if allowed.contains(.memoryCgroup) && allowed.contains(.pidsCgroup) { return nil }
            let err = errno
            let bases = [layout.v2Dir, layout.v1Memory, layout.v1Pids].compactMap { $0 }.map { "'\($0)'" }.joined(separator: ", ")
            throw .hostLacks(layer: "cgroup limits", reason: "creating a cgroup below \(bases) failed: \(String(cString: strerror(err)))")
        }
        let limits = profile.limits
        do {
            try cgroup.setLimits(memoryBytes: UInt64(limits.memoryMB) << 20, maxProcs: limits.maxProcs)
        } catch {
            cgroup.remove()
            throw error
        }
        return cgroup
    }

    /// The mounts the monitor idmaps to the sandbox's own uid (`OwnerIdmap`), so that what the
    /// tool writes there keeps `owner`, the uid the sandbox runs as where one of them is refused.
    private struct Idmaps {
        let owner: uid_t
        /// The workspace of a project of an unprivileged owner (a root-owned one maps through the
        /// sandbox's own namespace instead).
        let ownersWorkspace: Bool
        /// The writable binds, in plan order.
        let binds: [(source: String, optional: Bool)]
    }

    /// The monitor's half of set-up: id maps, cgroup membership, the idmapped mounts; then
    /// lets the child go and waits for READY.
    private func release(
        ownUIDBase: UInt32?, idmaps: Idmaps, gid: gid_t, root: RootHandle,
        filter makeFilter: () throws(SandboxError) -> SeccompProgram
    ) throws(SandboxError) {
        do throws(SandboxError) {
            let ownUID = ownUIDBase != nil
            if let ownUIDBase { hostUID = try ownHostUID(base: ownUIDBase) }
            try POSIX.writeFile("/proc/\(pid)/setgroups", "deny\n")
            // Made before the sandbox's map, which is the owner's where one of them is refused.
            var trees: OwnerIdmap.Trees?
            if ownUID && (idmaps.ownersWorkspace || !idmaps.binds.isEmpty) {
                trees = try OwnerIdmap.trees(
                    .init(owner: idmaps.owner, sandbox: hostUID), workspace: idmaps.ownersWorkspace ? root : nil,
                    workspaceWritable: profile.filesystem.workspaceWritable, binds: idmaps.binds)
                if trees == nil {
                    hostUID = idmaps.owner
                    if idmaps.ownersWorkspace { idmapped = false }
                }
            }
            do throws(SandboxError) {
                try POSIX.writeFile("/proc/\(pid)/uid_map", "0 \(hostUID) 1\n")
            } catch {
                guard ownUID && hostUID != idmaps.owner else { throw error }
                // Inside a container whose user namespace maps fewer ids, the base lies outside.
                throw .noOwnHostUID("mapping uid \(hostUID) failed (\(error))")
            }
            try POSIX.writeFile("/proc/\(pid)/gid_map", "0 \(gid) 1\n")
            Trace.mark("id maps written")
            // One tag per writable bind the plan marked: its tree, or none (bind it by path).
            for index in idmaps.binds.indices {
                let tree = trees?.binds[index]?.raw ?? -1
                guard csb_send_tag_fd(control.raw, UInt8(CSB_TAG_BINDFD.rawValue), tree) == 0 else {
                    throw SandboxError.lastError("sendmsg(bind fd)")
                }
            }
            if idmaps.ownersWorkspace {
                let tree = trees?.workspace?.raw ?? -1
                let tag = tree >= 0 ? CSB_TAG_MOUNTFD : CSB_TAG_PLAIN
                guard csb_send_tag_fd(control.raw, UInt8(tag.rawValue), tree) == 0 else {
                    throw SandboxError.lastError("sendmsg(mount fd)")
                }
            } else if idmapped {
                let userns = try POSIX.open("/proc/\(pid)/ns/user", O_RDONLY)
                // From the checked handle, not the path: nothing can be swapped in between.
                let tree = csb_idmapped_tree_fd(root.fd.raw, userns.raw, profile.filesystem.workspaceWritable ? 1 : 0)
                if tree < 0 {
                    let err = errno
                    guard profile.allowedDowngrades.contains(.idmappedMount) else {
                        throw SandboxError.hostLacks(
                            layer: "a writable root-owned workspace",
                            reason: "idmapped mount of '\(root.path)' failed: \(SandboxError.errnoText(err))")
                    }
                    // The allowed downgrade: no descriptor tells the child to bind read-only.
                    Trace.mark("idmapped mount failed, workspace read-only")
                }
                let treeFD = OwnedFD(tree)
                guard csb_send_tag_fd(control.raw, UInt8(CSB_TAG_MOUNTFD.rawValue), treeFD.raw) == 0 else {
                    throw SandboxError.lastError("sendmsg(mount fd)")
                }
            }
            Trace.mark("workspace ready")
            guard csb_send_tag_fd(control.raw, UInt8(CSB_TAG_GO.rawValue), -1) == 0 else {
                throw SandboxError.lastError("sendmsg(go)")
            }
            // While the child builds its root, it joins the cgroup: the tool only starts after
            // READY and the run message, so joining now still covers every process of it.
            // Not on a thread of its own during clone: creating a memory cgroup holds the
            // kernel's cgroup mutex, which clone waits for (measured: clone 1 ms slower).
            cgroup = try Sandbox.makeCgroup(profile: profile)
            if let cgroup {
                if let tasks = try cgroup.tasksFiles() {
                    for file in tasks {
                        guard csb_send_tag_fd(control.raw, UInt8(CSB_TAG_CGROUP.rawValue), file.raw) == 0 else {
                            throw SandboxError.lastError("sendmsg(cgroup)")
                        }
                    }
                } else {
                    try cgroup.add(pid: pid)
                }
            }
            guard csb_send_tag_fd(control.raw, UInt8(CSB_TAG_JOINED.rawValue), -1) == 0 else {
                throw SandboxError.lastError("sendmsg(joined)")
            }
            Trace.mark("cgroup handed over")
            let program = try makeFilter()
            filter = program
            var message: [UInt8] = [UInt8(CSB_TAG_FILTER.rawValue)]
            message.appendLE(program.needsListener ? CSB_FILTER_LISTENER.rawValue : UInt32(0))
            message.appendLE(UInt32(program.bpf.count))
            message.append(contentsOf: program.bpf)
            guard POSIX.writeAll(control.raw, message) else {
                throw SandboxError.protocolViolation(reason: "the sandbox exited before its filter was sent")
            }
            var reader = ControlReader()
            let deadline = Timestamp.monotonicNs() + 10_000_000_000
            while true {
                let wait = Int32(max(0, Int64(deadline) - Int64(Timestamp.monotonicNs())) / 1_000_000)
                guard wait > 0, Sandbox.waitReadable(control.raw, timeoutMs: wait) else {
                    throw SandboxError.protocolViolation(reason: "the sandbox did not finish set-up within 10 s")
                }
                guard try reader.fill(from: control.raw) else {
                    throw SandboxError.protocolViolation(reason: "the sandbox exited during set-up")
                }
                while let message = reader.next() {
                    switch message {
                    case .ready:
                        Trace.mark("sandbox ready")
                        return
                    case .listener(let fd, _):
                        // The child is the sender: its pidfd is ours already.
                        let taken = csb_pidfd_getfd(pidfd.raw, fd)
                        guard taken >= 0 else { throw SandboxError.lastError("pidfd_getfd(seccomp listener)") }
                        listener = OwnedFD(taken)
                        guard POSIX.writeAll(control.raw, [UInt8(CSB_TAG_ACK.rawValue)]) else {
                            throw SandboxError.protocolViolation(reason: "the sandbox exited during set-up")
                        }
                    case .error(let step, let err, let detail) where step == UInt32(CSB_STEP_ROOT_IDENTITY.rawValue):
                        throw SandboxError.rootChanged(
                            path: root.path, expected: root.identity,
                            found: err == 0 ? detail : "no directory (\(SandboxError.errnoText(err)))")
                    case .error(let step, let err, let detail):
                        throw SandboxError.setupFailed(step: SetupStep.name(step), errno: err, detail: detail)
                    default: throw SandboxError.protocolViolation(reason: "unexpected message during set-up")
                    }
                }
            }
        } catch {
            destroy()
            throw error
        }
    }

    /// The sandbox's own host uid: `base` plus its user namespace's inode number less the first
    /// of the kernel's dynamic proc inodes (0xF0000000). The kernel gives each live namespace an
    /// inode no other has, host-wide, whatever pid namespace or container this process is in,
    /// so no two live sandboxes of any coordinator on the host get one uid from one base. (Its
    /// init's pid, used before, is unique only within this process's pid namespace: two
    /// coordinators in containers made the same uids.)
    private func ownHostUID(base: UInt32) throws(SandboxError) -> uid_t {
        var st = stat()
        guard stat("/proc/\(pid)/ns/user", &st) == 0 else { throw .lastError("stat(/proc/\(pid)/ns/user)") }
        guard (0xF000_0000...0xFFFF_FFFF).contains(st.st_ino) else {
            throw .noOwnHostUID("the sandbox's user namespace has inode \(st.st_ino), outside the kernel's dynamic range")
        }
        return base + uid_t(st.st_ino - 0xF000_0000)
    }

    /// Kills whatever is left and reaps init. Killing pid 1 of the namespace takes every
    /// process in it along, daemons included. Returns the cgroup's counters, read once every
    /// process is gone (the group itself is removed in `deinit`).
    @discardableResult
    private func destroy() -> (oomKills: Int, pidsRefused: Int) {
        guard state != .reaped else { return (0, 0) }
        _ = csb_pidfd_send_signal(pidfd.raw, SIGKILL)
        var status: Int32 = 0
        // init's exit waits until the kernel has reaped every process of its namespace, so once
        // this returns nothing of the tool is left on the host.
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        state = .reaped
        trapWatcher?.release()
        return (cgroup?.oomKills ?? 0, cgroup?.pidsRefused ?? 0)
    }

    static func waitReadable(_ fd: Int32, timeoutMs: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let rc = poll(&p, 1, timeoutMs)
            if rc < 0 && errno == EINTR { continue }
            return rc > 0
        }
    }

    /// Runs `request` in this sandbox and returns when the tool and everything it started are
    /// gone. `output` receives stdout/stderr chunks as they arrive (already capped).
    ///
    /// - Parameters:
    ///   - output: receives stdout (1) and stderr (2) chunks as they arrive, already capped.
    ///   - onViolation: receives each violation as the monitor records it.
    public func run(
        _ request: RunRequest, output: ((Int32, ArraySlice<UInt8>) -> Void)? = nil,
        onViolation: ((Violation) -> Void)? = nil
    ) throws(SandboxError) -> SandboxResult {
        guard case .prepared = state, let filter else {
            throw .invalidRequest(field: "sandbox", reason: "a sandbox runs one command; prepare another")
        }
        state = .running
        let rlimitAS: UInt64 = (cgroup?.hasMemory ?? false) ? 0 : UInt64(profile.limits.memoryMB) << 20
        let body: [UInt8]
        do {
            body = try request.message(profile: profile, rlimitAS: rlimitAS, pidsCgroup: cgroup?.hasPids ?? false)
        } catch {
            destroy()
            throw error
        }
        var message: [UInt8] = [UInt8(CSB_TAG_RUN.rawValue)]
        message.appendLE(UInt32(body.count))
        message.append(contentsOf: body)
        let handedOver = listener
        listener = nil
        var loop = RunLoop(
            pidfd: pidfd.raw, limits: profile.limits, filter: filter, listener: handedOver,
            output: output, onViolation: onViolation, started: Timestamp.monotonicNs(), egress: request.egress,
            traps: trapWatcher)
        if let scanTruncation { loop.report(scanTruncation.violation) }
        guard POSIX.writeAll(control.raw, message) else {
            destroy()
            throw .protocolViolation(reason: "the sandbox exited before the run message was sent")
        }
        Trace.mark("run sent")
        let outcome = loop.run(control: control.raw, stdout: stdoutRead.raw, stderr: stderrRead.raw)
        Trace.mark("tool finished")
        let counters = destroy()
        Trace.mark("sandbox reaped")
        return try outcome.result(
            oomKills: counters.oomKills, pidsRefused: counters.pidsRefused, diskFull: diskQuota?.reached() ?? false,
            profile: profile, sha256: filter.profileSHA256)
    }
}
