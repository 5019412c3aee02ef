import ArgumentParser
import Sandbox

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Probe what this host can enforce.",
        discussion: """
            Tries each isolation layer for real in a throwaway child: user namespaces, seccomp filters and \
            user notification, Landlock, pivot_root, idmapped mounts, the cgroup controllers that \
            enforce and report the memory and process limits (v1 or v2), fanotify permission events (which \
            report attempts on masked secrets and host-secret traps) and the fanotify budget left to this user \
            (fs.fanotify.max_user_groups and max_user_marks, groups in use; a warning from 75 % of the groups: \
            each process running sandboxes holds one), and project quotas on the file system of \
            the current directory (disk_mb, disk_inodes). Prints one line per layer with what \
            it means for sandboxes. With --profile, also says whether that profile can run here: a profile \
            needing a missing layer is refused unless it lists the downgrade in allow_downgrades. It also \
            checks the profile's per-sandbox host uids (identity.per_sandbox_uid_base): this process's \
            user namespace must map the whole range (otherwise per_sandbox_uids is missing), and an \
            account inside it is a warning, since it would share the kernel's per-user budgets with \
            one sandbox.

            Exit status: 0 when every layer the profile needs is present, 1 otherwise.

            EXAMPLE
              jcs doctor --profile strict --json
            """
    )

    @Option(name: .long, help: "Check this profile (a built-in name or a file) against the host.")
    var profile: String = "default"

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let report = HostCapabilities.probe()
        let profile: Profile
        do {
            profile = try ProfileResolver.resolve(nameOrPath: self.profile)
        } catch {
            throw ValidationError("--profile: \(error)")
        }
        let verdict = report.verdict(for: profile)
        let uids = SandboxUIDRange.check(profile.identity)
        if json {
            var object = report.json.objectValue ?? [:]
            object["profile"] = [
                "name": .string(profile.name), "runnable": .bool(verdict.runnable),
                "missing": .array(verdict.missing.map { .string($0) }),
                "downgraded": .array(verdict.downgraded.map { .string($0) }),
                "per_sandbox_uids": uids?.json ?? .null,
            ]
            print(JSONWriter.text(.object(object)))
        } else {
            for layer in report.layers + (uids.map { [$0.layer(profileName: profile.name)] } ?? []) {
                let mark = !layer.available ? "MISSING" : layer.warning ? "warn" : "ok  "
                print("\(mark)  \(layer.name): \(layer.detail)")
            }
            print("")
            if verdict.runnable {
                let note = verdict.downgraded.isEmpty ? "" : " (downgraded: \(verdict.downgraded.joined(separator: ", ")))"
                print("profile '\(profile.name)' can run on this host\(note)")
            } else {
                print("profile '\(profile.name)' is refused on this host: missing \(verdict.missing.joined(separator: ", "))")
            }
        }
        if !verdict.runnable { throw ExitCode(1) }
    }
}
