using k8s;
using k8s.Models;
using Yak.Daemon.Sync.Agent;
using Yak.Sync.Session;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Sync.Agent;

/// <summary>
/// yak-agent installed into a plain base-image sidecar over exec, as Mutagen installs its agent: the real local
/// cluster, the real NativeAOT build (agents/linux-amd64 beside these tests), real uploads.
/// </summary>
public sealed class AgentDeliveryTests
{
    private static readonly AgentBuilds Shipped = AgentBuilds.FromEnvironment();

    [Fact]
    public async Task Connect_FreshSidecar_InstallsVerifiedBuildAtVersionedPathAndSyncs()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var pod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("web"));
        using var work = new TempDirectory("yak-deliver-");
        var logs = new Log();

        await FlushOnceAsync(cluster, work, new AgentInstaller(Shipped, logs.Add), logs, "hello");

        var build = Shipped.Find("linux-amd64")!;
        var installed = Path.Combine(cluster.VolumePath(pod, "yak-agent"), Path.GetFileName(build.RemoteDirectory), "yak-agent");
        Assert.Equal(File.ReadAllBytes(build.Path), File.ReadAllBytes(installed));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(installed));
        Assert.StartsWith($"/.yak-agent/{build.Version}-{build.Sha256[..16]}", build.RemotePath, StringComparison.Ordinal);
        Assert.Equal(1, logs.Count("installed yak-agent"));
        Assert.Equal("hello", File.ReadAllText(Path.Combine(cluster.VolumePath(pod, "code"), "a.txt")));
    }

    [Fact]
    public async Task Connect_AgentAlreadyInstalled_ReusesItWithoutUpload()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var pod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("web"));
        using var work = new TempDirectory("yak-reuse-");
        var first = new Log();
        await FlushOnceAsync(cluster, work, new AgentInstaller(Shipped, first.Add), first, "one");
        var build = Shipped.Find("linux-amd64")!;
        var installed = Path.Combine(cluster.VolumePath(pod, "yak-agent"), Path.GetFileName(build.RemoteDirectory), "yak-agent");
        var before = File.GetLastWriteTimeUtc(installed);

        // A new installer is what a restarted yakd has: it knows nothing but what the pod tells it.
        var second = new Log();
        await FlushOnceAsync(cluster, work, new AgentInstaller(new AgentBuilds(Shipped.Directory), second.Add), second, "two");

        Assert.Equal(0, second.Count("installing yak-agent"));
        Assert.Equal(before, File.GetLastWriteTimeUtc(installed));
        Assert.Equal("two", File.ReadAllText(Path.Combine(cluster.VolumePath(pod, "code"), "a.txt")));
    }

    [Fact]
    public async Task Connect_AfterVersionBump_ReplacesTheOldAgent()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var pod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("web"));
        using var work = new TempDirectory("yak-upgrade-");
        var old = new AgentBuilds(Shipped.Directory, version: "0.0.1");
        await FlushOnceAsync(cluster, work, new AgentInstaller(old, null), new Log(), "one");
        var oldDirectory = Path.Combine(cluster.VolumePath(pod, "yak-agent"), Path.GetFileName(old.Find("linux-amd64")!.RemoteDirectory));
        Assert.True(Directory.Exists(oldDirectory));

        // The next release: another version and other bytes (trailing bytes after an ELF image change nothing when run).
        using var next = new TempDirectory("yak-next-");
        Directory.CreateDirectory(next.Combine("linux-amd64"));
        var nextAgent = next.Combine("linux-amd64", "yak-agent");
        File.Copy(Shipped.Find("linux-amd64")!.Path, nextAgent);
        File.AppendAllText(nextAgent, "next release");
        var log = new Log();
        var builds = new AgentBuilds(next.Path, version: "0.0.2");
        await FlushOnceAsync(cluster, work, new AgentInstaller(builds, log.Add), log, "two");

        Assert.Equal(1, log.Count("installed yak-agent 0.0.2"));
        Assert.False(Directory.Exists(oldDirectory), "the old version is removed");
        Assert.True(File.Exists(Path.Combine(cluster.VolumePath(pod, "yak-agent"), Path.GetFileName(builds.Find("linux-amd64")!.RemoteDirectory), "yak-agent")));
        Assert.Equal("two", File.ReadAllText(Path.Combine(cluster.VolumePath(pod, "code"), "a.txt")));
    }

    [Fact]
    public async Task Connect_NodeArchitectureWithoutBuild_RefusedNamingIt()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("web"));
        using var builds = new TempDirectory("yak-arm-only-");
        Directory.CreateDirectory(builds.Combine("linux-arm64"));
        File.WriteAllText(builds.Combine("linux-arm64", "yak-agent"), "not for this node");
        var connector = new PodExecAgentConnector(cluster.Connection, "default", "web", "yak-sync", "/code", new AgentInstaller(new AgentBuilds(builds.Path)));

        var error = await Assert.ThrowsAsync<AgentDeliveryException>(() => connector.ConnectAsync(CancellationToken.None)).DefaultTimeout();

        Assert.Contains("is linux-amd64", error.Message, StringComparison.Ordinal);
        Assert.Contains("no yak-agent build for linux-amd64", error.Message, StringComparison.Ordinal);
        Assert.Contains("linux-arm64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_BaseImageWithoutTools_RefusedNamingBaseImageSetting()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        // An image whose PATH has a shell and sleep (and what the local cluster's mount wrapper runs) but none of the
        // tools delivery needs.
        using var bin = new TempDirectory("yak-bare-bin-");
        foreach (var tool in new[] { "sh", "sleep", "mkdir", "mount", "nsenter", "unshare", "setsid" })
        {
            File.CreateSymbolicLink(bin.Combine(tool), HostTool(tool));
        }

        var pod = LocalClusterFixture.SidecarPod("bare");
        pod.Spec.Containers[1].Env = [new V1EnvVar { Name = "PATH", Value = bin.Path }];
        await cluster.RunReadyAsync(pod);
        var connector = new PodExecAgentConnector(cluster.Connection, "default", "bare", "yak-sync", "/code", new AgentInstaller(Shipped));

        var error = await Assert.ThrowsAsync<AgentDeliveryException>(() => connector.ConnectAsync(CancellationToken.None)).DefaultTimeout();

        Assert.Contains("agent.baseImage", error.Message, StringComparison.Ordinal);
        Assert.Contains("sha256sum", error.Message, StringComparison.Ordinal);
    }

    private static string HostTool(string name) =>
        new[] { "/bin", "/usr/bin", "/sbin", "/usr/sbin" }.Select(d => Path.Combine(d, name)).First(File.Exists);

    private static async Task FlushOnceAsync(LocalClusterFixture cluster, TempDirectory work, AgentInstaller installer, Log log, string content)
    {
        var source = work.Combine("src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "a.txt"), content);
        var connector = new PodExecAgentConnector(cluster.Connection, "default", "web", "yak-sync", "/code", installer, log.Add);
        await using var session = new SyncSession(new SyncSessionOptions { Name = "web", LocalRoot = source, StateDirectory = work.Combine("state"), Log = log.Add }, connector);
        session.Start();
        try
        {
            await session.FlushAsync().DefaultTimeout();
        }
        catch (TimeoutException)
        {
            Assert.Fail($"flush timed out ({session.GetStatus().LastError}); log:\n{log}");
        }
    }

    private sealed class Log
    {
        private readonly List<string> lines = [];

        public void Add(string line)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }

        public int Count(string prefix)
        {
            lock (lines)
            {
                return lines.Count(l => l.StartsWith(prefix, StringComparison.Ordinal));
            }
        }

        public override string ToString()
        {
            lock (lines)
            {
                return string.Join('\n', lines);
            }
        }
    }
}
