import ArgumentParser
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// One verb's round trip: send, then print the answer (JSON or human) or the refusal, and turn
/// the outcome into the documented exit status. Commands do nothing else.
struct DaemonRequest {
    let options: DaemonOptions

    /// Sends the request and prints the answer; `human` renders a successful answer for people.
    func run(
        _ method: String, _ target: String, body: JSONValue? = nil, human: (JSONValue) -> Void = HumanOutput.print
    ) throws {
        let value = try answer(method, target, body: body)
        if options.json {
            print(JSONWriter.text(value))
        } else {
            human(value)
        }
    }

    /// Sends the request and returns the daemon's successful answer, printing nothing; a refusal
    /// or no answer is printed and thrown as the documented exit status.
    func answer(_ method: String, _ target: String, body: JSONValue? = nil) throws -> JSONValue {
        let response: DaemonClient.Response
        do {
            response = try options.client.send(method, target, body: body)
        } catch {
            throw unreachable(error)
        }
        let value = (try? JSONParser.parse(response.body)) ?? .null
        guard (200..<300).contains(response.status) else { throw refused(value, status: response.status) }
        return value
    }

    /// Prints each line of a streamed answer (NDJSON) as it arrives, until the daemon ends it.
    func follow(_ target: String, human: (JSONValue) -> Void) throws {
        var refusal: [UInt8] = []
        var failed = false
        let status: Int
        do {
            status = try options.client.stream("GET", target) { line in
                guard !failed else { return refusal += line }
                guard let value = try? JSONParser.parse(line) else { return }
                if value["error"] != nil && value["message"] != nil {
                    failed = true
                    refusal = line
                    return
                }
                if options.json {
                    print(JSONWriter.text(value))
                } else {
                    human(value)
                }
                fflush(nil)
            }
        } catch {
            throw unreachable(error)
        }
        if failed || !(200..<300).contains(status) {
            throw refused((try? JSONParser.parse(refusal)) ?? .null, status: status)
        }
    }

    func unreachable(_ error: DaemonClientError) -> ExitCode {
        // Starting a daemon is the fix for a missing one, not for a socket someone else answers.
        let hint = if case .untrustedServer = error { "" } else { " (start it with `jcs serve`)" }
        let message = "cannot reach the daemon: \(error)\(hint)"
        if options.json {
            print(JSONWriter.text(["error": "daemon_unreachable", "message": .string(message)]))
        } else {
            printError("jcs: \(message)")
        }
        return DaemonExit.unreachable
    }

    func refused(_ value: JSONValue, status: Int) -> ExitCode {
        if options.json {
            print(JSONWriter.text(value))
        } else {
            let code = value["error"]?.stringValue ?? "http_\(status)"
            let field = value["field"]?.stringValue.map { " (field '\($0)')" } ?? ""
            var message = value["message"]?.stringValue ?? "the daemon answered \(status)"
            // Engine messages already start with their code.
            if message.hasPrefix(code + ": ") { message.removeFirst(code.count + 2) }
            printError("jcs: \(code)\(field): \(message)")
        }
        return DaemonExit.refused
    }
}

/// A line on stderr, escaped (`HumanOutput.escaped`): messages quote names from projects (asset
/// paths, a daemon's refusal) that must not reach the terminal as control sequences.
func printError(_ text: String) {
    let bytes = Array((HumanOutput.escaped(text) + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
