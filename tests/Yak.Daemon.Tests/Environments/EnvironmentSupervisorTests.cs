using System.Globalization;
using System.Net.Http.Json;
using k8s;
using StreamJsonRpc;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Environments;

/// <summary>
/// Each environment's supervisor converges it with no user action: after an API outage, a service that recovers,
/// a client that leaves during up, a yakd killed during up. Real yakd processes, the local cluster and its faults API.
/// </summary>
public sealed class EnvironmentSupervisorTests
{
    /// <summary>How long the API server stops answering; YAK_OUTAGE_SECONDS=120 runs the two-minute outage of issue 17.</summary>
    private static int OutageSeconds =>
        int.TryParse(Environment.GetEnvironmentVariable("YAK_OUTAGE_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : 30;

    private static TimeSpan Converge => TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Update_AfterApiUnresponsive_NewPodGetsTheCodeAndServes()
    {
        await using var env = await EnvironmentFixture.StartAsync("shop");
        var info = (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment;
        var oldWeb = await env.PodAsync(info.Namespace, "web");

        // The API server hangs every request (watches already open stay), longer than a pass of the supervisor may take.
        using var admin = env.Cluster.Host.Access.CreateHttpClient();
        (await admin.PostAsJsonAsync("/local-cluster/faults/unresponsive", new { seconds = OutageSeconds, mode = "hang" }).DefaultTimeout()).EnsureSuccessStatusCode();
        await AnsweringAgainAsync(env).WaitAsync(TimeSpan.FromSeconds(OutageSeconds) + Converge);

        var updated = await env.Client.InvokeAsync<EnvUpdateResponse>(
            Methods.EnvUpdate,
            new EnvUpdateRequest { Name = "shop", SpecPath = string.Empty, Services = ["web"], TimeoutSeconds = 120 },
            CancellationToken.None).WaitAsync(Converge);

        Assert.Equal(EnvironmentState.Up, updated.Environment.State);
        var newWeb = await env.PodAsync(info.Namespace, "web");
        Assert.NotEqual(oldWeb.Metadata.Uid, newWeb.Metadata.Uid);
        Assert.Equal(
            File.ReadAllText(Path.Combine(env.Folder, "web", "server.py")),
            File.ReadAllText(Path.Combine(env.Cluster.VolumePath(newWeb, "yak-sync-0"), "server.py")));
        using var http = new HttpClient();
        Assert.Contains("Welcome to the yak shop", await http.GetStringAsync(new Uri($"http://127.0.0.1:{env.WebPort}/")).DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_ServiceFailsUntilItsFileArrives_DegradedWithReasonThenUpByItself()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        var port = FreePort();
        Directory.CreateDirectory(Path.Combine(env.Folder, "code"));
        File.WriteAllText(Path.Combine(env.Folder, "code", "index.html"), "served");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            "name: flaky\nservices:\n  app:\n    image: python\n" +
            "    command: [sh, -c, \"test -e /code/go || { echo no go file yet; exit 1; }; exec python3 -m http.server 8080 --directory /code\"]\n" +
            $"    ports: [\"{port}:8080\"]\n    sync:\n      - from: ./code\n        to: /code\n");

        await using var events = await EnvironmentEvents.SubscribeAsync(env.Client);
        var environment = (await env.UpAsync(timeoutSeconds: 20).WaitAsync(EnvironmentFixture.UpBound)).Environment;
        if (environment.State == EnvironmentState.Up)
        {
            // Without a readiness probe a running container is ready (as a kubelet says): up can catch its first run
            // between start and exit, and the supervisor then notices the crash loop by itself.
            await events.WaitForStateAsync(env.Client, "flaky", EnvironmentState.Degraded).WaitAsync(Converge);
            environment = await EnvironmentEvents.StatusAsync(env.Client, "flaky");
        }

        Assert.Equal(EnvironmentState.Degraded, environment.State);
        Assert.Contains("no go file yet", environment.LastError, StringComparison.Ordinal);

        // The cause goes away; nobody runs up again.
        File.WriteAllText(Path.Combine(env.Folder, "code", "go"), string.Empty);
        await events.WaitForStateAsync(env.Client, "flaky", EnvironmentState.Up).WaitAsync(Converge);

        var status = await StatusAsync(env.Client, "flaky");
        var forward = Assert.Single(Assert.Single(status.Services).Ports);
        Assert.Equal(PortForwardState.Listening, forward.Forward);
        using var http = new HttpClient();
        Assert.Equal("served", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/index.html")).DefaultTimeout());
    }

    [Fact]
    public async Task Up_ClientLeavesDuringUp_EnvironmentStillComesUp()
    {
        await using var env = await EnvironmentFixture.StartAsync("shop");
        await using var events = await EnvironmentEvents.SubscribeAsync(env.Client);
        var leaving = await env.Daemon.ConnectAsync().DefaultTimeout();
        var applied = events.WaitForKindAsync("applied");
        var up = UpThrough(leaving, env);
        await applied.WaitAsync(Converge);

        // Ctrl+C: the client goes away mid-up.
        await leaving.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => up).DefaultTimeout();

        await events.WaitForStateAsync(env.Client, "shop", EnvironmentState.Up).WaitAsync(Converge);
        using var http = new HttpClient();
        Assert.Contains("Welcome to the yak shop", await http.GetStringAsync(new Uri($"http://127.0.0.1:{env.WebPort}/")).DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_DaemonKilledDuringUp_NextDaemonFinishesIt()
    {
        await using var env = await EnvironmentFixture.StartAsync("shop");
        var applying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        env.Client.EventReceived += (_, e) =>
        {
            if (e.Kind == "applying")
            {
                applying.TrySetResult();
            }
        };
        await env.Client.SubscribeAsync([EventTopics.Environment], CancellationToken.None).DefaultTimeout();
        var up = env.UpAsync();
        await applying.Task.WaitAsync(Converge);

        await env.RestartDaemonAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => up).DefaultTimeout();

        await using var events = await EnvironmentEvents.SubscribeAsync(env.Client);
        await events.WaitForStateAsync(env.Client, "shop", EnvironmentState.Up).WaitAsync(Converge);
        var status = await StatusAsync(env.Client, "shop");
        Assert.All(status.Services, s => Assert.Equal(ServiceState.Ready, s.State));
        var web = await env.PodAsync(status.Namespace, "web");
        Assert.Equal(
            File.ReadAllText(Path.Combine(env.Folder, "web", "server.py")),
            File.ReadAllText(Path.Combine(env.Cluster.VolumePath(web, "yak-sync-0"), "server.py")));
        using var http = new HttpClient();
        Assert.Contains("Welcome to the yak shop", await http.GetStringAsync(new Uri($"http://127.0.0.1:{env.WebPort}/")).DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_LocalPortForwardedByAnotherEnvironment_FailsNamingIt()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        var port = FreePort();
        foreach (var name in new[] { "first", "second" })
        {
            Directory.CreateDirectory(Path.Combine(env.Folder, name));
            File.WriteAllText(Path.Combine(env.Folder, name, "yak.yaml"), $"name: {name}\nservices:\n  app:\n    image: python\n    command: [python3, -m, http.server, \"8080\"]\n    ports: [\"{port}:8080\"]\n");
        }

        Assert.Equal(EnvironmentState.Up, (await env.UpAsync(Path.Combine(env.Folder, "first")).WaitAsync(EnvironmentFixture.UpBound)).Environment.State);

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => env.UpAsync(Path.Combine(env.Folder, "second"))).DefaultTimeout();
        Assert.Equal(ErrorCodes.InvalidArgument, error.ErrorCode);
        Assert.Contains($"Local port {port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("environment 'first'", error.Message, StringComparison.Ordinal);
        Assert.Empty((await env.Cluster.Client.CoreV1.ListNamespacedPodAsync("yak-tester-second").DefaultTimeout()).Items);
    }

    [Fact]
    public async Task Up_LocalPortHeldByAProcess_FailsNamingTheProcess()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        File.WriteAllText(Path.Combine(env.Folder, "yak.yaml"), $"name: taken\nservices:\n  app:\n    image: python\n    command: [python3, -m, http.server, \"8080\"]\n    ports: [\"{port}:8080\"]\n");

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => env.UpAsync()).DefaultTimeout();
        Assert.Equal(ErrorCodes.InvalidArgument, error.ErrorCode);
        Assert.Contains($"Local port {port} of app is taken by pid {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
    }

    private static Task<EnvUpResponse> UpThrough(DaemonClient client, EnvironmentFixture env) =>
        client.InvokeAsync<EnvUpResponse>(
            Methods.EnvUp,
            new EnvUpRequest { SpecPath = env.Folder, Cluster = string.Empty, Kubeconfig = env.Cluster.Host.KubeconfigPath, Context = "yak-local", TimeoutSeconds = 120, Profiles = [] },
            CancellationToken.None);

    private static Task<EnvironmentInfo> StatusAsync(DaemonClient client, string name) => EnvironmentEvents.StatusAsync(client, name);

    /// <summary>A request held by the outage is answered when it ends (one that hits the client's HTTP timeout is asked again).</summary>
    private static async Task AnsweringAgainAsync(EnvironmentFixture env)
    {
        while (true)
        {
            try
            {
                await env.Cluster.Client.CoreV1.ListNamespaceAsync();
                return;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
