import Testing

@testable import CodeServer
import Sandbox

struct GlobTests {
    @Test func literalPatternMatchesOnlyItself() {
        #expect(Glob("fs.read").matches("fs.read"))
        #expect(!Glob("fs.read").matches("fs.readx"))
        #expect(!Glob("fs.read").matches("fs"))
    }

    @Test func starMatchesAnyRunWithinOneComponent() {
        #expect(Glob("fs.*").matches("fs.write"))
        #expect(Glob("fs.*").matches("fs."))
        #expect(Glob("*.pem").matches("server.pem"))
        #expect(!Glob("*.pem").matches("certs/server.pem"))
        #expect(!Glob(".ssh/*").matches(".ssh/keys/old"))
    }

    @Test func doubleStarCrossesSlashes() {
        #expect(Glob("/opt/**").matches("/opt/sdk/include/a.h"))
        #expect(Glob("/opt/**/include").matches("/opt/sdk/v1/include"))
        #expect(!Glob("/opt/**").matches("/optional"))
    }

    @Test func questionMarkMatchesOneCharacterExceptSlash() {
        #expect(Glob("id_?sa").matches("id_rsa"))
        #expect(!Glob("id_?sa").matches("id_/sa"))
        #expect(!Glob("id_?sa").matches("id_sa"))
    }

    @Test func manyStarsStayFast() {
        let subject = String(repeating: "a", count: 2000)
        #expect(!Glob("*a*a*a*a*a*a*a*b").matches(subject))
    }
}
