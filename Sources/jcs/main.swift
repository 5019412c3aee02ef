import JCSCLI

// The entry point: plain `jcs sandbox run` invocations skip ArgumentParser (see
// `FastSandboxRunParser`); everything else, help and errors included, goes through it.
if let options = FastSandboxRunParser.parse(CommandLine.arguments) {
    SandboxRunner.run(options)
}
JCS.runMain()
