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

    /// <summary>
    /// netcoredbg (<c>--server=PORT -- CMD</c>) accepts exactly one client, exits when it leaves, and runs CMD only on the
    /// client's <c>launch</c>. It is not packaged for Debian, so a stand-in with that accept behaviour runs as the
    /// profile's command: if yakd's readiness check took the one connection, the stand-in would exit and restart.
    /// </summary>
    [Fact]
    public async Task Debug_DotnetSingleClientDebugServer_FirstClientIsTheEditorsAndLaunchConfigIsWritten()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        WriteCode(env, "netcoredbg_standin.py", """
            import json, socket, sys
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(('0.0.0.0', 4711))
            listener.listen(1)
            client, _ = listener.accept()
            listener.close()
            stream = client.makefile('rb')
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        sys.exit(3)
                    if line == b'\r\n':
                        break
                    name, _, value = line.decode().partition(':')
                    if name.lower() == 'content-length':
                        length = int(value)
                request = json.loads(stream.read(length))
                body = json.dumps({'seq': 1, 'type': 'response', 'request_seq': request['seq'], 'success': True, 'command': request['command'], 'body': {}}).encode()
                client.sendall(b'Content-Length: %d\r\n\r\n' % len(body) + body)
            """);
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            "name: dbgnet\nservices:\n  api:\n    image: python\n    command: [/usr/bin/python3, -m, http.server, '8080']\n    workingDir: /code\n"
            + "    sync: [{ from: ./code, to: /code, initialSync: true }]\n    readiness: { tcp: 8080 }\n"
            + "    debug:\n      net: { runtime: dotnet, command: [/usr/bin/python3, /code/netcoredbg_standin.py] }\n");
        var up = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, up.Environment.State);

        // The stand-in never serves 8080: the rollout completes only because the profile lifts the readiness probe.
        var debug = await DebugAsync(env, "api");
        Assert.Equal(EnvironmentState.Up, debug.Environment.State);
        Assert.Equal(("net", "dotnet", 4711), (debug.Profile, debug.Runtime, debug.ContainerPort));
        var attach = debug.Attach!.Value;
        Assert.Equal(("coreclr", "launch", debug.LocalPort), (attach.GetProperty("type").GetString(), attach.GetProperty("request").GetString(), attach.GetProperty("debugServer").GetInt32()));
        Assert.Equal(("/usr/bin/python3", "/code"), (attach.GetProperty("program").GetString(), attach.GetProperty("cwd").GetString()));
        Assert.Equal(Path.Combine(env.Folder, "code"), attach.GetProperty("sourceFileMap").GetProperty("/code").GetString());

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", debug.LocalPort!.Value).DefaultTimeout();
        var stream = client.GetStream();
        var body = Encoding.UTF8.GetBytes("""{"seq":7,"type":"request","command":"initialize","arguments":{"clientID":"yak-test","adapterID":"coreclr"}}""");
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n").Concat(body).ToArray()).DefaultTimeout();
        var response = await ReadDapResponseAsync(stream).DefaultTimeout();
        Assert.Equal(("initialize", 7, true), (response.GetProperty("command").GetString(), response.GetProperty("request_seq").GetInt32(), response.GetProperty("success").GetBoolean()));

        // The editor's connection was the debug server's first: it never lost one to the readiness check and restarted.
        var pod = await env.PodAsync(up.Environment.Namespace, "api");
        Assert.Equal(0, Assert.Single(pod.Status.ContainerStatuses, c => c.Name == "api").RestartCount);
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
