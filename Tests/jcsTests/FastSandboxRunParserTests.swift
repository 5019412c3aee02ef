import Testing

@testable import JCSCLI

/// The fast path must mean exactly what ArgumentParser means, or hand the arguments over.
struct FastSandboxRunParserTests {
    static let plain: [[String]] = [
        ["sandbox", "run", "--", "/bin/true"],
        ["sandbox", "run", "--json", "--", "sh", "-c", "echo --json"],
        ["sandbox", "run", "--profile", "strict", "--root", "/tmp", "--", "ls", "-la"],
        ["sandbox", "run", "--timeout-ms", "500", "--memory-mb", "64", "--max-procs", "8", "--max-output-bytes", "0", "--", "x"],
        ["sandbox", "run", "--env", "A=1", "--env", "B=", "--json", "--", "env"],
        ["sandbox", "run", "--", "--looks-like-a-flag", "--", "again"],
    ]

    @Test(arguments: plain)
    func plainInvocationsParseLikeArgumentParser(_ arguments: [String]) throws {
        let fast = try #require(FastSandboxRunParser.parse(["jcs"] + arguments))
        let command = try SandboxRunCommand.parse(Array(arguments.dropFirst(2)))
        #expect(fast == command.options)
    }

    static let handedOver: [[String]] = [
        ["sandbox", "run", "--help"],
        ["sandbox", "run", "--timeout-ms=5", "--", "x"],
        ["sandbox", "run", "--timeout-ms", "abc", "--", "x"],
        ["sandbox", "run", "--timeout-ms", "0", "--", "x"],
        ["sandbox", "run", "--env", "NOEQUALS", "--", "x"],
        ["sandbox", "run", "--unknown", "--", "x"],
        ["sandbox", "run", "--profile"],
        ["sandbox", "run", "--"],
        ["sandbox", "run", "true"],
        ["sandbox", "check", "--", "x"],
        ["doctor"],
    ]

    @Test(arguments: handedOver)
    func anythingUnusualGoesToArgumentParser(_ arguments: [String]) {
        #expect(FastSandboxRunParser.parse(["jcs"] + arguments) == nil)
    }
}
