import Testing

@testable import CodeServer

struct KeyValueTextTests {
    @Test func pairsAreSplitAtWhitespaceAmpersandAndSemicolon() {
        let pairs = KeyValueText.pairs(in: "a=1&b=2;c=3 --d-e=4 =5 f='6 7'")
        #expect(pairs.map(\.key) == ["a", "b", "c", "d-e", "f"])
        #expect(pairs.map(\.value) == ["1", "2", "3", "4", "6 7"])
    }

    @Test func aValueMayContainEqualsSigns() {
        #expect(KeyValueText.pairs(in: "x=a=b").map(\.value) == ["a=b"])
    }
}
