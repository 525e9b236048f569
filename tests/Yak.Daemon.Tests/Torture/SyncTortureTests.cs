using System.Diagnostics;
using System.Net.Http.Json;
using k8s;
using StreamJsonRpc;
using Xunit.Abstractions;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Sync.Hashing;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Torture;

/// <summary>
/// Randomized rounds of file operations synced by a real yakd into a pod's sidecar on the local cluster, with a fault
/// between rounds: yakd killed (-9) and restarted, the agent killed, every exec stream dropped (faults API), the pod
/// deleted and created again, the pod's disk (a memory emptyDir, a real tmpfs) filled and freed. After each flush the
/// replica equals the source (bytes, executable bit, links), no <c>.yak-tmp</c> entry exists, and a reader running in
/// the pod (<see cref="PodReader"/>) never opens a half-written file. A full disk must fail the flush with YAK3002 in
/// the error, the status and an event, keep the replica's last good files, and the next flush after freeing completes.
/// Short in the suite; <c>YAK_TORTURE_ROUNDS=1000 YAK_TORTURE_LARGE_MB=100 dotnet test tests/Yak.Daemon.Tests --filter FullyQualifiedName~SyncTortureTests</c>
/// is the full size (<c>YAK_TORTURE_SEED</c> replays, <c>YAK_TORTURE_LARGE_MB</c> sizes the large files, default 8;
/// <c>YAK_TORTURE_LOG</c> names a file that gets a line per round).
/// </summary>
public sealed class SyncTortureTests(ITestOutputHelper output)
{
    private const int ShortRounds = 15;
    private const int DiskFillNeeds = 256 * 1024;
    private static readonly string[] FaultNames = ["yakd kill -9", "agent killed", "streams dropped", "pod replaced", "disk filled"];

    [Fact]
    public async Task RandomRounds_WithFaultsBetween_ReplicaEqualsSourceAndNoReaderSeesAHalfFile()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("YAK_TORTURE_ROUNDS"), out var r) && r > 0 ? r : ShortRounds;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("YAK_TORTURE_SEED"), out var s) ? s : Random.Shared.Next();
        var largeBytes = (int.TryParse(Environment.GetEnvironmentVariable("YAK_TORTURE_LARGE_MB"), out var mb) && mb > 0 ? mb : 8) << 20;
        var flushBound = TimeSpan.FromSeconds(Math.Max(180, 4 * (largeBytes >> 20))); // a hang guard: a pod replaced must take all large files again
        var progress = Environment.GetEnvironmentVariable("YAK_TORTURE_LOG"); // a long run's per-round lines, readable while it runs

        // Room for the tree's few large files and the agent's temp copy of one; the disk-fill fault fills what is left.
        var diskBytes = (24L * largeBytes) + (64 << 20);
        output.WriteLine($"sync torture: {rounds} rounds, seed {seed} (YAK_TORTURE_SEED={seed} replays), large files {largeBytes >> 20} MiB, pod disk {diskBytes >> 20} MiB");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();

        await using var cluster = await LocalClusterFixture.StartAsync();
        var podName = $"torture-{Guid.NewGuid():N}"[..20];
        var pod = await cluster.RunReadyAsync(PodReader.Pod(podName, diskBytes));
        using var sandbox = new YakSandbox();
        var source = Directory.CreateDirectory(Path.Combine(sandbox.Root, "src")).FullName;
        var staging = Directory.CreateDirectory(Path.Combine(sandbox.Root, "staging")).FullName;
        var tree = new TortureTree(source, staging, random, largeBytes);
        tree.Apply(30);
        var daemon = await DaemonProcess.StartAsync(sandbox);
        var earlierReaders = ReaderReport.None; // the readers of replaced pods
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
                        Excludes = ["/" + PodReader.FillerName], // the disk-fill fault's file beside the replica: left alone
                        Kubeconfig = cluster.Host.KubeconfigPath,
                        Context = "yak-local",
                    },
                    CancellationToken.None).DefaultTimeout();
                await FlushAsync(client, client.FlushSyncAsync("torture", CancellationToken.None), flushBound, $"seed {seed}, first sync");
            }

            for (var round = 1; round <= rounds; round++)
            {
                // Edits before and during a pass: the flush that follows must see them all.
                var context = $"seed {seed}, round {round}";
                tree.Apply(random.Next(1, 25));
                await using (var client = await daemon.ConnectAsync().DefaultTimeout())
                {
                    var pass = client.FlushSyncAsync("torture", CancellationToken.None);
                    tree.Apply(random.Next(0, 6));
                    await FlushAsync(client, pass, flushBound, context);
                    await FlushAsync(client, client.FlushSyncAsync("torture", CancellationToken.None), flushBound, context);
                }

                var replica = cluster.VolumePath(pod, "code");
                AssertReplicaEqualsSource(source, replica, context);
                var readers = earlierReaders + await PodReader.ReadAsync(cluster, podName);
                Assert.True(readers.Findings.Count == 0, $"{context}: the reader in the pod saw half-written files: {string.Join(", ", readers.Findings.Take(5))}");

                // A fault before the next round.
                var fault = random.Next(FaultNames.Length);
                faults[FaultNames[fault]] = faults.GetValueOrDefault(FaultNames[fault]) + 1;
                if (progress is not null)
                {
                    File.AppendAllText(progress, $"{DateTime.UtcNow:HH:mm:ss} seed {seed} round {round}/{rounds} passed after {clock.Elapsed.TotalSeconds:F0}s; reader: {readers}; next fault {FaultNames[fault]}\n");
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
                    case 3:
                        earlierReaders += await PodReader.ReadAsync(cluster, podName);
                        await cluster.Client.CoreV1.DeleteNamespacedPodAsync(podName, "default", gracePeriodSeconds: 0).DefaultTimeout();
                        await WaitGoneAsync(cluster, podName);
                        pod = await cluster.RunReadyAsync(PodReader.Pod(podName, diskBytes));
                        break;
                    default:
                        await FillDiskAsync(daemon, tree, source, replica, $"pod default/{podName}:/code", flushBound, context);
                        break;
                }
            }

            var summary = earlierReaders + await PodReader.ReadAsync(cluster, podName);
            output.WriteLine($"{rounds} rounds passed in {clock.Elapsed.TotalSeconds:F0}s; faults: {string.Join(", ", faults.Select(f => $"{f.Key} {f.Value}"))}; reader in the pod: {summary}");
            Assert.True(summary.Findings.Count == 0, $"seed {seed}: the reader in the pod saw half-written files: {string.Join(", ", summary.Findings.Take(5))}");
            Assert.True(summary.Checked > 0, $"seed {seed}: the reader in the pod checked no file ({summary})");
        }
        finally
        {
            await daemon.DisposeAsync();
        }
    }

    /// <summary>
    /// Fills the pod's sync volume to its last byte and adds a file that needs room: the flush fails with YAK3002 in
    /// the error, the status and an event naming the pod, the replica keeps exactly its last good files and no temp
    /// entry; then the filler goes and the next round's flush must complete the replica.
    /// </summary>
    private static async Task FillDiskAsync(DaemonProcess daemon, TortureTree tree, string source, string replica, string target, TimeSpan flushBound, string context)
    {
        string filler, added;
        await using (var client = await daemon.ConnectAsync().DefaultTimeout())
        {
            var diskFull = new TaskCompletionSource<SyncReplicaDiskFullInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.EventReceived += (_, e) =>
            {
                if (EventKinds.SyncReplicaDiskFull.Read(e) is { } info)
                {
                    diskFull.TrySetResult(info);
                }
            };
            await client.SubscribeAsync([EventTopics.Sync], CancellationToken.None).DefaultTimeout();

            // Subscribed first: the watcher may start the pass that fails before the flush is asked for.
            filler = TmpfsMount.FillFolder(replica, PodReader.FillerName);
            added = tree.CreateFile(DiskFillNeeds);
            var refused = await Assert.ThrowsAsync<RemoteInvocationException>(() => client.FlushSyncAsync("torture", CancellationToken.None).WaitAsync(flushBound));

            var data = Assert.IsType<System.Text.Json.JsonElement>(refused.ErrorData);
            Assert.True(data.GetProperty("code").GetString() == "YAK3002", $"{context}: a full pod disk failed the flush with {data} ({refused.Message})");
            var status = Assert.Single(await client.SyncStatusAsync("torture", CancellationToken.None).DefaultTimeout());
            Assert.Equal("YAK3002", status.LastErrorCode);
            var info = await diskFull.Task.DefaultTimeout();
            Assert.Equal(target, info.Target);
        }

        // Nothing lost: the replica is the source as it was before the file that did not fit. The session retries the
        // refused file by itself (an edit's late watcher event wakes it at once), so a retry's temp can be in flight
        // now; one left behind would outlast every retry, and the bound says so.
        await WaitForNoTempsAsync(replica, TimeSpan.FromSeconds(60), $"{context}, disk full");
        AssertReplicaEqualsSource(source, replica, $"{context}, disk full", except: added, retryInFlight: true);
        File.Delete(filler);
    }

    /// <summary>Until no temp entry is in the replica: a pass in flight has them; a file left behind never goes.</summary>
    private static async Task WaitForNoTempsAsync(string replica, TimeSpan bound, string context)
    {
        var clock = Stopwatch.StartNew();
        var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(replica) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        watcher.Deleted += (_, _) => changed.Release();
        watcher.Renamed += (_, _) => changed.Release();
        while (true)
        {
            var temps = TempEntries(replica);
            if (temps.Count == 0)
            {
                return;
            }

            var left = bound - clock.Elapsed;
            Assert.True(left > TimeSpan.Zero, $"{context}: temp entries left in the replica for {bound.TotalSeconds:F0}s: {string.Join(", ", temps.Take(5))}");
            await changed.WaitAsync(left); // a temp goes by a rename into place or an unlink
        }
    }

    /// <summary>Waits for a flush; one that never ends fails with what the session was doing, to tell a hang from slowness.</summary>
    private static async Task FlushAsync(DaemonClient client, Task flush, TimeSpan bound, string context)
    {
        try
        {
            await flush.WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            var status = Assert.Single(await client.SyncStatusAsync("torture", CancellationToken.None).DefaultTimeout());
            throw new TimeoutException(
                $"{context}: no flush within {bound.TotalSeconds:F0}s; the session is {status.State} (last error {status.LastError ?? "none"}), "
                + $"{status.FilesSent} files and {status.BytesSentRaw} bytes sent, {status.FilesDeleted} deleted so far");
        }
    }

    /// <param name="retryInFlight">The session still retries a refused file (the disk stays full): a temp seen now is
    /// that retry's, come after <see cref="WaitForNoTempsAsync"/> saw none left behind, and is not part of the replica.</param>
    private static void AssertReplicaEqualsSource(string source, string replica, string context, string? except = null, bool retryInFlight = false)
    {
        // A link that a folder move left pointing above the root is refused by design (it would leave the root).
        var expected = new SortedDictionary<string, string>(
            Describe(source).Where(e => e.Key != except)
                .Where(e => !e.Value.StartsWith("link -> ", StringComparison.Ordinal) || StaysInside(source, e.Key, e.Value["link -> ".Length..]))
                .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal),
            StringComparer.Ordinal);
        var actual = Describe(replica);
        actual.Remove(PodReader.FillerName);
        var temps = actual.Keys.Where(k => k.Contains(".yak-tmp", StringComparison.Ordinal)).ToList();
        if (retryInFlight)
        {
            temps.ForEach(t => actual.Remove(t));
            temps.Clear();
        }

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

    /// <summary>
    /// The temp entries' names only: a temp found by the listing may be renamed into place or unlinked before it could
    /// be opened (CI failed hashing one that had just gone), and a name is all the wait needs.
    /// </summary>
    private static List<string> TempEntries(string root) =>
        [.. Walk(root).Where(e => Path.GetFileName(e.Path).Contains(".yak-tmp", StringComparison.Ordinal)).Select(e => e.Path)];

    /// <summary>Each entry as plain BCL sees it (not the engine's scanner): kind, bytes digest, executable bit, link target.</summary>
    private static SortedDictionary<string, string> Describe(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, full, linkTarget, isDirectory) in Walk(root))
        {
            if (linkTarget is not null)
            {
                result[path] = "link -> " + linkTarget;
            }
            else if (isDirectory)
            {
                result[path] = "dir";
            }
            else
            {
                var exec = (File.GetUnixFileMode(full) & UnixFileMode.UserExecute) != 0;
                result[path] = $"file {new FileInfo(full).Length} {Digest.OfFile(full)}{(exec ? " +x" : "")}";
            }
        }

        return result;
    }

    /// <summary>Every entry under <paramref name="root"/> ('/'-separated relative path), never walking through a link (the torture's trees have link loops).</summary>
    private static IEnumerable<(string Path, string Full, string? LinkTarget, bool IsDirectory)> Walk(string root)
    {
        var pending = new Stack<string>([""]);
        while (pending.TryPop(out var relative))
        {
            foreach (var child in Directory.EnumerateFileSystemEntries(relative.Length == 0 ? root : Path.Combine(root, relative)))
            {
                var path = relative.Length == 0 ? Path.GetFileName(child) : relative + "/" + Path.GetFileName(child);
                var linkTarget = new FileInfo(child).LinkTarget;
                var isDirectory = linkTarget is null && Directory.Exists(child);
                if (isDirectory)
                {
                    pending.Push(path);
                }

                yield return (path, child, linkTarget, isDirectory);
            }
        }
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
}
