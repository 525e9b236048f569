using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary>Runs the real yakctl (the .dll beside the tests) in a sandbox.</summary>
internal static class Yakctl
{
    public static Task<ProcessResult> RunAsync(YakSandbox sandbox, params string[] arguments) =>
        RunAsync(sandbox.Environment(), arguments);

    public static Task<ProcessResult> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        ProcessRunner.RunAsync(ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), .. arguments], environment));
}
