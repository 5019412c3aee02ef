import TestSupport
import Testing

@testable import CodeServer

@Suite(.tags(.reliability))
struct TimeoutAlertWindowTests {
    @Test func thresholdWithinTheWindowAlertsOnce() {
        var window = TimeoutAlertWindow(threshold: 3, windowMs: 1000)
        #expect(window.record(tool: "shell.run", atMs: 0) == nil)
        #expect(window.record(tool: "shell.run", atMs: 500) == nil)
        #expect(window.record(tool: "shell.run", atMs: 999) == 3)
        // The count starts over after an alert.
        #expect(window.record(tool: "shell.run", atMs: 1000) == nil)
    }

    @Test func timeoutExactlyOneWindowOldHasLeftIt() {
        var window = TimeoutAlertWindow(threshold: 2, windowMs: 1000)
        #expect(window.record(tool: "shell.run", atMs: 0) == nil)
        #expect(window.record(tool: "shell.run", atMs: 1000) == nil)
        #expect(window.record(tool: "shell.run", atMs: 1999) == 2)
    }

    @Test func toolsAreCountedSeparately() {
        var window = TimeoutAlertWindow(threshold: 2, windowMs: 1000)
        #expect(window.record(tool: "shell.run", atMs: 0) == nil)
        #expect(window.record(tool: "fs.search", atMs: 1) == nil)
        #expect(window.record(tool: "fs.search", atMs: 2) == 2)
    }

    @Test func thresholdOfOneAlertsOnEveryTimeout() {
        var window = TimeoutAlertWindow(threshold: 1, windowMs: 10)
        #expect(window.record(tool: "t", atMs: 0) == 1)
        #expect(window.record(tool: "t", atMs: 1) == 1)
    }
}
