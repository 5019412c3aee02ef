import Sandbox
import Testing

@testable import CodeServer

struct KernelViolationEventTests {
    private let call = ToolCall(tool: "shell.run", id: "call-1", conversationId: "c1", correlationId: "corr-1")

    @Test(arguments: [
        ("network_denied", "security.network_denied"), ("network_protocol_denied", "security.network_denied"),
        ("syscall_denied", "security.syscall_denied"), ("namespace_denied", "security.namespace_denied"),
        ("syscall_killed", "security.syscall_killed"), ("limit_exceeded", "security.limit_exceeded"),
        ("abi_denied", "security.kernel_violation"),
    ])
    func everyKindBecomesASecurityEvent(kind: String, name: String) {
        #expect(KernelViolationEvent.name(for: kind).rawValue == name)
    }

    @Test func eventCarriesTheCallsIdsAndTheEvidence() {
        let violation = Violation(
            kind: "network_protocol_denied", syscall: "socket", family: "AF_NETLINK", atMs: 1_700_000_000_000)
        let event = KernelViolationEvent.event(violation, call: call, projectId: "p1")
        #expect(event.name == .networkDenied)
        #expect(event.projectId == "p1")
        #expect(event.conversationId == "c1")
        #expect(event.correlationId == "corr-1")
        #expect(event.atMs == 1_700_000_000_000)
        #expect(event.payload.json["reason"] == "network_protocol_denied")
        #expect(event.payload.json["family"] == "AF_NETLINK")
        #expect(event.payload.json["call_id"] == "call-1")
        #expect(event.payload.json["source"] == "kernel")
    }
}
