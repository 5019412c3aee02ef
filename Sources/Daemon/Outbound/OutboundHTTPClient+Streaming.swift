import AsyncHTTPClient
import NIOCore
import NIOHTTP1

extension OutboundHTTPClient {
    /// The head of a streamed answer.
    public struct StreamedHead: Sendable {
        public var status: Int
        public var headers: [(String, String)]

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// `POST url` whose answer is read as it arrives (a model's SSE stream): `onHead` sees the
    /// status and headers and says whether to read the body; `onBody` gets each piece and may
    /// throw to stop. An answer not read to its end (a thrown error, a cancelled task) closes the
    /// connection, so the endpoint sees the client go. Cancelling the calling task ends the
    /// request at once. The same URL rule and TLS verification as `post`.
    public func postStreaming(
        _ url: String, body: [UInt8], headers: [(String, String)], timeoutMs: Int64,
        onHead: (StreamedHead) throws -> Bool, onBody: ([UInt8]) throws -> Void
    ) async throws {
        if let reason = Self.refusal(of: url) { throw Failure.refusedURL(url: url, reason: reason) }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "jcs")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .now() + .milliseconds(timeoutMs))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout
            || error == .connectTimeout
        {
            throw Failure.timedOut
        }
        let head = StreamedHead(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) })
        guard try onHead(head) else { return }
        for try await buffer in response.body {
            try onBody(Array(buffer.readableBytesView))
        }
    }
}
