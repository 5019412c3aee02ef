#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Inputs from callers that are wrong or hostile: every one gets a structured refusal, nothing
/// crashes, nothing hangs.
struct HostileInputTests {
    static let seeds: [String] = [
        #"{"type":"prepare","root":"/tmp","profile":{"name":"x"}}"#,
        #"{"type":"run","argv":["/bin/true"],"env":{"A":"b"},"cwd":null}"#,
        #"{"name":"p","limits":{"timeout_ms":5,"memory_mb":64},"seccomp":{"rules":[{"syscalls":["ptrace"],"action":"deny"}]}}"#,
    ]

    /// Mutates a valid document: byte flips, truncation, duplication, invalid UTF-8, deep nesting.
    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        switch rng.next() % 6 {
        case 0: bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
        case 1: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
        case 2: bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: Int(rng.next() % UInt64(bytes.count)))
        case 3: bytes = Array(repeating: UInt8(ascii: "["), count: 200 + Int(rng.next() % 2000)) + bytes
        case 4: bytes += bytes
        default:
            let at = Int(rng.next() % UInt64(bytes.count))
            bytes.insert(contentsOf: Array(#","extra":{"k":[1,2,{"z":null}]}"#.utf8), at: at)
        }
        return bytes
    }

    @Test func theParserAndDecoderRefuseTenThousandMutationsCleanly() {
        var rng = SplitMix64(state: 0x5EED)
        var refused = 0
        for i in 0..<10_000 {
            let seed = Array(Self.seeds[i % Self.seeds.count].utf8)
            let input = Self.mutate(seed, &rng)
            do {
                let value = try JSONParser.parse(input)
                _ = try? ProfileDecoder.decode(text: JSONWriter.text(value))
                _ = try? WorkerMessage(json: value)
            } catch {
                refused += 1
                #expect(error.offset <= input.count, "case \(i): offset past the input")
            }
        }
        #expect(refused > 1000, "the mutations should mostly be invalid JSON")
    }

    @Test(.enabled(if: BuiltProducts.exists("jcs-worker"), "jcs-worker is not built (run scripts/test)"))
    func theWorkerAnswersEveryMalformedFirstLineWithAStructuredError() throws {
        var rng = SplitMix64(state: 0xBAD)
        for i in 0..<200 {
            var line = Self.mutate(Array(Self.seeds[0].utf8), &rng).filter { $0 != UInt8(ascii: "\n") }
            line.append(UInt8(ascii: "\n"))
            let r = runProduct("jcs-worker", [], stdin: String(decoding: line, as: UTF8.self))
            // A mutation may still be a valid prepare (then the worker builds a sandbox and exits
            // when stdin closes); anything else must be refused as a protocol error.
            if r.status != 0 {
                #expect(r.status == 2 || r.status == 125, "case \(i): status \(r.status)")
                let answer = try JSONParser.parse(r.out)
                #expect(answer["type"]?.stringValue == "error", "case \(i): \(r.out)")
                #expect(answer["code"]?.stringValue?.isEmpty == false)
            }
        }
    }
}
