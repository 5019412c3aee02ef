/// The one reader and writer of DNS messages (RFC 1035) for the sandbox's stub resolver: a query
/// in, an answer out. The input is the tool's, so hostile by assumption: every read is bounded by
/// the message, a compression pointer must point before the labels that led to it (no loops), at
/// most `maxPointers` times, labels are at most 63 bytes and names 255, and counts are checked before
/// anything is read by them. Nothing here allocates more than the message's own size.
enum DNSMessage {
    /// The rcodes the stub answers with.
    enum Rcode: UInt8, Sendable {
        case noError = 0
        case formatError = 1
        case serverFailure = 2
        case nameError = 3  // NXDOMAIN
        case notImplemented = 4
        case refused = 5
    }

    static let port: UInt16 = 53
    static let typeA: UInt16 = 1
    static let typeAAAA: UInt16 = 28
    static let classIN: UInt16 = 1
    static let maxNameBytes = 255
    static let maxLabelBytes = 63
    static let maxPointers = 16
    /// A reply over UDP without EDNS stays within this (RFC 1035 §4.2.1); the stub never needs
    /// more, so it keeps every reply within it and never sets TC.
    static let maxUDPReply = 512

    /// Why a message is not a query the stub answers. `id` is known when at least the header
    /// was there (then the client gets a FORMERR/NOTIMP instead of silence).
    struct Malformed: Error, Equatable {
        var reason: String
        var id: UInt16?
        var rcode: Rcode = .formatError
    }

    /// One question: the name as its labels (case kept, for the echo), and its lowercased
    /// dotted form for the policy.
    struct Query: Equatable {
        var id: UInt16
        var recursionDesired: Bool
        var labels: [[UInt8]]
        var type: UInt16
        var `class`: UInt16

        /// Lowercase, dot-separated; nil when a label holds anything but letters, digits, `-`
        /// and `_` (a name the policy could not match and no allowlist entry can name).
        var name: String? {
            var parts: [String] = []
            for label in labels {
                guard
                    label.allSatisfy({
                        (0x30...0x39).contains($0) || (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0)
                            || $0 == 0x2d || $0 == 0x5f
                    })
                else { return nil }
                parts.append(String(decoding: label, as: UTF8.self).lowercased())
            }
            return parts.joined(separator: ".")
        }
    }

    /// Reads a query: a header with QR 0 and opcode QUERY, exactly one question, no answers or
    /// authority records; additional records (EDNS's OPT) are allowed and ignored.
    static func parseQuery(_ bytes: [UInt8]) throws(Malformed) -> Query {
        guard bytes.count >= 12 else { throw Malformed(reason: "shorter than a DNS header (\(bytes.count) bytes)") }
        let id = u16(bytes, 0)
        let flags = u16(bytes, 2)
        guard flags & 0x8000 == 0 else { throw Malformed(reason: "a response, not a query", id: id) }
        let opcode = (flags >> 11) & 0xF
        guard opcode == 0 else {
            throw Malformed(reason: "opcode \(opcode) is not QUERY", id: id, rcode: .notImplemented)
        }
        let questions = u16(bytes, 4)
        guard questions == 1 else { throw Malformed(reason: "\(questions) questions (one expected)", id: id) }
        guard u16(bytes, 6) == 0, u16(bytes, 8) == 0 else {
            throw Malformed(reason: "a query with answer or authority records", id: id)
        }
        var offset = 12
        let labels = try readName(bytes, &offset, id: id)
        guard offset + 4 <= bytes.count else { throw Malformed(reason: "the question ends early", id: id) }
        return Query(
            id: id, recursionDesired: flags & 0x0100 != 0, labels: labels, type: u16(bytes, offset),
            class: u16(bytes, offset + 2))
    }

    /// A name at `offset` (left just past it in the message; a pointer ends it).
    static func readName(_ bytes: [UInt8], _ offset: inout Int, id: UInt16?) throws(Malformed) -> [[UInt8]] {
        var labels: [[UInt8]] = []
        var wireLength = 1  // the root label
        var cursor = offset
        // Where the labels being read began: a pointer must point before it, so every jump goes
        // strictly backwards past everything read since the last one, and a chain must end.
        var runStart = offset
        var jumped = false
        var pointers = 0
        while true {
            guard cursor < bytes.count else { throw Malformed(reason: "a name runs past the message", id: id) }
            let length = Int(bytes[cursor])
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    if !jumped { offset = cursor + 1 }
                    return labels
                }
                guard cursor + 1 + length <= bytes.count else {
                    throw Malformed(reason: "a label runs past the message", id: id)
                }
                wireLength += 1 + length
                guard wireLength <= maxNameBytes else {
                    throw Malformed(reason: "a name longer than \(maxNameBytes) bytes", id: id)
                }
                labels.append(Array(bytes[(cursor + 1)..<(cursor + 1 + length)]))
                cursor += 1 + length
            case 0xC0:
                guard cursor + 1 < bytes.count else { throw Malformed(reason: "a pointer runs past the message", id: id) }
                let target = (length & 0x3F) << 8 | Int(bytes[cursor + 1])
                pointers += 1
                guard target < runStart, pointers <= maxPointers else {
                    throw Malformed(reason: "a compression pointer that does not point backwards (a loop)", id: id)
                }
                if !jumped { offset = cursor + 2 }
                jumped = true
                cursor = target
                runStart = target
            default:
                throw Malformed(reason: "label type 0x\(String(length & 0xC0, radix: 16)) is not supported", id: id)
            }
        }
    }

    /// A reply to `query`: the question echoed as asked, then one record per address of the
    /// question's type, as many as fit in `maxUDPReply`. No EDNS, no authority section.
    static func reply(to query: Query, rcode: Rcode, addresses: [IPAddress] = [], ttl: UInt32 = 30) -> [UInt8] {
        let records = addresses.filter { query.type == ($0.isIPv4 ? typeA : typeAAAA) }
        var out = header(id: query.id, recursionDesired: query.recursionDesired, rcode: rcode, questions: 1)
        for label in query.labels {
            out.append(UInt8(label.count))
            out.append(contentsOf: label)
        }
        out.append(0)
        put16(&out, query.type)
        put16(&out, query.class)
        var answers: UInt16 = 0
        for address in records {
            let data = address.bytes
            guard out.count + 12 + data.count <= maxUDPReply else { break }
            out.append(contentsOf: [0xC0, 0x0C])  // the question's name, at offset 12
            put16(&out, query.type)
            put16(&out, classIN)
            put16(&out, UInt16(ttl >> 16))
            put16(&out, UInt16(ttl & 0xFFFF))
            put16(&out, UInt16(data.count))
            out.append(contentsOf: data)
            answers += 1
        }
        out[6] = UInt8(answers >> 8)
        out[7] = UInt8(answers & 0xFF)
        return out
    }

    /// A reply that echoes no question: for a message whose question could not be read.
    static func reply(id: UInt16, rcode: Rcode) -> [UInt8] {
        header(id: id, recursionDesired: false, rcode: rcode, questions: 0)
    }

    private static func header(id: UInt16, recursionDesired: Bool, rcode: Rcode, questions: UInt16) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(maxUDPReply)
        put16(&out, id)
        // QR, RD as asked, RA: a recursive resolver as far as the client can tell.
        put16(&out, 0x8000 | (recursionDesired ? 0x0100 : 0) | 0x0080 | UInt16(rcode.rawValue))
        put16(&out, questions)
        put16(&out, 0)
        put16(&out, 0)
        put16(&out, 0)
        return out
    }

    private static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    private static func put16(_ out: inout [UInt8], _ value: UInt16) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }
}
