using System.Net;
using System.Net.Sockets;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Environments;

/// <summary>An environment's forward paused and resumed: its port is released, nothing orphans or re-takes it.</summary>
public sealed class EnvironmentForwardPauseTests
{
    [Fact]
    public async Task PauseResume_EnvironmentForward_ReleasesPortStaysPausedAcrossUpAndRestartThenServes()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        var port = FreePort();
        File.WriteAllText(Path.Combine(env.Folder, "yak.yaml"), $"name: pausing\nservices:\n  app:\n    image: python\n    command: [python3, -m, http.server, \"8080\"]\n    ports: [\"{port}:8080\"]\n");
        Assert.Equal(EnvironmentState.Up, (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment.State);
        var name = Assert.Single(await env.Client.ListForwardsAsync(CancellationToken.None).DefaultTimeout(), f => f.Environment == "pausing").Name;

        var paused = await env.Client.PauseForwardAsync(name, CancellationToken.None).DefaultTimeout();

        Assert.Equal(ForwardSessionState.Paused, paused.State);
        Assert.True(PortIsFree(port), $"localhost:{port} still held after pause");

        // Another up neither waits for the paused forward nor takes the port back; a yakd restart keeps it paused.
        var again = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, again.Environment.State);
        Assert.Equal(PortForwardState.Paused, again.Environment.Services.Single().Ports.Single().Forward);
        await env.RestartDaemonAsync();
        Assert.Equal(ForwardSessionState.Paused, Assert.Single(await env.Client.ListForwardsAsync(CancellationToken.None).DefaultTimeout()).State);
        Assert.True(PortIsFree(port), $"localhost:{port} taken again after a restart");

        var resumed = await env.Client.ResumeForwardAsync(name, CancellationToken.None).DefaultTimeout();

        Assert.NotEqual(ForwardSessionState.Paused, resumed.State);
        using var http = new HttpClient();
        Assert.Contains("Directory listing", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")).DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_PortTakenMeanwhile_FailsNamingItAndStaysPaused()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        var port = FreePort();
        File.WriteAllText(Path.Combine(env.Folder, "yak.yaml"), $"name: retaken\nservices:\n  app:\n    image: python\n    command: [python3, -m, http.server, \"8080\"]\n    ports: [\"{port}:8080\"]\n");
        Assert.Equal(EnvironmentState.Up, (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment.State);
        var name = Assert.Single(await env.Client.ListForwardsAsync(CancellationToken.None).DefaultTimeout()).Name;
        await env.Client.PauseForwardAsync(name, CancellationToken.None).DefaultTimeout();
        using var holder = new TcpListener(IPAddress.Loopback, port);
        holder.Start();

        var error = await Assert.ThrowsAsync<StreamJsonRpc.RemoteInvocationException>(() => env.Client.ResumeForwardAsync(name, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ErrorCodes.InvalidArgument, error.ErrorCode);
        Assert.Contains($"{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("stays paused", error.Message, StringComparison.Ordinal);
        Assert.Equal(ForwardSessionState.Paused, Assert.Single(await env.Client.ListForwardsAsync(CancellationToken.None).DefaultTimeout()).State);
    }

    private static bool PortIsFree(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
