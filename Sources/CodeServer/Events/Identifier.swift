/// Generates the ids the runtime hands out (projects, conversations, calls, correlation ids): a
/// prefix and 128 random bits in hex, so ids from several coordinators sharing a store do not
/// collide and an id says what it names.
public enum Identifier {
    public static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return prefix + "-" + hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
