using System.Text;
using System.Text.Json;
using Yak.Daemon.Environments;
using Yak.Daemon.Forwards;
using Yak.Daemon.Hosting;
using Yak.Daemon.Images;
using Yak.Daemon.Sharing;
using Yak.Daemon.Sync;
using Yak.Daemon.Telemetry;
using Yak.Environments.Debug;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Daemon.Tests.Hosting;

/// <summary>
/// yakd's state files through compiled metadata (StateJsonContext) read and write exactly what the reflection-built
/// metadata did before: the files already on developers' disks stay readable, and what is written does not change.
/// </summary>
public sealed class StateJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 3, 40, 0, TimeSpan.Zero);

    [Fact]
    public void Serialize_EveryRegistry_WritesWhatReflectionWrote()
    {
        AssertSameBytes(new List<EnvironmentRecord> { FullEnvironment() });
        AssertSameBytes(new List<GuestRecord> { FullGuest() });
        AssertSameBytes(new List<SyncSessionDefinition> { new("web", "/src/web", "pod://ns/web-1/app:/app", ["bin/", "*.log"], Paused: true) { Kubeconfig = "/k", Context = "c" } });
        AssertSameBytes(new List<ForwardDefinition> { new("db", "shop", "yak-shop", "svc/db", 5432, 5432, "/k", "c", Paused: true) });
    }

    [Fact]
    public void Serialize_WaitRecord_WritesTheLineReflectionWrote()
    {
        var record = new WaitRecord("up", "shop", At, 1234.5, "ready", [new WaitPhase("pull", 0, 800.25), new WaitPhase("start", 800.25, 434.25)]);
        var reflection = JsonSerializer.Serialize(record, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        using var folder = new TempDirectory();
        var store = new WaitStore(folder.Path, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<WaitStore>.Instance);

        store.Append(record);

        Assert.Equal(reflection + "\n", File.ReadAllText(store.FilePath));
        Assert.Equal(reflection, JsonSerializer.Serialize(Assert.Single(store.Read()), new JsonSerializerOptions(JsonSerializerDefaults.Web)));
    }

    [Fact]
    public void LoadList_FileReflectionWrote_ReadsTheSameRecords()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "environments.json");
        var written = JsonSerializer.SerializeToUtf8Bytes(new List<EnvironmentRecord> { FullEnvironment() }, YakJson.Indented);
        File.WriteAllBytes(path, written);

        var loaded = StateFile.LoadList<EnvironmentRecord>(path, (aside, reason) => Assert.Fail($"{aside}: {reason}"));

        Assert.Equal(Encoding.UTF8.GetString(written), Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(loaded, YakJson.Indented)));
    }

    [Fact]
    public void LoadList_FileFromAnOlderYakd_MembersItLacksKeepTheirEmptyDefaults()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "environments.json");
        File.WriteAllText(path, """
            [{ "name": "shop", "specPath": "/s/yak.yaml", "namespace": "yak-shop", "cluster": "local", "kubeconfig": "/k",
               "context": "c", "server": "https://127.0.0.1:6443", "state": "up", "updatedAt": "2026-12-01T08:00:00+00:00" }]
            """);

        var record = Assert.Single(StateFile.LoadList<EnvironmentRecord>(path, (aside, reason) => Assert.Fail($"{aside}: {reason}")));

        Assert.Equal(EnvironmentState.Up, record.State);
        Assert.False(record.PendingApply);
        Assert.Null(record.LastError);
        Assert.Empty(record.RestartTokens);
        Assert.Empty(record.Images);
        Assert.Empty(record.VolumeZones);
        Assert.Empty(record.Debugging);
        Assert.Empty(record.Profiles);
        Assert.Empty(record.Bindings);
        Assert.Empty(record.ReleasedPods);
    }

    [Fact]
    public void LoadList_SessionsAndForwardsFromAnOlderYakd_MissingMembersReadAsEmptyAndNotPaused()
    {
        using var folder = new TempDirectory();
        var sessions = Path.Combine(folder.Path, "sessions.json");
        var forwards = Path.Combine(folder.Path, "forwards.json");
        File.WriteAllText(sessions, """[{ "name": "web", "localPath": "/src/web", "endpoint": "local:///tmp/replica", "excludes": [], "paused": false }]""");
        File.WriteAllText(forwards, """
            [{ "name": "db", "environment": "shop", "namespace": "yak-shop", "target": "svc/db", "localPort": 5432, "remotePort": 5432,
               "kubeconfig": "/k", "context": "c" }]
            """);

        var session = Assert.Single(StateFile.LoadList<SyncSessionDefinition>(sessions, (aside, reason) => Assert.Fail($"{aside}: {reason}")));
        var forward = Assert.Single(StateFile.LoadList<ForwardDefinition>(forwards, (aside, reason) => Assert.Fail($"{aside}: {reason}")));

        Assert.Equal(string.Empty, session.Kubeconfig);
        Assert.Equal(string.Empty, session.Context);
        Assert.False(forward.Paused);
        Assert.Equal(5432, forward.LocalPort);
    }

    private static void AssertSameBytes<T>(List<T> items)
    {
        var reflection = Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(items, YakJson.Indented));
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "state.json");

        StateFile.SaveList(path, items);

        Assert.Equal(reflection, File.ReadAllText(path));
    }

    private static EnvironmentRecord FullEnvironment() => new()
    {
        Name = "shop",
        SpecPath = "/home/dev/shop/yak.yaml",
        Namespace = "yak-shop",
        Cluster = "local",
        Kubeconfig = "/home/dev/.kube/config",
        Context = "yak-local",
        Server = "https://127.0.0.1:6443",
        State = EnvironmentState.Degraded,
        LastError = "web: CrashLoopBackOff",
        LastErrorCode = "YAK3001",
        UpdatedAt = At,
        PendingApply = true,
        RestartTokens = new(StringComparer.Ordinal) { ["web"] = "2026-12-04T03:40:00Z" },
        Images = new(StringComparer.Ordinal) { ["web"] = new ImagePin("nginx:1.27", "nginx:1.27@sha256:abc") },
        VolumeZones = new(StringComparer.Ordinal) { ["db"] = "zone-a" },
        Debugging = new(StringComparer.Ordinal) { ["api"] = new DebugChoice("node", 9229) },
        Profiles = ["dev", "debug"],
        Bindings = [new SyncBinding("web", 0, "shop-web-0", "web-7d9c", "uid-1")],
        ReleasedPods = ["web-old"],
    };

    private static GuestRecord FullGuest() => new()
    {
        Name = "ana/shop",
        Owner = "ana",
        Environment = "shop",
        Namespace = "yak-shop",
        Guest = "bo",
        Cluster = "local",
        Server = "https://127.0.0.1:6443",
        Kubeconfig = "/state/guests/ana-shop.kubeconfig",
        Access = "readOnly",
        Secrets = false,
        ExpiresAt = At.AddHours(8),
        Sync = true,
        ConnectedAt = At,
    };
}
