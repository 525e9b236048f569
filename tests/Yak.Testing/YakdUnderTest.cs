using System.Diagnostics;

namespace Yak.Testing;

/// <summary>
/// The yakd the tests start: the build's <c>yakd.dll</c> under the dotnet host, or, with <c>YAK_TEST_YAKD=PATH</c>, a
/// published yakd instead (the NativeAOT one, say: the same tests then say what that build gets wrong; README).
/// </summary>
public static class YakdUnderTest
{
    public const string Variable = "YAK_TEST_YAKD";

    /// <summary>The published yakd named by <see cref="Variable"/>, or null for the build's own.</summary>
    public static string? Published => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    /// <summary>What <c>YAK_DAEMON_PATH</c> names for a yakctl that starts yakd itself (an apphost or a .dll).</summary>
    public static string? DaemonPath =>
        Published ?? (Path.Combine(AppContext.BaseDirectory, "yakd.dll") is var dll && File.Exists(dll) ? dll : null);

    /// <summary>The program and leading arguments that run yakd (then its own arguments follow).</summary>
    public static IReadOnlyList<string> CommandLine => Published is { } yakd ? [yakd] : [ProcessRunner.DotnetHost, ProcessRunner.BesideTests("yakd.dll")];

    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment) =>
        ProcessRunner.StartInfo(CommandLine[0], [.. CommandLine.Skip(1), .. arguments], environment);
}
