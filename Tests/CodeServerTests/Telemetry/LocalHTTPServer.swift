#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 and an ephemeral port, on a thread of its own: it answers
/// each request with the next status of its script (the last one repeats) and records the bodies.
final class LocalHTTPServer: Sendable {
    let port: UInt16
    private let listener: Int32
    private let statuses: [Int]
    private let received = Mutex<[String]>([])
    private let thread = Mutex<pthread_t?>(nil)

    init(statuses: [Int]) {
        self.statuses = statuses
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                precondition(bind(fd, sa, length) == 0 && listen(fd, 16) == 0)
                precondition(getsockname(fd, sa, &length) == 0)
            }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        var handle = pthread_t()
        pthread_create(&handle, nil, { raw in
            Unmanaged<LocalHTTPServer>.fromOpaque(raw!).takeRetainedValue().serve()
            return nil
        }, Unmanaged.passRetained(self).toOpaque())
        thread.withLock { $0 = handle }
    }

    var bodies: [String] { received.withLock { $0 } }

    /// Closes the listener and joins the thread.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        if let handle = thread.withLock({ state in defer { state = nil }; return state }) { pthread_join(handle, nil) }
        close(listener)
    }

    private func serve() {
        var served = 0
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let body = readRequestBody(client)
            let status = statuses[min(served, statuses.count - 1)]
            served += 1
            received.withLock { $0.append(body) }
            let answer = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = answer.utf8CString.withUnsafeBytes { send(client, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }

    private func readRequestBody(_ fd: Int32) -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var body: Range<Int>?
        while true {
            if body == nil, let end = headerEnd(data) {
                let head = String(decoding: data[..<end], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingPrefix(" ")) } ?? 0
                body = (end + 4)..<(end + 4 + length)
            }
            if let body, data.count >= body.upperBound {
                return String(decoding: data[body], as: UTF8.self)
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return "" }
            data += buffer[..<n]
        }
    }

    private func headerEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// A port on 127.0.0.1 with nothing listening: connections to it are refused at once.
func deadLocalPort() -> UInt16 {
    let server = LocalHTTPServer(statuses: [200])
    let port = server.port
    server.stop()
    return port
}
