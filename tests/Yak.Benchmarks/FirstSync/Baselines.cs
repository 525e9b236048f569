using System.Diagnostics;
using Yak.Testing;

namespace Yak.Benchmarks.FirstSync;

/// <summary>The ways a user copies a tree without yak, each a shell pipeline timed from start to exit.</summary>
internal static class Baselines
{
    public static Task<TimeSpan> RsyncAsync(string source, string target) =>
        TimeAsync("rsync -a", "rsync -a \"$1\"/ \"$2\"/", source, target);

    public static Task<TimeSpan> TarAsync(string source, string target) =>
        TimeAsync("tar c | tar x", "mkdir -p \"$2\" && tar cf - -C \"$1\" . | tar xf - -C \"$2\"", source, target);

    /// <summary>What <c>kubectl cp</c> does: tar into <c>kubectl exec -i … tar x</c>.</summary>
    public static Task<TimeSpan> TarIntoPodAsync(string source, string kubeconfig, string pod, string container) =>
        TimeAsync("tar c | kubectl exec -i … tar x",
            "tar cf - -C \"$1\" . | kubectl --kubeconfig \"$2\" exec -i \"$3\" -c \"$4\" -- tar xf - -C /code", source, kubeconfig, pod, container);

    /// <summary>The same with gzip -1 on both ends: what pays off when the link, not the CPU, is the limit.</summary>
    public static Task<TimeSpan> TarGzipIntoPodAsync(string source, string kubeconfig, string pod, string container) =>
        TimeAsync("tar c | gzip -1 | kubectl exec -i … tar xz",
            "tar cf - -C \"$1\" . | gzip -1 | kubectl --kubeconfig \"$2\" exec -i \"$3\" -c \"$4\" -- tar xzf - -C /code", source, kubeconfig, pod, container);

    /// <summary>
    /// Writes back every dirty page (<c>sync</c>) between runs: no copy pays for the one before it (a timed run that
    /// ends in a syncfs — yak's agent on exit — would otherwise flush the baselines' hundreds of megabytes).
    /// </summary>
    public static async Task SettleDisksAsync()
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("sync", []), TimeSpan.FromMinutes(5));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"sync failed: {result}");
        }
    }

    private static async Task<TimeSpan> TimeAsync(string name, string script, params string[] arguments)
    {
        var clock = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("bash", ["-c", "set -o pipefail; " + script, "bench", .. arguments]), TimeSpan.FromMinutes(15));
        var elapsed = clock.Elapsed;
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"baseline {name} failed: {result}");
        }

        return elapsed;
    }
}
