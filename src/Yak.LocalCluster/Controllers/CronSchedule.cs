using System.Globalization;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// A CronJob schedule as the CronJob controller reads it (robfig/cron's standard parser): five fields — minute, hour,
/// day of month, month, day of week — each <c>*</c>, <c>?</c>, numbers, names (<c>JAN</c>, <c>MON</c>), ranges, lists
/// and <c>/step</c>; or a macro (<c>@hourly</c>, <c>@daily</c>, <c>@midnight</c>, <c>@weekly</c>, <c>@monthly</c>,
/// <c>@yearly</c>, <c>@annually</c>). As in cron, when both day fields are restricted a day matching either runs.
/// </summary>
public sealed class CronSchedule
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private readonly bool[] _minutes;
    private readonly bool[] _hours;
    private readonly bool[] _days;
    private readonly bool[] _months;
    private readonly bool[] _weekdays;
    private readonly bool _daysRestricted;
    private readonly bool _weekdaysRestricted;

    private CronSchedule(bool[] minutes, bool[] hours, bool[] days, bool[] months, bool[] weekdays, bool daysRestricted, bool weekdaysRestricted)
    {
        _minutes = minutes;
        _hours = hours;
        _days = days;
        _months = months;
        _weekdays = weekdays;
        _daysRestricted = daysRestricted;
        _weekdaysRestricted = weekdaysRestricted;
    }

    /// <summary>Parses a schedule, or returns null with the reason (worded as the API server's validation).</summary>
    public static CronSchedule? TryParse(string text, out string error)
    {
        error = "";
        var trimmed = text.Trim();
        if (trimmed.Length is 0 or > 256)
        {
            error = "empty spec string";
            return null;
        }

        trimmed = trimmed switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => trimmed,
        };
        if (trimmed.StartsWith('@'))
        {
            error = $"unrecognized descriptor: {trimmed}";
            return null;
        }

        if (trimmed.StartsWith("TZ=", StringComparison.Ordinal) || trimmed.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            error = "cannot use TZ or CRON_TZ in schedule, use timeZone field instead";
            return null;
        }

        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            error = $"expected exactly 5 fields, found {fields.Length}: {trimmed}";
            return null;
        }

        var minutes = Field(fields[0], 0, 59, null, ref error, out _);
        var hours = Field(fields[1], 0, 23, null, ref error, out _);
        var days = Field(fields[2], 1, 31, null, ref error, out var daysRestricted);
        var months = Field(fields[3], 1, 12, MonthNames, ref error, out _);
        var weekdays = Field(fields[4], 0, 7, DayNames, ref error, out var weekdaysRestricted);
        if (minutes is null || hours is null || days is null || months is null || weekdays is null)
        {
            return null;
        }

        // 7 is Sunday too.
        weekdays[0] |= weekdays[7];
        return new CronSchedule(minutes, hours, days, months, weekdays, daysRestricted, weekdaysRestricted);
    }

    /// <summary>The first activation strictly after <paramref name="after"/>, in <paramref name="zone"/>'s wall clock; null if none within five years.</summary>
    public DateTimeOffset? Next(DateTimeOffset after, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(after, zone);
        var t = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified).AddMinutes(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!_months[t.Month])
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1);
                continue;
            }

            if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
                continue;
            }

            if (!_hours[t.Hour])
            {
                t = t.Date.AddHours(t.Hour + 1);
                continue;
            }

            if (!_minutes[t.Minute])
            {
                t = t.AddMinutes(1);
                continue;
            }

            // A wall-clock time skipped by a daylight-saving jump does not exist: move on, as cron does.
            if (zone.IsInvalidTime(t))
            {
                t = t.AddMinutes(1);
                continue;
            }

            return new DateTimeOffset(t, zone.GetUtcOffset(t));
        }

        return null;
    }

    /// <summary>The latest activation in (<paramref name="after"/>, <paramref name="upTo"/>], or null when none is due.</summary>
    public DateTimeOffset? LatestDue(DateTimeOffset after, DateTimeOffset upTo, TimeZoneInfo zone)
    {
        DateTimeOffset? latest = null;
        var cursor = after;
        // Bounded: a controller far behind (a cluster stopped for days) only needs the most recent missed run.
        for (var i = 0; i < 100_000; i++)
        {
            var next = Next(cursor, zone);
            if (next is null || next > upTo)
            {
                return latest;
            }

            latest = next;
            cursor = next.Value;
        }

        return latest;
    }

    private bool DayMatches(DateTime t)
    {
        var day = _days[t.Day];
        var weekday = _weekdays[(int)t.DayOfWeek];
        return _daysRestricted && _weekdaysRestricted ? day || weekday : day && weekday;
    }

    private static bool[]? Field(string text, int min, int max, string[]? names, ref string error, out bool restricted)
    {
        restricted = !(text is "*" or "?");
        var set = new bool[max + 1];
        foreach (var part in text.Split(','))
        {
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            var range = slash >= 0 ? part[..slash] : part;
            var step = 1;
            if (slash >= 0 && (!int.TryParse(part[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
            {
                error = $"invalid step in \"{part}\"";
                return null;
            }

            int low, high;
            if (range is "*" or "?")
            {
                (low, high) = (min, max);
            }
            else
            {
                var dash = range.IndexOf('-', StringComparison.Ordinal);
                if (!Value(dash >= 0 ? range[..dash] : range, names, min, out low) ||
                    !Value(dash >= 0 ? range[(dash + 1)..] : range, names, min, out high))
                {
                    error = $"failed to parse \"{part}\"";
                    return null;
                }

                if (slash >= 0 && dash < 0)
                {
                    high = max;
                }
            }

            if (low < min || high > max || low > high)
            {
                error = $"\"{part}\" is beyond the range {min}-{max}";
                return null;
            }

            for (var v = low; v <= high; v += step)
            {
                set[v] = true;
            }
        }

        return set;
    }

    private static bool Value(string text, string[]? names, int min, out int value)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        var index = names is null ? -1 : Array.FindIndex(names, n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        value = index + min;
        return index >= 0;
    }
}
