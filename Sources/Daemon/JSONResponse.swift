import Hummingbird
import Sandbox

/// A JSON document as a response: the one way routes answer, so every body is `application/json`
/// written by the project's own writer (the same bytes `jcs --json` prints).
struct JSONResponse: ResponseGenerator {
    var value: JSONValue
    var status: HTTPResponse.Status = .ok

    init(_ value: JSONValue, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(value) + [UInt8(ascii: "\n")])))
    }
}
