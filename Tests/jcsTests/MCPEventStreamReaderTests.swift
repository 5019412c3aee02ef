import Testing

@testable import JCSCLI

/// `jcs mcp`'s reader of the daemon's SSE answers: whatever way the bytes are cut on the wire,
/// the same messages come out, and nothing else does.
struct MCPEventStreamReaderTests {
    static let stream = Array(
        (": keep-alive\n\n" + "event: message\ndata: {\"a\":1}\n\n" + "data: {\"b\":2}\r\n\r\n"
            + "event: other\ndata: skipped\n\n" + "event: message\nid: 7\ndata: line1\ndata: line2\n\n" + "retry: 10\n\n").utf8)

    @Test func everyCutGivesTheSameMessages() {
        let expected = [Array("{\"a\":1}".utf8), Array("{\"b\":2}".utf8), Array("line1\nline2".utf8)]
        for size in [1, 2, 3, 7, 16, Self.stream.count] {
            var reader = MCPEventStreamReader()
            var messages: [[UInt8]] = []
            var offset = 0
            while offset < Self.stream.count {
                let end = min(offset + size, Self.stream.count)
                messages += reader.feed(Array(Self.stream[offset..<end]))
                offset = end
            }
            #expect(messages == expected, "chunks of \(size)")
        }
    }

    @Test func anOversizedEventIsDroppedWholeAndCounted() {
        var reader = MCPEventStreamReader(maximumEvent: 16)
        let big = "data: " + String(repeating: "x", count: 40) + "\n\n"
        #expect(reader.feed(Array((big + "data: ok\n\n").utf8)) == [Array("ok".utf8)])
        #expect(reader.droppedOversized == 1)
        // One without a newline at all is bounded too.
        #expect(reader.feed(Array(("data: " + String(repeating: "y", count: 64)).utf8)).isEmpty)
        #expect(reader.feed(Array("\n\ndata: next\n\n".utf8)) == [Array("next".utf8)])
        #expect(reader.droppedOversized == 2)
    }
}
