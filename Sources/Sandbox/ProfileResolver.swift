/// Turns what a user typed after `--profile` into a profile: `strict` or `./ci-profile.json`.
public enum ProfileResolver {
    /// A bare name (no `/` and no `.json` suffix) is a built-in profile; anything else is a file.
    /// The rule looks only at the text, so a file in the working directory never shadows a
    /// built-in: write `./strict` to mean the file.
    public static func resolve(nameOrPath: String) throws(ProfileLoadError) -> Profile {
        // Byte-wise: String.contains(_:) with a string argument lives in the string-processing
        // module, whose first use costs a one-shot CLI process a noticeable share of its life.
        if nameOrPath.utf8.contains(UInt8(ascii: "/")) || nameOrPath.hasSuffix(".json") {
            return try ProfileDecoder.load(path: nameOrPath)
        }
        guard let text = BuiltinProfiles.byName[nameOrPath] else { throw .unknownBuiltin(name: nameOrPath) }
        do {
            return try ProfileDecoder.decode(text: text)
        } catch {
            throw .invalid(path: nameOrPath, error)
        }
    }
}
