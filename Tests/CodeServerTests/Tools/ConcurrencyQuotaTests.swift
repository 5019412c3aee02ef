import Testing

@testable import CodeServer

struct ConcurrencyQuotaTests {
    @Test func projectLimitCountsEveryCall() {
        var quota = ConcurrencyQuota(projectLimit: 2, conversationLimit: 2)
        #expect(quota.acquire(conversationId: "c1") == nil)
        #expect(quota.acquire(conversationId: nil) == nil)
        #expect(quota.acquire(conversationId: "c2") == .maxConcurrencyReached)
        quota.release(conversationId: nil)
        #expect(quota.acquire(conversationId: "c2") == nil)
    }

    @Test func conversationLimitIsPerConversation() {
        var quota = ConcurrencyQuota(projectLimit: 10, conversationLimit: 1)
        #expect(quota.acquire(conversationId: "c1") == nil)
        #expect(quota.acquire(conversationId: "c1") == .conversationMaxConcurrencyReached)
        #expect(quota.acquire(conversationId: "c2") == nil)
        quota.release(conversationId: "c1")
        #expect(quota.acquire(conversationId: "c1") == nil)
        #expect(quota.running == 2)
    }

    @Test func zeroLimitsRefuseEveryCall() {
        var project = ConcurrencyQuota(projectLimit: 0, conversationLimit: 4)
        #expect(project.acquire(conversationId: nil) == .maxConcurrencyReached)
        var conversation = ConcurrencyQuota(projectLimit: 4, conversationLimit: 0)
        #expect(conversation.acquire(conversationId: "c1") == .conversationMaxConcurrencyReached)
        #expect(conversation.acquire(conversationId: nil) == nil)
    }

    @Test func refusalTakesNoSlot() {
        var quota = ConcurrencyQuota(projectLimit: 1, conversationLimit: 0)
        #expect(quota.acquire(conversationId: "c1") == .conversationMaxConcurrencyReached)
        #expect(quota.running == 0)
        #expect(quota.runningByConversation.isEmpty)
    }
}
