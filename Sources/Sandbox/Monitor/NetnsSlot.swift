#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// A persistent, empty network namespace held by one sandbox at a time.
///
/// Slots live in `/run/jcs/netns/slot-N`, each with a lock file taken with `flock` for the
/// sandbox's whole life: the lock is released only after init was reaped, when every process
/// that could have used the namespace is gone, so a namespace is never shared by two live
/// sandboxes. What a previous tenant can leave behind is limited to TIME_WAIT sockets: the
/// namespace is owned by the host's user namespace, so the capability-less tool can change
/// nothing in it (no addresses, routes, rules or sysctls).
final class NetnsSlot {
    static let directory = "/run/jcs/netns"
    /// More than a 2-core host runs at once; when all are busy a sandbox gets a new namespace.
    static let count = 64

    private let lock: OwnedFD
    let namespace: OwnedFD

    private init(lock: OwnedFD, namespace: OwnedFD) {
        self.lock = lock
        self.namespace = namespace
    }

    /// A free slot, created on first use; nil when this process is not root or none is free.
    static func acquire() -> NetnsSlot? {
        guard geteuid() == 0 else { return nil }
        if mkdir("/run/jcs", 0o700) != 0 && errno != EEXIST { return nil }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { return nil }
        // Lowest free slot first, so a host reuses few namespaces rather than creating many.
        for index in 0..<count {
            let path = "\(directory)/slot-\(index)"
            let lock = OwnedFD(open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600))
            guard lock.isOpen, flock(lock.raw, LOCK_EX | LOCK_NB) == 0 else { continue }
            var namespace = OwnedFD(open(path, O_RDONLY | O_CLOEXEC))
            if !namespace.isOpen || csb_is_netns(namespace.raw) == 0 {
                namespace.close()
                let file = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
                if file >= 0 { close(file) }
                guard csb_netns_create(path) == 0 else { return nil }
                namespace = OwnedFD(open(path, O_RDONLY | O_CLOEXEC))
                guard namespace.isOpen, csb_is_netns(namespace.raw) != 0 else { return nil }
            }
            return NetnsSlot(lock: lock, namespace: namespace)
        }
        return nil
    }

    /// Runs `body` (the clone) with the calling thread inside this namespace, so the child
    /// starts there, then returns the thread to the namespace it was in.
    func withJoined<T>(_ body: () -> T) -> T? {
        let original = OwnedFD(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC))
        guard original.isOpen, csb_setns_net(namespace.raw) == 0 else { return nil }
        let value = body()
        if csb_setns_net(original.raw) != 0 {
            // A monitor thread stuck in a sandbox's namespace must not keep serving.
            fatalError("cannot return to the monitor's network namespace: errno \(errno)")
        }
        return value
    }
}
