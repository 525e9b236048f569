using System.Globalization;

namespace Yak.Benchmarks;

/// <summary>The <c>--name value</c> options given after the suite names, for the suites that take any.</summary>
public static class BenchmarkOptions
{
    private static Dictionary<string, string> values = new(StringComparer.Ordinal);

    /// <summary>Takes the options out of <paramref name="args"/>; returns what is left (suite names).</summary>
    public static List<string> Extract(string[] args)
    {
        var rest = new List<string>();
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i] is not ("--list" or "--help") && i + 1 < args.Length)
            {
                found[args[i][2..]] = args[++i];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        values = found;
        return rest;
    }

    public static int Int(string name, int fallback) =>
        values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public static double Double(string name, double fallback) =>
        values.TryGetValue(name, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
