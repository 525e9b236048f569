using System.Globalization;

namespace Yak.Sync.Compression;

/// <summary>
/// How many of the machine's cores sat idle since the previous reading (Linux: the idle and iowait columns of the
/// first line of /proc/stat, in clock ticks of 1/100 s — USER_HZ, fixed at 100 for user space). Null where there is no
/// /proc/stat or it cannot be read: the caller then goes without.
/// </summary>
public sealed class IdleCpu
{
    private const double TicksPerSecond = 100;
    private readonly string path;
    private long previousIdleTicks = -1;
    private long previousTimestamp;

    /// <summary>Takes the first reading, so the first <see cref="Sample"/> already covers a span.</summary>
    public IdleCpu(string path = "/proc/stat")
    {
        this.path = path;
        Sample();
    }

    /// <summary>Idle cores on average since the previous reading; null when unreadable (now or then).</summary>
    public double? Sample()
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var idle = ReadIdleTicks();
        if (idle is null)
        {
            return null;
        }

        var (previous, since) = (previousIdleTicks, previousTimestamp);
        (previousIdleTicks, previousTimestamp) = (idle.Value, now);
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(since, now).TotalSeconds;
        // Ticks are 10 ms: over a short span one tick more or less is a whole core, so the figure is clamped to the machine.
        return previous < 0 || seconds <= 0 ? null : Math.Clamp((idle.Value - previous) / TicksPerSecond / seconds, 0, Environment.ProcessorCount);
    }

    /// <summary>The aggregate "cpu" line's idle + iowait ticks.</summary>
    public static long? ParseIdleTicks(string firstLine)
    {
        var fields = firstLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6 || fields[0] != "cpu"
            || !long.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var idle)
            || !long.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out var iowait))
        {
            return null;
        }

        return idle + iowait;
    }

    private long? ReadIdleTicks()
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine() is { } line ? ParseIdleTicks(line) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
