import Sandbox
import Testing

@testable import CodeServer

struct SchemaValidatorTests {
    private let validator = SchemaValidator()

    private func violations(_ tool: String, _ arguments: JSONValue) throws -> [SchemaViolation] {
        let definition = try #require(ToolCatalog.builtin.tool(named: tool))
        return validator.validate(arguments, against: definition.inputSchema)
    }

    @Test func wrongTypeNamesTheArgumentPath() throws {
        #expect(try violations("fs.read", ["path": "a", "limit": "ten"]) == [
            SchemaViolation(path: "args.limit", reason: "expected integer, got string")
        ])
    }

    @Test func missingRequiredArgumentIsNamed() throws {
        #expect(try violations("fs.write", ["path": "a"]) == [SchemaViolation(path: "args.content", reason: "is required")])
    }

    @Test func unknownArgumentIsRefusedWhenAdditionalPropertiesIsFalse() throws {
        #expect(try violations("fs.list", ["path": ".", "recursive": true]).map(\.path) == ["args.recursive"])
    }

    @Test func arrayItemsAreCheckedWithTheirIndex() throws {
        #expect(try violations("shell.run", ["argv": ["/bin/ls", 3, ""]]) == [
            SchemaViolation(path: "args.argv[1]", reason: "expected string, got integer"),
            SchemaViolation(path: "args.argv[2]", reason: "must be at least 1 characters long"),
        ])
    }

    @Test func additionalPropertiesSchemaChecksEveryExtraMember() throws {
        #expect(try violations("shell.run", ["script": "true", "env": ["A": "1", "B": 2]]).map(\.path) == ["args.env.B"])
    }

    @Test func enumMinimumMaximumAndLengthsAreEnforced() throws {
        #expect(try violations("asset.list", ["kind": "plugin"]).map(\.path) == ["args.kind"])
        #expect(try violations("fs.read", ["path": "a", "offset": -1]).map(\.reason) == ["must be at least 0"])
        #expect(try violations("shell.run", ["script": "x", "timeout_ms": 86_400_001]).map(\.reason) == [
            "must be at most 86400000"
        ])
        #expect(try violations("fs.read", ["path": ""]).map(\.reason) == ["must be at least 1 characters long"])
        let long = String(repeating: "a", count: 4097)
        #expect(try violations("fs.read", ["path": .string(long)]).map(\.reason) == [
            "must be at most 4096 characters long"
        ])
    }

    @Test func patternIsSearchedInTheString() {
        let schema: JSONValue = ["type": "string", "pattern": "^[a-z]+$"]
        #expect(validator.validate("abc", against: schema).isEmpty)
        #expect(validator.validate("ab1", against: schema) == [
            SchemaViolation(path: "args", reason: "must match the pattern ^[a-z]+$")
        ])
    }

    @Test func integralDoubleIsAnInteger() {
        #expect(validator.validate(3.0, against: ["type": "integer"]).isEmpty)
        #expect(!validator.validate(3.5, against: ["type": "integer"]).isEmpty)
    }

    @Test func everyViolationIsReportedAtOnce() throws {
        #expect(try violations("fs.read", ["offset": "x", "extra": 1]).map(\.path) == [
            "args.path", "args.extra", "args.offset",
        ])
    }

    @Test func argumentsThatAreNotAnObjectAreRefused() throws {
        #expect(try violations("fs.read", ["a", "b"]) == [SchemaViolation(path: "args", reason: "expected object, got array")])
    }
}
