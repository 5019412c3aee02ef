#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// A network namespace nobody has used, its loopback up, made by the monitor (as root in the
/// host's namespaces) for exactly one sandbox (`csb_netns_fresh`). `fd` is closed when the
/// host refused to make one: the clone makes the namespace then.
final class FreshNetwork: @unchecked Sendable {
    let fd: OwnedFD

    init() {
        fd = OwnedFD(csb_netns_fresh())
        Trace.mark(fd.isOpen ? "network namespace made ahead" : "network namespace left to the clone")
    }
}
