import Testing

@testable import CodeServer
import Sandbox

struct OutsideRootAllowlistTests {
    @Test func pathEntryCoversItselfAndBelowButNotLookAlikes() {
        let list = OutsideRootAllowlist(entries: [OutsideRootEntry(match: .path("/opt/sdk"), reasonCode: "sdk")])
        #expect(list.entry(covering: "/opt/sdk")?.reasonCode == "sdk")
        #expect(list.entry(covering: "/opt/sdk/include/a.h")?.reasonCode == "sdk")
        #expect(list.entry(covering: "/opt/sdk2") == nil)
        #expect(list.entry(covering: "/opt") == nil)
    }

    @Test func patternEntryMatchesTheWholePath() {
        let list = OutsideRootAllowlist(entries: [
            OutsideRootEntry(match: .pattern(Glob("/usr/share/*/dict/**")), reasonCode: "dictionaries")
        ])
        #expect(list.entry(covering: "/usr/share/en/dict/words") != nil)
        #expect(list.entry(covering: "/usr/share/en/other/words") == nil)
    }

    @Test func firstCoveringEntryIsUsed() {
        let list = OutsideRootAllowlist(entries: [
            OutsideRootEntry(match: .path("/srv/data/public"), reasonCode: "public"),
            OutsideRootEntry(match: .path("/srv/data"), reasonCode: "data"),
        ])
        #expect(list.entry(covering: "/srv/data/public/x")?.reasonCode == "public")
        #expect(list.entry(covering: "/srv/data/private/x")?.reasonCode == "data")
    }
}
