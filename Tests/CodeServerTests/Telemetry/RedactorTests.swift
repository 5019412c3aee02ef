import Sandbox
import Testing

@testable import CodeServer

struct RedactorTests {
    private let redactor = Redactor()
    private let r = SecretScanner.replacement

    @Test(arguments: [
        "token", "TOKEN", "access_token", "githubToken", "X-Api-Key", "api_key", "apiKey", "APIKEY", "APIKey",
        "apikey", "secret", "Client_Secret", "password", "PASSWORD", "passwd", "authorization", "Authorization",
        "credential", "credentials", "private_key", "privateKey", "access_key", "AWS_SECRET_ACCESS_KEY", "session",
        "sessionId", "session_id", "cookie", "Set-Cookie", "auth", "basic_auth",
    ])
    func secretKeysAreRedactedInAnyCase(key: String) {
        let out = redactor.redact(.object([key: "hunter2", "tool": "git"]))
        #expect(out[key] == .string(r))
        #expect(out["tool"] == "git")
    }

    @Test(arguments: ["token_count", "max_tokens", "input_tokens", "session_count", "author", "keyword", "tool", "path"])
    func keysThatOnlyResembleSecretsAreKept(key: String) {
        #expect(redactor.redact(.object([key: 42])) == .object([key: 42]))
    }

    @Test func secretValuesOfAnyTypeAreReplacedWhole() {
        let out = redactor.redact(["password": 1234, "credentials": ["user": "u", "pass": "p"], "token": ["a", "b"]])
        #expect(out == ["password": .string(r), "credentials": .string(r), "token": .string(r)])
    }

    @Test func nestedObjectsAndArraysAreWalked() {
        let input: JSONValue = [
            "call": ["args": ["env": [["name": "HOME"], ["Api_Key": "abc"]], "headers": ["Authorization": "Basic x"]]],
            "list": [["deeper": [["secret": "s"]]]],
        ]
        let out = redactor.redact(input)
        #expect(out["call"]?["args"]?["env"]?[1]?["Api_Key"] == .string(r))
        #expect(out["call"]?["args"]?["env"]?[0]?["name"] == "HOME")
        #expect(out["call"]?["args"]?["headers"]?["Authorization"] == .string(r))
        #expect(out["list"]?[0]?["deeper"]?[0]?["secret"] == .string(r))
    }

    @Test(arguments: [
        ("curl -H 'Authorization: Bearer abc123DEF456ghi' https://x", "curl -H 'Authorization: Bearer [REDACTED]' https://x"),
        ("bearer  eyJhbGciOi.eyJzdWIi.sig-123", "bearer  [REDACTED]"),
        ("key=sk-abcdefghijklmnopqrstuvwxyz0123 end", "key=sk-[REDACTED] end"),
        ("sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "sk-[REDACTED]"),
        ("push with ghp_abcdefghijklmnopqrstuvwxyz0123456789 now", "push with ghp_[REDACTED] now"),
        ("gho_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "gho_[REDACTED]"),
        ("(ghs_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345)", "(ghs_[REDACTED])"),
        ("ghu_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "ghu_[REDACTED]"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_pat_[REDACTED]"),
        ("aws AKIAIOSFODNN7EXAMPLE key", "aws AKIA[REDACTED] key"),
        ("slack xoxb-123456789012-abcdefghij done", "slack xoxb-[REDACTED] done"),
        ("xoxp-1234567890-abc", "xoxp-[REDACTED]"),
        ("jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk;",
         "jwt=[REDACTED];"),
    ])
    func secretValuesInsideLongerStringsAreReplacedAndTheRestKept(input: String, expected: String) {
        #expect(SecretScanner.redact(input) == expected)
        #expect(redactor.redact(.object(["message": .string(input)])) == .object(["message": .string(expected)]))
    }

    @Test func pemPrivateKeyBlockSpanningLinesIsReplaced() {
        let text = """
            before
            -----BEGIN RSA PRIVATE KEY-----
            MIIEowIBAAKCAQEA1234
            abcdEFGH==
            -----END RSA PRIVATE KEY-----
            after
            """
        #expect(SecretScanner.redact(text) == "before\n[REDACTED]\nafter")
        let openssh = "k=-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----"
        #expect(SecretScanner.redact(openssh) == "k=[REDACTED]")
    }

    @Test func truncatedPemPrivateKeyIsReplacedToTheEnd() {
        #expect(SecretScanner.redact("x -----BEGIN PRIVATE KEY-----\nMIIEv") == "x [REDACTED]")
    }

    @Test(arguments: [
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
        "the bearer of bad news", "Bearer token required", "Bearer abcdefghijkl",
        "pip install sk-learn", "task-abcdefghijklmnopqrstuvwxyz", "ghp_short", "askghp_abcdefghijklmnopqrstuvwxyz0123",
        "AKIAIOSFODNN7EXAMPLEX", "AKIA1234", "xoxz-1234567890-abc", "xoxb-123", "eyJhbGci.eyJzdWIi",
        "eyJ.a.b", "github_pat_short", "plain text with sk- and ghp_ and AKIA",
    ])
    func nearMissesAreNotRedacted(text: String) {
        #expect(SecretScanner.redact(text) == text)
    }

    @Test func multiByteTextAroundASecretSurvives() {
        #expect(SecretScanner.redact("clé→ ghp_abcdefghijklmnopqrstuvwxyz0123 ✓") == "clé→ ghp_[REDACTED] ✓")
    }

    @Test func keysAreSplitIntoWordsAtCaseAndSeparators() {
        #expect(SecretKeys.words("X-Api-Key") == ["x", "api", "key"])
        #expect(SecretKeys.words("APIKey") == ["api", "key"])
        #expect(SecretKeys.words("sessionID") == ["session", "id"])
        #expect(SecretKeys.words("AWS_SECRET_ACCESS_KEY") == ["aws", "secret", "access", "key"])
    }
}
