import Hummingbird

/// Query-string values with typed refusals naming the parameter.
extension Request {
    func queryInt(_ name: String) throws(APIError) -> Int? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let value = Int(text) else {
            throw APIError(.invalidField, status: .badRequest, field: name, "query parameter '\(name)' must be an integer")
        }
        return value
    }

    /// An integer in `range`, or `fallback` when absent. Bounds are checked here, not left to
    /// whatever the route hands the value to: a negative or huge limit is the caller's mistake,
    /// and it gets a 400 naming the parameter.
    func queryInt(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws(APIError) -> Int {
        guard let value = try queryInt(name) else { return fallback }
        guard range.contains(value) else {
            throw APIError(
                .invalidField, status: .badRequest, field: name,
                "query parameter '\(name)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    func queryString(_ name: String) -> String? { uri.queryParameters.get(name) }

    func queryBool(_ name: String) throws(APIError) -> Bool {
        switch uri.queryParameters.get(name) {
        case nil, "0", "false": return false
        case "", "1", "true": return true
        default:
            throw APIError(.invalidField, status: .badRequest, field: name, "query parameter '\(name)' must be true or false")
        }
    }
}

extension Parameters {
    /// A path parameter the route pattern guarantees, percent-decoded: clients encode ids and
    /// tool names as one segment each (`jcs` does), and the id they mean is the decoded one.
    func path(_ name: String) throws(APIError) -> String {
        guard let value = get(name) else {
            throw APIError(.internal, status: .internalServerError, "route parameter '\(name)' is missing")
        }
        guard let decoded = PercentDecoding.decode(value) else {
            throw APIError(
                .invalidField, status: .badRequest, field: name,
                "path segment '\(name)' has a malformed percent-escape or is not UTF-8 once decoded")
        }
        return decoded
    }
}

enum PercentDecoding {
    /// `%XX` escapes decoded; nil for a `%` without two hex digits or bytes that are not UTF-8.
    static func decode(_ text: some StringProtocol) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
