using System.Globalization;
using System.Text.RegularExpressions;

namespace Yak.Cli.Output;

/// <summary>
/// One line of yakd's log file as data, for <c>yakctl daemon logs -o json</c>. The file's template is
/// <c>time [LVL] Source: message</c>; a line that does not start that way (an exception's trace, a wrapped
/// message) belongs to the entry above it and comes back with only <see cref="Message"/> set.
/// </summary>
internal sealed partial record DaemonLogLine(DateTimeOffset? Time, string? Level, string? Source, string Message)
{
    public static DaemonLogLine Parse(string line)
    {
        var match = Entry().Match(line);
        if (!match.Success || !DateTimeOffset.TryParseExact(match.Groups["time"].Value, "yyyy-MM-dd HH:mm:ss.fff zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return new DaemonLogLine(null, null, null, line);
        }

        var level = match.Groups["level"].Value switch
        {
            "VRB" => "verbose",
            "DBG" => "debug",
            "INF" => "information",
            "WRN" => "warning",
            "ERR" => "error",
            "FTL" => "fatal",
            var other => other.ToLowerInvariant(),
        };
        return new DaemonLogLine(time, level, match.Groups["source"].Value, match.Groups["message"].Value);
    }

    [GeneratedRegex(@"^(?<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} [+-]\d{2}:\d{2}) \[(?<level>[A-Z]{3})\] (?<source>[^:\s]*): (?<message>.*)$")]
    private static partial Regex Entry();
}
