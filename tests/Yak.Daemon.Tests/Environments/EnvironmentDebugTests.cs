using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Environments;

/// <summary><c>env/debug</c> end to end: yakd restarts a service under its debugger on the local cluster, and the test talks to the debugger through the forward.</summary>
public sealed class EnvironmentDebugTests
{
    [Fact]
    public async Task Debug_NodeUnderInspect_InspectorAnswersThroughForwardSurvivesRestartAndStops()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        WriteCode(env, "server.js", "require('http').createServer((q, s) => s.end('node here')).listen(8080, '0.0.0.0');\n");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            "name: dbgnode\nservices:\n  web:\n    image: node\n    command: [node, /code/server.js]\n    sync: [{ from: ./code, to: /code, initialSync: true }]\n    readiness: { tcp: 8080 }\n    debug: node\n");
        var up = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, up.Environment.State);
        var before = await env.PodAsync(up.Environment.Namespace, "web");

        var debug = await DebugAsync(env, "web");
        Assert.Equal(EnvironmentState.Up, debug.Environment.State);
        Assert.Equal(("node", "node", 9229), (debug.Profile, debug.Runtime, debug.ContainerPort));
        var port = debug.LocalPort!.Value;
        var attach = debug.Attach!.Value;
        Assert.Equal("node", attach.GetProperty("type").GetString());
        Assert.Equal("attach", attach.GetProperty("request").GetString());
        Assert.Equal(port, attach.GetProperty("port").GetInt32());
        Assert.Equal(Path.Combine(env.Folder, "code"), attach.GetProperty("localRoot").GetString());
        Assert.Equal("/code", attach.GetProperty("remoteRoot").GetString());

        // The pod was rolled under the inspector, and the inspector's HTTP endpoint answers through the forward.
        var debugged = await env.PodAsync(up.Environment.Namespace, "web");
        Assert.NotEqual(before.Metadata.Uid, debugged.Metadata.Uid);
        using var http = new HttpClient();
        var targets = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list")).DefaultTimeout();
        Assert.Contains("webSocketDebuggerUrl", targets, StringComparison.Ordinal);
        Assert.Contains("/code/server.js", targets, StringComparison.Ordinal);
        var web = Assert.Single((await StatusAsync(env)).Services);
        Assert.Equal("node", web.Debug);
        Assert.Contains(web.Ports, p => p.ContainerPort == 9229 && p.LocalPort == port);

        // What is wanted is kept: a new yakd still runs it under the debugger, without rolling the pod again.
        await env.RestartDaemonAsync();
        Assert.Equal("node", Assert.Single((await StatusAsync(env)).Services).Debug);
        var again = await DebugAsync(env, "web");
        Assert.Equal(port, again.LocalPort);
        Assert.Equal(debugged.Metadata.Uid, (await env.PodAsync(up.Environment.Namespace, "web")).Metadata.Uid);
        Assert.Contains("\"Protocol-Version\"", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/version")).DefaultTimeout(), StringComparison.Ordinal);

        // --stop restores the declared command: no inspector, no debug port.
        var stopped = await DebugAsync(env, "web", stop: true);
        Assert.Null(stopped.Profile);
        Assert.Null(stopped.Attach);
        Assert.Equal(EnvironmentState.Up, stopped.Environment.State);
        var plain = Assert.Single((await StatusAsync(env)).Services);
        Assert.Null(plain.Debug);
        Assert.DoesNotContain(plain.Ports, p => p.ContainerPort == 9229);
        var restored = await env.PodAsync(up.Environment.Namespace, "web");
        Assert.DoesNotContain(restored.Spec.Containers[0].Env ?? [], e => e.Name == "NODE_OPTIONS");
    }

    [Fact]
    public async Task Debug_PythonUnderDebugpy_AnswersDapInitializeThroughForward()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        WriteCode(env, "app.py", "import http.server\nhttp.server.HTTPServer(('0.0.0.0', 8080), http.server.SimpleHTTPRequestHandler).serve_forever()\n");

        // Debian's python3-debugpy (.ci/run installs it) is /usr/bin/python3's.
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            "name: dbgpy\nservices:\n  api:\n    image: python\n    command: [/usr/bin/python3, /code/app.py]\n    sync: [{ from: ./code, to: /code, initialSync: true }]\n    readiness: { tcp: 8080 }\n    debug:\n      py: { runtime: python, port: 5679 }\n");
        Assert.Equal(EnvironmentState.Up, (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment.State);

        var debug = await DebugAsync(env, "api", profile: "py");
        Assert.Equal(("py", "python", 5679), (debug.Profile, debug.Runtime, debug.ContainerPort));
        var attach = debug.Attach!.Value;
        Assert.Equal("debugpy", attach.GetProperty("type").GetString());
        Assert.Equal(debug.LocalPort, attach.GetProperty("connect").GetProperty("port").GetInt32());
        var mapping = Assert.Single(attach.GetProperty("pathMappings").EnumerateArray().ToList());
        Assert.Equal((Path.Combine(env.Folder, "code"), "/code"), (mapping.GetProperty("localRoot").GetString(), mapping.GetProperty("remoteRoot").GetString()));

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", debug.LocalPort!.Value).DefaultTimeout();
        var stream = client.GetStream();
        var body = Encoding.UTF8.GetBytes("""{"seq":1,"type":"request","command":"initialize","arguments":{"clientID":"yak-test","adapterID":"debugpy","linesStartAt1":true,"columnsStartAt1":true,"pathFormat":"path"}}""");
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n").Concat(body).ToArray()).DefaultTimeout();
        // The adapter may announce itself with events first (output, debugpyWaitingForServer); the answer follows.
        var response = await ReadDapResponseAsync(stream).DefaultTimeout();
        Assert.Equal("response", response.GetProperty("type").GetString());
        Assert.Equal("initialize", response.GetProperty("command").GetString());
        Assert.Equal(1, response.GetProperty("request_seq").GetInt32());
        Assert.True(response.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Debug_ServiceWithoutProfile_FailsWithCodeAndFix()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        File.WriteAllText(Path.Combine(env.Folder, "yak.yaml"), "name: noprof\nservices:\n  app:\n    image: busybox\n    command: [sh, -c, \"exec sleep 3600\"]\n");
        Assert.Equal(EnvironmentState.Up, (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment.State);
        var error = await Assert.ThrowsAsync<StreamJsonRpc.RemoteInvocationException>(() => DebugAsync(env, "app"));
        Assert.Contains("Service 'app' has no debug profile", error.Message, StringComparison.Ordinal);
        var data = Assert.IsType<JsonElement>(error.ErrorData);
        Assert.Equal("YAK1106", data.GetProperty("code").GetString());
        Assert.StartsWith("add one under services.app, e.g. 'debug: node'", data.GetProperty("fix").GetString(), StringComparison.Ordinal);
    }

    private static void WriteCode(EnvironmentFixture env, string name, string text)
    {
        Directory.CreateDirectory(Path.Combine(env.Folder, "code"));
        File.WriteAllText(Path.Combine(env.Folder, "code", name), text);
    }

    private static Task<EnvDebugResponse> DebugAsync(EnvironmentFixture env, string service, string profile = "", bool stop = false) =>
        env.Client.InvokeAsync<EnvDebugResponse>(
            Methods.EnvDebug,
            new EnvDebugRequest { Name = string.Empty, SpecPath = env.Folder, Service = service, Profile = profile, Stop = stop, TimeoutSeconds = 120 },
            CancellationToken.None).WaitAsync(EnvironmentFixture.UpBound);

    private static async Task<EnvironmentInfo> StatusAsync(EnvironmentFixture env) =>
        Assert.Single((await env.Client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, new EnvStatusRequest { Name = string.Empty, SpecPath = env.Folder }, CancellationToken.None).DefaultTimeout()).Environments);

    private static async Task<JsonElement> ReadDapResponseAsync(NetworkStream stream)
    {
        while (true)
        {
            var message = await ReadDapMessageAsync(stream);
            if (message.GetProperty("type").GetString() != "event")
            {
                return message;
            }
        }
    }

    /// <summary>One DAP message: <c>Content-Length</c> headers, a blank line, the JSON body.</summary>
    private static async Task<JsonElement> ReadDapMessageAsync(NetworkStream stream)
    {
        var header = new StringBuilder();
        var one = new byte[1];
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            Assert.Equal(1, await stream.ReadAsync(one));
            header.Append((char)one[0]);
        }

        var length = int.Parse(header.ToString().Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
