using k8s.Models;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Cli.Tests.Terminal;

/// <summary>
/// A local cluster with three pods to stream from (a long sleep; a main process on a terminal; a main process
/// reading lines without one) and a sandbox in which yakctl starts its own yakd.
/// </summary>
public sealed class TerminalFixture : IAsyncLifetime
{
    public const string SleeperPod = "sleeper";
    public const string TtyPod = "tty-main";
    public const string LinesPod = "lines-main";

    private LocalClusterFixture? cluster;

    public YakSandbox Sandbox { get; } = new();

    public LocalClusterFixture Cluster => cluster ?? throw new InvalidOperationException("not started");

    /// <summary>The options that point a stream command at a pod of the local cluster without an environment.</summary>
    public string[] Direct => ["--namespace", "default", "--kubeconfig", Cluster.Host.KubeconfigPath, "--context", "yak-local"];

    public async Task InitializeAsync()
    {
        cluster = await LocalClusterFixture.StartAsync();
        await Task.WhenAll(
            cluster.RunReadyAsync(Pod(SleeperPod, ["sh", "-c", "echo sleeper-up; exec sleep 100000"], tty: false)),
            cluster.RunReadyAsync(Pod(TtyPod, ["sh"], tty: true)),
            cluster.RunReadyAsync(Pod(LinesPod, ["sh", "-c", "while read line; do echo \"got $line\"; done"], tty: false)));
    }

    public async Task DisposeAsync()
    {
        Sandbox.Dispose();
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>yakctl on a terminal of its own.</summary>
    internal PtyProcess StartOnTerminal(params string[] arguments) =>
        PtyProcess.Start(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), .. arguments], Sandbox.Environment());

    private static V1Pod Pod(string name, IList<string> command, bool tty) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox", Command = command, Stdin = true, Tty = tty }] },
    };
}
