import Glibc

/// One problem in a profile: where it is, as a JSON path such as `$.filesystem.mounts[2].target`,
/// and what is wrong, as a `Kind` code can match on and a `reason` sentence people can read.
public struct ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text is not JSON at all; the path is `$`.
        case invalidJSON(JSONParseError)
        /// A key the schema does not have. Nothing is ignored, so a misspelt key cannot silently
        /// leave its setting at the default.
        case unknownKey
        /// A key that belongs to another mount type, such as `size_mb` in a bind mount.
        case keyNotAllowedForMountType(String)
        case required
        case wrongType(expected: ValueType, got: JSONValue)
        /// Not an integer (a string, a fraction, an exponent), or outside the key's range.
        case integerOutOfRange(ClosedRange<UInt64>, got: JSONValue)
        /// `identity.per_sandbox_uid_base` neither 0 nor a base whose span of pids stays in the
        /// unused ids (`Profile.Identity.sandboxUIDBases`).
        case sandboxUIDBaseOutOfRange(got: JSONValue)
        /// Not one of the words the key accepts.
        case unknownValue(String, allowed: [String])
        case invalidName
        case invalidHostname
        case notAbsolutePath
        /// A protected path is relative to the workspace: no leading `/`.
        case notRelativePath
        case pathWithDotDot
        /// A `.` component, `//`, or a trailing `/`: one place must have one spelling, or checks
        /// such as "not under /proc" could be sidestepped.
        case unnormalizedPath
        case rootPath
        case pathTooLong
        case containsNUL
        /// `/proc`, `/dev` (and, for the workspace, `/tmp`) are set up by the worker itself.
        case reservedPath(String)
        /// A mount target equal to, under, or above the workspace path, which it would hide or split.
        case overlapsWorkspace(String)
        /// The workspace path overlaps a mount the profile did not list but took from the default.
        case overlapsDefaultMount(String)
        /// A mount target at or under `/tmp` while the profile also asks for the `/tmp` tmpfs.
        case conflictsWithTmp
        /// A mount target below a symlink the profile creates: the target would resolve through it.
        case underSymlink(String)
        /// A second mount with the target first used at the given path.
        case duplicateTarget(firstAt: String)
        case unknownSyscall(String)
        case unknownErrno(String)
        /// An empty list or string where one entry or character is needed.
        case empty
        case duplicateEntry(String)
        /// `masked_eq` without `mask`.
        case maskRequired
        /// `mask` with an op other than `masked_eq`, which would ignore it.
        case maskNotAllowed
        /// A `masked_eq` value with bits outside its mask, so the condition can never hold.
        case valueOutsideMask
        /// A second condition on the same argument in one rule, which libseccomp cannot compile.
        case argumentComparedTwice(Int, firstAt: String)
        case invalidEnvironmentName
        case invalidEnvironmentPattern
        /// A trap glob that is empty, absolute or holds NUL.
        case invalidGlob
    }

    /// The JSON types a key can expect, other than integers (which have `integerOutOfRange`).
    public enum ValueType: String, Sendable {
        case string = "a string"
        case boolean = "a boolean"
        case array = "an array"
        case object = "an object"
    }

    /// Where the problem is, from `$` (the whole document).
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public var description: String { "\(path): \(reason)" }

    /// What is wrong, as a sentence that makes sense after the path.
    public var reason: String {
        switch kind {
        case .invalidJSON(let error): "invalid JSON at \(error)"
        case .unknownKey: "unknown key"
        case .keyNotAllowedForMountType(let type): "not allowed in a \(type) mount"
        case .required: "required"
        case .wrongType(let expected, let got): "expected \(expected.rawValue), got \(Self.describe(got))"
        case .integerOutOfRange(let range, let got):
            "expected an integer between \(range.lowerBound) and \(range.upperBound), got \(Self.describe(got))"
        case .sandboxUIDBaseOutOfRange(let got):
            "expected 0 (off) or an integer between \(Profile.Identity.sandboxUIDBases.lowerBound) and "
                + "\(Profile.Identity.sandboxUIDBases.upperBound), so that base + any offset (up to "
                + "\(Profile.Identity.sandboxUIDSpan)) is a host uid; got \(Self.describe(got))"
        case .unknownValue(let value, let allowed):
            "unknown value '\(value)'; expected one of: \(allowed.joined(separator: ", "))"
        case .invalidName: "must be 1 to 64 characters from a-z, 0-9, '_' and '-'"
        case .invalidHostname: "must be 1 to 64 characters from a-z, A-Z, 0-9, '-' and '.'"
        case .notAbsolutePath: "must be an absolute path"
        case .notRelativePath: "must be a path relative to the workspace (no leading '/')"
        case .pathWithDotDot: "must be an absolute path without '..'"
        case .unnormalizedPath: "must be a normalized path (no '.' component, '//' or trailing '/')"
        case .rootPath: "must not be '/'"
        case .pathTooLong: "must be at most \(PATH_MAX - 1) bytes"
        case .containsNUL: "must not contain a NUL character"
        case .reservedPath(let reserved): "must not be \(reserved) or under it"
        case .overlapsWorkspace(let workspace): "overlaps the workspace at \(workspace)"
        case .overlapsDefaultMount(let target): "overlaps the default mount at \(target)"
        case .conflictsWithTmp: "conflicts with the /tmp tmpfs; set filesystem.tmp_size_mb to 0 to mount your own"
        case .underSymlink(let symlink): "is under the symlink at \(symlink)"
        case .duplicateTarget(let firstPath): "duplicate mount target, first used at \(firstPath)"
        case .unknownSyscall(let name): "unknown syscall '\(name)'"
        case .unknownErrno(let name): "unknown errno name '\(name)'"
        case .empty: "must not be empty"
        case .duplicateEntry(let entry): "duplicate entry '\(entry)'"
        case .maskRequired: "required when op is masked_eq"
        case .maskNotAllowed: "only allowed when op is masked_eq"
        case .valueOutsideMask: "has bits outside mask, so the condition never holds"
        case .argumentComparedTwice(let index, let firstPath):
            "compares argument \(index) again (first at \(firstPath)); a rule may compare each argument once"
        case .invalidEnvironmentName: "must be a variable name: a letter or '_', then letters, digits or '_'"
        case .invalidEnvironmentPattern: "must be a variable name, optionally ending in '*'"
        case .invalidGlob: "must be a non-empty glob relative to the workspace (no leading '/', no NUL)"
        }
    }

    /// Scalars as written, containers by their type: enough to recognise the value, never a whole
    /// document quoted back.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        case .null, .bool, .int, .uint, .double: value.description
        }
    }
}

/// Every problem found in one profile, in schema order; `ProfileDecoder` never stops at the first.
public struct ProfileErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [ProfileError]

    public init(_ errors: [ProfileError]) {
        self.errors = errors
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}

/// Why no profile came out of `ProfileDecoder.load(path:)` or `ProfileResolver.resolve(nameOrPath:)`.
/// The cases separate "there is nothing to check" from "the profile is wrong", which callers such as
/// `jcs profile check` report with different exit statuses.
public enum ProfileLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `open` or `read` failed with `errno`.
    case unreadable(path: String, errno: Int32)
    /// The file is larger than `limit` bytes; profiles are small, so it is not one.
    case tooLarge(path: String, limit: Int)
    /// A bare name that is not a built-in profile.
    case unknownBuiltin(name: String)
    case invalid(path: String, ProfileErrors)

    /// The file or name the error is about.
    public var subject: String {
        switch self {
        case .unreadable(let path, _), .tooLarge(let path, _), .invalid(let path, _): path
        case .unknownBuiltin(let name): name
        }
    }

    /// What is wrong, as a sentence that makes sense after the subject.
    public var reason: String {
        switch self {
        case .unreadable(_, let code): "cannot read: \(String(cString: strerror(code)))"
        case .tooLarge(_, let limit): "larger than \(limit) bytes, too large for a profile"
        case .unknownBuiltin:
            "no built-in profile has this name (\(BuiltinProfiles.byName.keys.sorted().joined(separator: ", "))); "
                + "write a file path with a '/' or a '.json' suffix"
        case .invalid(_, let errors):
            errors.errors.count == 1 ? "invalid profile (1 error)" : "invalid profile (\(errors.errors.count) errors)"
        }
    }

    /// One line per problem, each starting with the subject.
    public var description: String {
        switch self {
        case .invalid(let path, let errors): errors.errors.map { "\(path): \($0)" }.joined(separator: "\n")
        default: "\(subject): \(reason)"
        }
    }
}
