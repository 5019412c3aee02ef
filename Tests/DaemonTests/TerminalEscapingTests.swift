import Sandbox
import TestSupport
import Testing

/// Finding 9 end to end: an asset file named with terminal controls, reported by the real
/// daemon, printed by the real `jcs` in its human form.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct TerminalEscapingTests {
    @Test func reloadAssetsAndDiagnosticsPrintHostileNamesAsVisibleEscapes() throws {
        let hostile = "\u{1B}]0;pwned\u{07}\nforged: line\r\u{1B}[31mx.md"
        let fixture = try DaemonFixture()
        _ = system2(["/bin/mkdir", "-p", fixture.projectRoot + "/.jido/skills"])
        fixture.directory.write("project/.jido/skills/\(hostile)", "no front matter")
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        for verb in [["reload-assets", "p1"], ["diagnostics", "p1"]] {
            let human = runProduct("jcs", verb + ["--socket", fixture.daemon.socketPath])
            #expect(human.status == 0, "\(verb): \(human.err)")
            let controls = human.out.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F }
            #expect(controls.isEmpty, "\(verb) printed raw controls: \(human.out.debugDescription)")
            #expect(!human.out.contains("\nforged: line"), "\(verb) let a name forge a line")
        }
        let reload = runProduct("jcs", ["reload-assets", "p1", "--socket", fixture.daemon.socketPath])
        #expect(reload.out.contains("\\e]0;pwned\\x07\\nforged: line\\r\\e[31mx.md"), "\(reload.out)")
    }
}
