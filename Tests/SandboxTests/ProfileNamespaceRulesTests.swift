import Sandbox
import Testing

/// `Profile.Seccomp.refusesNamespaceCreation` decides whether a sandbox caps the namespaces its
/// tool may hold (`child/ucounts.c`): a wrong "yes" would leave a tool that can make namespaces
/// uncapped, so every gap in the rules must read as "no".
struct ProfileNamespaceRulesTests {
    private func profile(_ name: String) throws -> Profile { try ProfileResolver.resolve(nameOrPath: name) }

    @Test(arguments: ["default", "strict", "build"])
    func everyBuiltInProfileRefusesThem(name: String) throws {
        #expect(try profile(name).seccomp.refusesNamespaceCreation)
    }

    @Test func aGapInAnyOfTheWaysReadsAsAllowed() throws {
        let rules = try profile("default").seccomp.rules
        func without(_ drop: (Profile.SeccompRule) -> Bool) -> Bool {
            Profile.Seccomp(rules: rules.filter { !drop($0) }).refusesNamespaceCreation
        }
        #expect(!without { $0.reportKind == "namespace_denied" })
        #expect(!without { $0.syscalls.contains("unshare") })
        #expect(!without { $0.syscalls.contains("clone3") })
        // Each clone flag on its own: CLONE_NEWUSER, and CLONE_NEWNS.
        #expect(!without { $0.syscalls == ["clone"] && $0.args.first?.mask == 0x1000_0000 })
        #expect(!without { $0.syscalls == ["clone"] && $0.args.first?.mask == 0x0002_0000 })
        // setns makes no namespace: the rules still refuse every way without it.
        let withoutSetns = rules.map { rule in
            var rule = rule
            rule.syscalls.removeAll { $0 == "setns" }
            return rule
        }
        #expect(withoutSetns != rules)
        #expect(Profile.Seccomp(rules: withoutSetns).refusesNamespaceCreation)
    }

    @Test func aConditionNarrowerThanTheFlagReadsAsAllowed() throws {
        var rules = try profile("default").seccomp.rules
        let index = try #require(rules.firstIndex { $0.syscalls == ["clone"] && $0.args.first?.mask == 0x1000_0000 })
        // CLONE_NEWUSER only together with CLONE_NEWNS: clone(CLONE_NEWUSER) alone passes.
        rules[index].args = [Profile.ArgCondition(index: 0, op: .maskedEq, value: 0x1002_0000, mask: 0x1002_0000)]
        #expect(!Profile.Seccomp(rules: rules).refusesNamespaceCreation)
        // The whole of clone, whatever its flags, refuses them too.
        rules[index].args = []
        #expect(Profile.Seccomp(rules: rules).refusesNamespaceCreation)
    }
}
