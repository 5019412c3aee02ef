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
    /// A path parameter the route pattern guarantees.
    func path(_ name: String) throws(APIError) -> String {
        guard let value = get(name) else {
            throw APIError(.internal, status: .internalServerError, "route parameter '\(name)' is missing")
        }
        return value
    }
}
