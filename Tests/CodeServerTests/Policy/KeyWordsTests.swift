import Testing

@testable import CodeServer

struct KeyWordsTests {
    @Test func keysSplitIntoWords() {
        #expect(KeyWords.words("filePath") == ["file", "path"])
        #expect(KeyWords.words("--out-dir") == ["out", "dir"])
        #expect(KeyWords.words("base_URL") == ["base", "url"])
        #expect(KeyWords.words("v2Endpoint") == ["v2", "endpoint"])
    }
}
