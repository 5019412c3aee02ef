#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import Synchronization

/// A real HTTP/1.0 server on a host address (loopback, or a documentation address the test
/// put on `lo`): answers every request with `hello from <address>:<port>` and records the request
/// lines it saw, so a test can tell what reached it and how. With `root`, it serves the files
/// under it instead (a dumb-HTTP git server: `info/refs`, objects), 404 for anything else.
final class LoopbackHTTPServer: Sendable {
    let address: String
    let port: Int
    let root: String?
    private let listener: Int32
    private let seen = Mutex<[String]>([])

    init(address: String, root: String? = nil) throws {
        self.root = root
        // The documentation addresses exist only once a test put them on `lo`: on a fresh
        // machine the first server may come before any probe did.
        if address == EgressTestAddresses.ipv4 || address == EgressTestAddresses.ipv6,
            let problem = EgressTestAddresses.problem
        {
            throw AddressUnavailable(reason: problem)
        }
        guard let (storage, length) = EgressSocket.address(address, port: 0) else { throw SocketError(errno: EINVAL) }
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var bound = storage
        let rc = withUnsafePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0, listen(fd, 64) == 0 else {
            let err = errno
            close(fd)
            throw SocketError(errno: err)
        }
        var local = sockaddr_storage()
        var size = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
        }
        let portBE = withUnsafeBytes(of: local) { UInt16($0[2]) << 8 | UInt16($0[3]) }
        self.address = address
        self.port = Int(portBE)
        listener = fd
        DetachedThread.start { [self] in self.serve() }
    }

    /// The request lines received so far (`GET / HTTP/1.1`, `GET /x HTTP/1.1`, …).
    var requests: [String] { seen.withLock { $0 } }

    var body: String { "hello from \(address.contains(":") ? "[\(address)]" : address):\(port)" }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    deinit { close(listener) }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            DetachedThread.start { [self] in
                defer { close(client) }
                guard let head = EgressSocket.readHead(client, timeoutMs: 10_000) else { return }
                let line = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)
                seen.withLock { $0.append(line) }
                let (status, body) = self.content(line)
                let reply = "HTTP/1.0 \(status)\r\ncontent-type: text/plain\r\ncontent-length: \(body.count)\r\n\r\n"
                _ = EgressSocket.sendAll(client, (Array(reply.utf8) + body)[...])
                shutdown(client, Int32(SHUT_WR))
                var sink = [UInt8](repeating: 0, count: 1024)
                while recv(client, &sink, sink.count, 0) > 0 {}
            }
        }
    }
}

extension LoopbackHTTPServer {
    /// The greeting, or with `root` the file the request line names (no `..`, query ignored).
    fileprivate func content(_ requestLine: String) -> (String, [UInt8]) {
        guard let root else { return ("200 OK", Array(body.utf8)) }
        let parts = requestLine.split(separator: " ")
        guard parts.count >= 2 else { return ("400 Bad Request", []) }
        let path = parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        guard !path.contains(".."), let file = fopen(root + path, "rb") else { return ("404 Not Found", []) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return ("200 OK", bytes)
    }
}

/// Documentation addresses on the host's `lo` (192.0.2.10, 2001:db8::10): destinations that are
/// outside the sandbox's own loopback (so the transparent path applies) yet never leave this
/// machine. Added once per test process with `ip`; a host where that fails makes the tests fail
/// loudly with the reason.
struct AddressUnavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { "the test address could not be put on lo: \(reason)" }
}

enum EgressTestAddresses {
    static let ipv4 = "192.0.2.10"
    static let ipv6 = "2001:db8::10"

    /// Nil when ready; the reason otherwise.
    static let problem: String? = {
        for (family, address) in [("-4", "\(ipv4)/32"), ("-6", "\(ipv6)/128")] {
            let command = "ip \(family) addr replace \(address) dev lo 2>&1"
            guard let pipe = popen(command, "r") else { return "cannot run '\(command)'" }
            var output = [CChar](repeating: 0, count: 512)
            let text = fgets(&output, 512, pipe).map { String(cString: $0) } ?? ""
            let status = pclose(pipe)
            if status != 0 { return "'\(command)' failed (\(status)): \(text)" }
        }
        return nil
    }()
}
