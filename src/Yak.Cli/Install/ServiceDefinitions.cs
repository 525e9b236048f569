using System.Security;
using System.Text;

namespace Yak.Cli.Install;

/// <summary>The systemd units and the launchd plist (embedded from systemd/ and launchd/), filled in for this machine.</summary>
internal static class ServiceDefinitions
{
    public const string ServiceUnitName = "yakd.service";
    public const string SocketUnitName = "yakd.socket";
    public const string LaunchAgentLabel = "dev.yak.yakd";

    public static string SystemdService(string fileName, IReadOnlyList<string> arguments) =>
        Template(ServiceUnitName).Replace("@YAKD_EXEC@", string.Join(' ', new[] { fileName }.Concat(arguments).Select(SystemdQuote)), StringComparison.Ordinal);

    public static string SystemdSocket() => Template(SocketUnitName);

    public static string LaunchAgent(string fileName, IReadOnlyList<string> arguments, string path, string logDirectory)
    {
        var programArguments = new StringBuilder();
        foreach (var argument in new[] { fileName }.Concat(arguments))
        {
            programArguments.Append("    <string>").Append(SecurityElement.Escape(argument)).Append("</string>\n");
        }

        return Template(LaunchAgentLabel + ".plist")
            .Replace("@YAKD_PROGRAM_ARGUMENTS@\n", programArguments.ToString(), StringComparison.Ordinal)
            .Replace("@PATH@", SecurityElement.Escape(path), StringComparison.Ordinal)
            .Replace("@LOG_DIR@", SecurityElement.Escape(logDirectory), StringComparison.Ordinal);
    }

    /// <summary>systemd's ExecStart quoting: double quotes around words with spaces, backslash before " and \.</summary>
    public static string SystemdQuote(string word) =>
        word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\' or '\'' or '$' or '%')
            ? word
            : "\"" + word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
                .Replace("$", "$$", StringComparison.Ordinal).Replace("%", "%%", StringComparison.Ordinal) + "\"";

    private static string Template(string name)
    {
        using var stream = typeof(ServiceDefinitions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded template {name} is missing from yakctl.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
