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

    @Test func matchingTheLastComponentsAnswersWhatTheJoinedRunWould() {
        let ssh = Glob(".ssh/*")
        #expect(ssh.matchesLast(of: [".ssh", "id"]))
        #expect(ssh.matchesLast(of: ["home", ".ssh", "id"]))
        #expect(!ssh.matchesLast(of: ["id"]), "fewer components than the pattern spans")
        #expect(!ssh.matchesLast(of: [".ssh", "keys", "id"]), "`*` does not span a component")
        #expect(Glob("*.pem").matchesLast(of: ["certs", "a.pem"]))
        #expect(!Glob("a/**").matchesLast(of: ["a", "b"]), "no fixed count: asked on joined runs")
        #expect(Glob("?b/c?").matchesLast(of: ["x", "ab", "cd"]) == Glob("?b/c?").matches("ab/cd"))
        #expect(!Glob("a//b").matchesLast(of: ["a", "b", "c"]) && !Glob("a//b").matches("a/b"))
    }

    @Test func equalPatternsAreEqualGlobs() {
        #expect(Glob("*.pem") == Glob("*.pem"))
        #expect(Glob("*.pem") != Glob("*.key"))
        #expect(Set([Glob("a"), Glob("a"), Glob("b")]).count == 2)
    }
}
