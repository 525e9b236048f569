using System.Text;
using Yak.Client;
using Yak.Daemon.Tests.Environments;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Streams;

/// <summary>Streams addressed by service name: the environment (the example shop) resolves pods and containers.</summary>
public sealed class EnvironmentStreamTests
{
    private static StreamTargetInfo Service(string service) => new()
    {
        Environment = string.Empty,
        Service = service,
        Namespace = string.Empty,
        Selector = string.Empty,
        Pod = string.Empty,
        Container = string.Empty,
        Kubeconfig = string.Empty,
        Context = string.Empty,
    };

    [Fact]
    public async Task TestAndExec_ServiceOfTheEnvironment_RunInItsSyncedCodeBesideItsDependencies()
    {
        await using var env = await EnvironmentFixture.StartAsync("shop");
        var up = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);

        // test: the app container, in the first sync mapping's path, with the synced code and the service's environment
        // (its dependency's address; the local cluster does not resolve service names for exec'd processes, so no call).
        var started = await env.Client.StartExecAsync(
            new ExecStartRequest
            {
                Target = Service("web"),
                Command = ["python3", "-c", "import os; print(os.getcwd()); print(os.path.exists('server.py')); print(os.environ['STORE_URL'])"],
                Tty = false,
                Stdin = false,
                InSyncRoot = true,
            },
            CancellationToken.None).DefaultTimeout();
        Assert.Equal("/app", started.WorkingDirectory);
        Assert.Equal("web", started.Container);
        Assert.Equal((await env.PodAsync(up.Environment.Namespace, "web")).Metadata.Name, started.Pod);
        var (code, stdout, stderr) = await RunAsync(env, started.Token);
        Assert.True(code == 0, stderr);
        Assert.Equal("/app\nTrue\nhttp://store:7070\n", stdout);

        // exec by service name, exit code passed through.
        var exec = await env.Client.StartExecAsync(
            new ExecStartRequest { Target = Service("store"), Command = ["sh", "-c", "test -d /data; exit 6"], Tty = false, Stdin = false, InSyncRoot = false },
            CancellationToken.None).DefaultTimeout();
        Assert.Equal(6, (await RunAsync(env, exec.Token)).Code);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(EnvironmentFixture env, string token)
    {
        await using var stream = await DaemonStream.OpenAsync(env.Daemon.Endpoint.SocketPath, token, CancellationToken.None).DefaultTimeout();
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var code = await stream.CopyOutputAsync(stdout, stderr, null, null, CancellationToken.None).DefaultTimeout();
        return (code, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }
}
