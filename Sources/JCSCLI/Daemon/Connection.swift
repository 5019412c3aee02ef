import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// One connected Unix stream socket with a read buffer. The only owner of its descriptor, which
/// `close()` releases; every syscall retries EINTR.
final class Connection {
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var atEnd = false

    init(path: String) throws(DaemonClientError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .socketPathTooLong(path: path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .io(step: "socket", errno: errno) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 {
            let code = errno
            Glibc.close(fd)
            fd = -1
            throw .connect(path: path, errno: code)
        }
        do throws(DaemonClientError) {
            try Self.checkServer(fd, path: path)
        } catch {
            Glibc.close(fd)
            fd = -1
            throw error
        }
    }

    /// Before a byte is sent: the process listening must run as our own uid or as root. Anyone
    /// who could create the socket's directory first (`/tmp/jcs-UID/` for a user daemon) could
    /// otherwise listen there, read the request (tool arguments, secrets in them) and answer with
    /// forged results that `jcs` would print as the daemon's.
    private static func checkServer(_ fd: Int32, path: String) throws(DaemonClientError) {
        var credentials = ServerCredentials()
        var length = socklen_t(MemoryLayout<ServerCredentials>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            throw .io(step: "getsockopt(SO_PEERCRED)", errno: errno)
        }
        let own = getuid()
        guard credentials.uid == own || credentials.uid == 0 else {
            throw .untrustedServer(path: path, serverUid: credentials.uid, serverPid: credentials.pid, ownUid: own)
        }
    }

    func write(_ bytes: [UInt8]) throws(DaemonClientError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io(step: "send", errno: errno) }
            offset += n
        }
    }

    /// One CRLF-terminated line, without the CRLF.
    func readLine() throws(DaemonClientError) -> [UInt8] {
        while true {
            if let lf = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<lf])
                buffer.removeSubrange(...lf)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return line
            }
            guard try fill() else { throw .malformedResponse("the connection closed mid-line") }
        }
    }

    func read(exactly count: Int) throws(DaemonClientError) -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw .malformedResponse("the connection closed mid-body") }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    func readToEnd() throws(DaemonClientError) -> [UInt8] {
        while try fill() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// Reads what is available into the buffer; false at end of stream.
    private func fill() throws(DaemonClientError) -> Bool {
        guard !atEnd else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .io(step: "recv", errno: errno) }
            if n == 0 {
                atEnd = true
                return false
            }
            buffer += chunk[..<n]
            return true
        }
    }

    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit {
        assert(fd < 0, "leak of an open daemon connection")
    }
}

/// `struct ucred` of <sys/socket.h> (Glibc's module leaves it out without _GNU_SOURCE): the
/// layout SO_PEERCRED fills.
private struct ServerCredentials {
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
}
