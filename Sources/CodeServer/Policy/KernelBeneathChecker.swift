#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The production `BeneathChecker`: the kernel resolves the path the way the tool's own open
/// will (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`), atomically, so no string
/// comparison or user-space walk has the last word.
///
/// Stricter than `RealpathBeneathChecker` in one way: an absolute symlink is refused even when
/// it lands inside the root, because inside the sandbox it would resolve against another root.
public struct KernelBeneathChecker: BeneathChecker {
    public init() {}

    public func check(_ relativePath: String, beneath root: String) -> BeneathVerdict {
        let rootFD = csb_open_directory_path(root)
        guard rootFD >= 0 else { return .failed(errno: errno) }
        defer { close(rootFD) }
        return BeneathVerdict.judgingMissingByAncestor(relativePath) { path in
            var fd: Int32
            repeat {
                fd = csb_openat2_beneath(rootFD, path)
            } while fd < 0 && (errno == EAGAIN || errno == EINTR)
            if fd >= 0 {
                close(fd)
                return .beneath
            }
            return errno == EXDEV || errno == ELOOP ? .escapes : .failed(errno: errno)
        }
    }
}
