/// Builds request targets: path segments and query values percent-encoded, so an id or search
/// text with `/`, `?` or spaces stays one segment or one value.
enum RequestTarget {
    static func path(_ segments: String..., query: [(String, String?)] = []) -> String {
        var target = segments.map { "/" + encode($0) }.joined()
        let pairs = query.compactMap { name, value in value.map { "\(name)=\(encode($0))" } }
        if !pairs.isEmpty { target += "?" + pairs.joined(separator: "&") }
        return target
    }

    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
