using System.Globalization;
using Yak.Protocol.Errors;

namespace Yak.Cli.Commands.Streams;

/// <summary><c>--since</c> values: 30s, 5m, 2h, 1d, or plain seconds.</summary>
internal static class SinceDuration
{
    public static long ParseSeconds(string text)
    {
        var unit = text.Length == 0 ? 0 : text[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        var number = unit == 0 ? text : text[..^1];
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > 10L * 365 * 86400)
        {
            throw new CliException($"--since takes a duration like 30s, 5m or 2h (got '{text}').", YakErrors.Usage, CliExitCodes.Usage);
        }

        return value * (unit == 0 ? 1 : unit);
    }
}
