import ArgumentParser
import Sandbox

/// `jcs profile check FILE... [--json]`: validates profiles and prints each one's verdict.
struct ProfileCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate sandbox profiles and print their sha256.",
        discussion: """
            Checks each profile against the schema in docs/profiles.md: unknown keys at any level, \
            wrong types, values out of range, unsafe paths, overlapping mounts, and unknown syscall, \
            errno, action or report-kind names. Every problem is reported, each with the JSON path \
            where it was found, so one run shows all that needs fixing.

            A valid profile is printed with its name and the sha256 of its canonical effective form: \
            the profile with every default filled in, keys sorted, no whitespace. Files that differ \
            only in layout, key order or defaults spelled out have the same sha256; any change to \
            what the sandbox enforces changes it.

            An argument containing '/' or ending in '.json' is a file. A bare name (default, strict, \
            build) is a built-in profile; write ./NAME for a file of that name.

            OUTPUT
              FILE: ok (name NAME, sha256 HEX)       for a valid profile
              FILE: $.PATH: REASON                   one line per problem
              FILE: cannot read: REASON              a file that could not be read

            With --json, each profile gives one object (an array of them for several profiles):
              {"errors":[{"path":"$.limits.memory_mb","reason":"…"}],"file":"p.json",
               "name":null,"sha256":null,"valid":false}
            "path" is null for a file that could not be read.

            EXIT STATUS
              0  every profile is valid
              1  at least one profile is invalid
              2  at least one file could not be read, or a name is no built-in profile

            EXAMPLES
              $ jcs profile check profiles/strict.json
              profiles/strict.json: ok (name strict, sha256 c7879920…)

              $ jcs profile check p.json
              p.json: $.seccomp.rules[0].syscalls[1]: unknown syscall 'fork2'
              p.json: $.limits.memory_mb: expected an integer between 8 and 1048576, got 4
            """
    )

    @Argument(help: "Profile files, or names of built-in profiles.")
    var profiles: [String]

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let outcomes = profiles.map { nameOrPath in
            Result { () throws(ProfileLoadError) in try ProfileResolver.resolve(nameOrPath: nameOrPath) }
        }
        if json {
            let objects = zip(profiles, outcomes).map(Self.jsonObject)
            print(JSONWriter.text(objects.count == 1 ? objects[0] : .array(objects), style: .canonical))
        } else {
            for (file, outcome) in zip(profiles, outcomes) {
                print(Self.lines(file: file, outcome: outcome).joined(separator: "\n"))
            }
        }
        let status = outcomes.map(Self.exitStatus).max() ?? 0
        if status != 0 { throw ExitCode(status) }
    }

    private static func lines(file: String, outcome: Result<Profile, ProfileLoadError>) -> [String] {
        switch outcome {
        case .success(let profile): ["\(file): ok (name \(profile.name), sha256 \(profile.sha256))"]
        case .failure(.invalid(_, let errors)): errors.errors.map { "\(file): \($0.path): \($0.reason)" }
        case .failure(let error): ["\(file): \(error.reason)"]
        }
    }

    private static func jsonObject(file: String, outcome: Result<Profile, ProfileLoadError>) -> JSONValue {
        let errors: [JSONValue] =
            switch outcome {
            case .success: []
            case .failure(.invalid(_, let errors)):
                errors.errors.map { ["path": .string($0.path), "reason": .string($0.reason)] }
            case .failure(let error): [["path": .null, "reason": .string(error.reason)]]
            }
        let profile = try? outcome.get()
        return [
            "file": .string(file),
            "valid": .bool(profile != nil),
            "name": profile.map { .string($0.name) } ?? .null,
            "sha256": profile.map { .string($0.sha256) } ?? .null,
            "errors": .array(errors),
        ]
    }

    /// 2 when there is nothing to check (unreadable file, unknown name), 1 for a wrong profile.
    private static func exitStatus(_ outcome: Result<Profile, ProfileLoadError>) -> Int32 {
        switch outcome {
        case .success: 0
        case .failure(.unreadable), .failure(.unknownBuiltin): 2
        case .failure(.tooLarge), .failure(.invalid): 1
        }
    }
}
