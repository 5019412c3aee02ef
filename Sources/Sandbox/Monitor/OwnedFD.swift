#if canImport(Glibc)
import Glibc
#endif

/// An owned file descriptor: closed exactly once, by `close()` or when the owner goes away.
/// The monitor juggles a dozen descriptors per sandbox; a leaked one keeps a pipe open and a
/// read waiting for EOF forever, so ownership is never implicit.
public final class OwnedFD {
    public private(set) var raw: Int32

    public init(_ raw: Int32) { self.raw = raw }

    public var isOpen: Bool { raw >= 0 }

    public func close() {
        guard raw >= 0 else { return }
        // EINTR on close still closes the descriptor on Linux; retrying could close another's.
        _ = Glibc.close(raw)
        raw = -1
    }

    /// Hands the descriptor to a new owner; this one forgets it.
    public func take() -> Int32 {
        let fd = raw
        raw = -1
        return fd
    }

    deinit { close() }
}
