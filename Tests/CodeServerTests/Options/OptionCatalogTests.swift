#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import Testing

@testable import CodeServer

/// The option catalog (`jcs project options`, docs/options.md) is checked against the one
/// reader: a key the reader takes and the catalog lacks, or one the docs lack, fails here.
struct OptionCatalogTests {
    @Test func theCatalogListsExactlyTheKeysTheReaderTakes() throws {
        let effective = Set(RuntimeOptions().effectiveJSON.objectValue?.keys.map { $0 } ?? [])
        // Every key with a default is listed; the others (unset by default: the model's) are
        // listed too, and checked below to be keys the reader knows.
        #expect(effective.isSubset(of: Set(OptionCatalog.keys)), "\(effective.subtracting(OptionCatalog.keys))")
        #expect(OptionCatalog.keys.count == Set(OptionCatalog.keys).count, "a key listed twice")
        for spec in OptionCatalog.all {
            if spec.defaultValue == .null {
                // No default to read back: the reader must still know the key (a wrong value,
                // not an unknown key).
                do {
                    _ = try RuntimeOptions.parse([spec.key: .null])
                } catch {
                    #expect(!"\(error)".contains("unknown"), "\(spec.key): \(error)")
                }
            } else {
                // Each key is one the reader accepts: its own default reads back.
                #expect(throws: Never.self, "\(spec.key)") { try RuntimeOptions.parse([spec.key: spec.defaultValue]) }
            }
            #expect(!spec.meaning.isEmpty && !spec.type.isEmpty)
        }
    }

    @Test func anUnknownOptionGetsADidYouMeanAndTheValidKeys() {
        #expect(OptionCatalog.suggestions(for: "tool_timeout").first == "tool_timeout_ms")
        #expect(OptionCatalog.suggestions(for: "tool_timout_ms").first == "tool_timeout_ms")
        let error = OptionError(key: "tool_timeout", kind: .unknownKey)
        #expect(error.reason.contains("did you mean 'tool_timeout_ms'?"), "\(error.reason)")
        #expect(error.reason.contains("Valid options: tool_timeout_ms,"))
        #expect(OptionError(key: "outside_root_allowlist[0].x", kind: .unknownKey).reason == "unknown key")
    }

    @Test func docsHoldTheTableOfEveryOption() throws {
        let path = String(#filePath.split(separator: "/Tests/").first ?? "") + "/docs/options.md"
        let docs = try #require(readText(path), "docs/options.md is missing")
        var missing: [String] = []
        for spec in OptionCatalog.all where !docs.contains(Self.row(spec)) { missing.append(Self.row(spec)) }
        #expect(missing.isEmpty, "docs/options.md lacks (or has stale) rows; expected:\n\(missing.joined(separator: "\n"))")
    }

    /// The table row docs/options.md must hold for `spec`.
    static func row(_ spec: OptionSpec) -> String {
        "| `\(spec.key)` | \(spec.type) | `\(JSONWriter.text(spec.defaultValue))` | \(spec.meaning) |"
    }

    private func readText(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
