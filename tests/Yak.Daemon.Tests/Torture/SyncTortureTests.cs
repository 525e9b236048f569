using System.Diagnostics;
using System.Net.Http.Json;
using k8s;
using Xunit.Abstractions;
using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Sync.Hashing;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Torture;

/// <summary>
/// Randomized rounds of file operations synced by a real yakd into a pod's sidecar on the local cluster, with a fault
/// between rounds: yakd killed (-9) and restarted, the agent killed, every exec stream dropped (faults API), the pod
/// deleted and created again. After each flush the replica equals the source (bytes, executable bit, links), no
/// <c>.yak-tmp</c> entry exists, and a reader walking the replica throughout never opens a half-written file.
/// Short in the suite; <c>YAK_TORTURE_ROUNDS=1000 dotnet test tests/Yak.Daemon.Tests --filter FullyQualifiedName~SyncTortureTests</c>
/// is the full size (<c>YAK_TORTURE_SEED</c> replays, <c>YAK_TORTURE_LARGE_MB</c> sizes the large files, default 8).
/// </summary>
public sealed class SyncTortureTests(ITestOutputHelper output)
{
    private const int ShortRounds = 15;
    private static readonly TimeSpan FlushBound = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task RandomRounds_WithFaultsBetween_ReplicaEqualsSourceAndNoReaderSeesAHalfFile()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("YAK_TORTURE_ROUNDS"), out var r) && r > 0 ? r : ShortRounds;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("YAK_TORTURE_SEED"), out var s) ? s : Random.Shared.Next();
        var largeBytes = (int.TryParse(Environment.GetEnvironmentVariable("YAK_TORTURE_LARGE_MB"), out var mb) && mb > 0 ? mb : 8) << 20;
        output.WriteLine($"sync torture: {rounds} rounds, seed {seed} (YAK_TORTURE_SEED={seed} replays)");
        var random = new Random(seed);
        var progress = Environment.GetEnvironmentVariable("YAK_TORTURE_LOG"); // a long run's per-round lines, readable while it runs
        var clock = Stopwatch.StartNew();

        await using var cluster = await LocalClusterFixture.StartAsync();
        var podName = $"torture-{Guid.NewGuid():N}"[..20];
        var pod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod(podName));
        using var sandbox = new YakSandbox();
        var source = Directory.CreateDirectory(Path.Combine(sandbox.Root, "src")).FullName;
        var staging = Directory.CreateDirectory(Path.Combine(sandbox.Root, "staging")).FullName;
        var tree = new TortureTree(source, staging, random, largeBytes);
        tree.Apply(30);
        var daemon = await DaemonProcess.StartAsync(sandbox);
        var reader = Reader.Start(cluster.VolumePath(pod, "code"));
        var faults = new Dictionary<string, int>();
        try
        {
            await using (var client = await daemon.ConnectAsync().DefaultTimeout())
            {
                await client.CreateSyncAsync(
                    new SyncCreateRequest
                    {
                        Name = "torture",
                        LocalPath = source,
                        Endpoint = $"pod:default/{podName}:/code",
                        Excludes = [],
                        Kubeconfig = cluster.Host.KubeconfigPath,
                        Context = "yak-local",
                    },
                    CancellationToken.None).DefaultTimeout();
                await client.FlushSyncAsync("torture", CancellationToken.None).WaitAsync(FlushBound);
            }

            for (var round = 1; round <= rounds; round++)
            {
                // Edits before and during a pass: the flush that follows must see them all.
                tree.Apply(random.Next(1, 25));
                await using (var client = await daemon.ConnectAsync().DefaultTimeout())
                {
                    var pass = client.FlushSyncAsync("torture", CancellationToken.None);
                    tree.Apply(random.Next(0, 6));
                    await pass.WaitAsync(FlushBound);
                    await client.FlushSyncAsync("torture", CancellationToken.None).WaitAsync(FlushBound);
                }

                var replica = cluster.VolumePath(pod, "code");
                AssertReplicaEqualsSource(source, replica, $"seed {seed}, round {round}");
                Assert.True(reader.Findings.Count == 0, $"seed {seed}, round {round}: the reader saw half-written files: {string.Join(", ", reader.Findings.Take(5))}");

                // A fault before the next round.
                var fault = random.Next(4);
                faults[FaultNames[fault]] = faults.GetValueOrDefault(FaultNames[fault]) + 1;
                if (progress is not null)
                {
                    File.AppendAllText(progress, $"{DateTime.UtcNow:HH:mm:ss} seed {seed} round {round}/{rounds} passed after {clock.Elapsed.TotalSeconds:F0}s; next fault {FaultNames[fault]}\n");
                }
                switch (fault)
                {
                    case 0:
                        daemon.KillHard();
                        await daemon.WaitForExitAsync().DefaultTimeout();
                        await daemon.DisposeAsync();
                        tree.Apply(random.Next(0, 5)); // edits while yakd is down
                        daemon = await DaemonProcess.StartAsync(sandbox);
                        break;
                    case 1:
                        KillAgents(podName);
                        break;
                    case 2:
                        using (var admin = cluster.Host.Access.CreateHttpClient())
                        {
                            (await admin.PostAsync("/local-cluster/faults/drop-streams", null).DefaultTimeout()).EnsureSuccessStatusCode();
                        }

                        break;
                    default:
                        await reader.StopAsync();
                        await cluster.Client.CoreV1.DeleteNamespacedPodAsync(podName, "default", gracePeriodSeconds: 0).DefaultTimeout();
                        await WaitGoneAsync(cluster, podName);
                        pod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod(podName));
                        reader = Reader.Start(cluster.VolumePath(pod, "code"));
                        break;
                }
            }

            var summary = await reader.StopAsync();
            output.WriteLine($"{rounds} rounds passed; faults: {string.Join(", ", faults.Select(f => $"{f.Key} {f.Value}"))}; reader: {summary}");
            Assert.True(reader.Findings.Count == 0, $"seed {seed}: the reader saw half-written files: {string.Join(", ", reader.Findings.Take(5))}");
        }
        finally
        {
            await reader.StopAsync();
            await daemon.DisposeAsync();
        }
    }

    private static readonly string[] FaultNames = ["yakd kill -9", "agent killed", "streams dropped", "pod replaced"];

    private static void AssertReplicaEqualsSource(string source, string replica, string context)
    {
        // A link that a folder move left pointing above the root is refused by design (it would leave the root).
        var expected = new SortedDictionary<string, string>(
            Describe(source).Where(e => !e.Value.StartsWith("link -> ", StringComparison.Ordinal) || StaysInside(source, e.Key, e.Value["link -> ".Length..]))
                .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal),
            StringComparer.Ordinal);
        var actual = Describe(replica);
        var temps = actual.Keys.Where(k => k.Contains(".yak-tmp", StringComparison.Ordinal)).ToList();
        Assert.True(temps.Count == 0, $"{context}: temp entries left in the replica: {string.Join(", ", temps.Take(5))}");
        var missing = expected.Where(e => !actual.TryGetValue(e.Key, out var v) || v != e.Value)
            .Select(e => $"{e.Key}: want {e.Value}, have {(actual.TryGetValue(e.Key, out var v) ? v : "nothing")}");
        var extra = actual.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"{k}: unexpected {actual[k]}");
        var differences = missing.Concat(extra).Take(10).ToList();
        Assert.True(differences.Count == 0, $"{context}: replica differs from source:\n{string.Join("\n", differences)}");
    }

    private static bool StaysInside(string root, string link, string target)
    {
        var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.Combine(root, link))!, target));
        return resolved == root || resolved.StartsWith(root + "/", StringComparison.Ordinal);
    }

    /// <summary>Each entry as plain BCL sees it (not the engine's scanner): kind, bytes digest, executable bit, link target.</summary>
    private static SortedDictionary<string, string> Describe(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var pending = new Stack<string>([""]);
        while (pending.TryPop(out var relative))
        {
            foreach (var child in Directory.EnumerateFileSystemEntries(relative.Length == 0 ? root : Path.Combine(root, relative)))
            {
                var path = relative.Length == 0 ? Path.GetFileName(child) : relative + "/" + Path.GetFileName(child);
                var info = new FileInfo(child);
                if (info.LinkTarget is { } target)
                {
                    result[path] = "link -> " + target;
                }
                else if (Directory.Exists(child))
                {
                    result[path] = "dir";
                    pending.Push(path);
                }
                else
                {
                    var exec = (File.GetUnixFileMode(child) & UnixFileMode.UserExecute) != 0;
                    result[path] = $"file {info.Length} {Digest.OfFile(child)}{(exec ? " +x" : "")}";
                }
            }
        }

        return result;
    }

    /// <summary>Kills the pod's yak-agent processes (found by the HOSTNAME the local cluster gives a pod's processes).</summary>
    private static void KillAgents(string podName)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.Contains("yak-agent", StringComparison.Ordinal) && cmdline.Contains("serve", StringComparison.Ordinal)
                    && File.ReadAllText(Path.Combine(dir, "environ")).Contains($"\0HOSTNAME={podName}\0", StringComparison.Ordinal))
                {
                    Process.GetProcessById(pid).Kill();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }

    private static async Task WaitGoneAsync(LocalClusterFixture cluster, string podName)
    {
        using var deadline = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        while ((await cluster.Client.CoreV1.ListNamespacedPodAsync("default", fieldSelector: $"metadata.name={podName}", cancellationToken: deadline.Token)).Items.Count > 0)
        {
            await Task.Delay(100, deadline.Token); // no watch event for "gone" that list+watch would not also need a poll for
        }
    }

    /// <summary>The python3 reader walking a replica folder until stopped.</summary>
    private sealed class Reader
    {
        private readonly Process process;
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> findings = new();
        private readonly TaskCompletionSource<string> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool stopped;

        private Reader(Process process) => this.process = process;

        public IReadOnlyCollection<string> Findings => findings;

        public static Reader Start(string folder)
        {
            var info = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(SelfCheck.ReaderScript);
            info.ArgumentList.Add(folder);
            var reader = new Reader(Process.Start(info)!);
            reader.process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line && line.StartsWith("BAD ", StringComparison.Ordinal))
                {
                    reader.findings.Enqueue(line[4..]);
                }
                else if (e.Data is { } last && last.StartsWith("DONE ", StringComparison.Ordinal))
                {
                    reader.done.TrySetResult(last[5..]);
                }
            };
            reader.process.BeginOutputReadLine();
            return reader;
        }

        public async Task<string> StopAsync()
        {
            if (!stopped)
            {
                stopped = true;
                process.StandardInput.Close();
                await process.WaitForExitAsync().DefaultTimeout();
                process.WaitForExit();
            }

            return done.Task.IsCompleted ? await done.Task : "no summary";
        }
    }
}
