using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Yak.Client;
using Yak.LocalCluster.Auth;
using Yak.LocalCluster.Hosting;
using Yak.LocalCluster.Scheduling;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Benchmarks.ApiSim;

/// <summary>What one run of the simulation saw.</summary>
/// <param name="UpRequests">API requests (those priority and fairness counts: not exec/port-forward/log streams) while every environment came up.</param>
/// <param name="IdleRequests">API requests over the idle window.</param>
/// <param name="Refused">Requests the API server answered 429 over the whole run.</param>
/// <param name="Checked">Environments whose new file was served through their forward (the sample).</param>
/// <param name="Descriptors">Open file descriptors of the cluster's process (this one) and of yakd at each stage.</param>
public sealed record ApiSimulationResult(
    int Environments,
    int Up,
    long UpRequests,
    TimeSpan UpTime,
    long IdleRequests,
    TimeSpan IdleTime,
    long Refused,
    long Admitted,
    int Sampled,
    int Checked,
    DescriptorCounts Descriptors,
    IReadOnlyList<string> Problems)
{
    public double UpRequestsPerEnvironment => (double)UpRequests / Environments;

    public double UpRequestsPerEnvironmentMinute => UpRequests / (double)Environments / UpTime.TotalMinutes;

    public double IdleRequestsPerEnvironmentMinute => IdleRequests / (double)Environments / IdleTime.TotalMinutes;

    public double RefusedShare => Admitted + Refused == 0 ? 0 : (double)Refused / (Admitted + Refused);
}

/// <summary>
/// Open file descriptors (<c>/proc/PID/fd</c>): the local cluster runs in the benchmark's process and shares its
/// RLIMIT_NOFILE, so this is what decides how many environments fit; yakd is a process of its own.
/// </summary>
public sealed record DescriptorCounts(int ClusterBefore, int ClusterUp, int ClusterIdle, int ClusterEnd, int YakdUp, int YakdEnd, long Limit)
{
    public static int Count(int pid)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd").Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>The soft RLIMIT_NOFILE of this process, from /proc/self/limits.</summary>
    public static long SoftLimit() =>
        File.ReadLines("/proc/self/limits").Where(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Select(l => long.TryParse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .FirstOrDefault(-1);
}

/// <summary>
/// One yakd driving N tiny environments (one busybox httpd pod serving its synced folder, one forward each) on one
/// local cluster whose API server refuses a share of the requests with 429 (its throttle fault). Counts the requests
/// the server admitted and refused while the environments come up and while they sit idle, then edits a file in a
/// sample of environments and reads it back through each one's forward: sync and forwards at work under 429s.
/// </summary>
public sealed class ApiSimulation(int environments, double throttleShare, TimeSpan idleWindow, int sample, TextWriter log)
{
    private const string Owner = "sim";

    public async Task<ApiSimulationResult> RunAsync(CancellationToken cancellationToken)
    {
        using var state = new TempDirectory("yak-apisim-");
        await using var host = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            StateDirectory = Path.Combine(state.Path, "cluster"),

            // A real cluster spreads 200 environments over nodes (110 pods each); here they are all this machine.
            Nodes = [.. Enumerable.Range(0, (environments / 100) + 1).Select(i => new NodeOptions($"node-{i}") { Zone = $"local-{(char)('a' + (i % 3))}" })],

            // The local cluster caps watches and streams per user (a laptop's safety); one yakd's hundreds of
            // environments legitimately hold more: several watches and streams each.
            MaxWatchesPerUser = Math.Max(256, (environments * 4) + 32),
            MaxStreamsPerUser = Math.Max(128, (environments * 4) + 32),
        }, cancellationToken);
        using var admin = host.Access.CreateHttpClient(timeout: TimeSpan.FromSeconds(30));

        // The throttle counts every request it sees per user; with no rate limit it refuses only the share.
        await SetThrottleAsync(admin, throttleShare, cancellationToken);
        using var sandbox = new YakSandbox();
        Directory.CreateDirectory(Path.Combine(sandbox.ConfigHome, "yak"));
        await File.WriteAllTextAsync(Path.Combine(sandbox.ConfigHome, "yak", "config.yaml"), $"owner: {Owner}\n", cancellationToken);
        var ports = FreePorts(environments);
        var envs = Enumerable.Range(0, environments).Select(i => WriteEnvironment(sandbox.Root, i, ports[i])).ToList();
        using var daemon = Process.Start(ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakd.dll"), "--background"], sandbox.Environment()))!;
        daemon.StandardInput.Close();
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        try
        {
            await using var client = await ConnectAsync(sandbox, cancellationToken);
            var problems = new List<string>();

            var self = Environment.ProcessId;
            var fdsBefore = DescriptorCounts.Count(self);
            var before = await CountAsync(admin, cancellationToken);
            var clock = Stopwatch.StartNew();
            log.WriteLine($"api-sim: {environments} environments coming up (429 share {throttleShare:0.##})…");
            using var gate = new SemaphoreSlim(16);
            var upCount = 0;
            var ups = envs.Select(async env =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    var response = await client.InvokeAsync<EnvUpResponse>(
                        Methods.EnvUp,
                        new EnvUpRequest { SpecPath = env.Folder, Cluster = string.Empty, Kubeconfig = host.KubeconfigPath, Context = "yak-local", TimeoutSeconds = 900, Profiles = [] },
                        cancellationToken);
                    if (response.Environment.State == EnvironmentState.Up)
                    {
                        var done = Interlocked.Increment(ref upCount);
                        if (done % 10 == 0 || done == environments)
                        {
                            log.WriteLine($"api-sim: {done}/{environments} up after {clock.Elapsed.TotalSeconds:0} s");
                        }
                    }
                    else
                    {
                        lock (problems)
                        {
                            problems.Add($"{env.Name}: {response.Environment.State} {response.Environment.LastError}");
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    lock (problems)
                    {
                        problems.Add($"{env.Name}: {ex.Message}");
                    }
                }
                finally
                {
                    gate.Release();
                }
            });
            await Task.WhenAll(ups);
            var upTime = clock.Elapsed;
            var afterUp = await CountAsync(admin, cancellationToken);
            var (fdsUp, yakdUp) = (DescriptorCounts.Count(self), DescriptorCounts.Count(daemon.Id));
            log.WriteLine($"api-sim: file descriptors after up: cluster's process {fdsUp} ({fdsBefore} before), yakd {yakdUp}");

            log.WriteLine($"api-sim: idle for {idleWindow.TotalSeconds:0} s…");
            await Task.Delay(idleWindow, cancellationToken);
            var afterIdle = await CountAsync(admin, cancellationToken);
            var fdsIdle = DescriptorCounts.Count(self);

            // Sync and forwards while the server still refuses its share: an edit reaches the pod and is served back.
            var sampled = envs.Where((_, i) => i % Math.Max(1, environments / sample) == 0).Take(sample).ToList();
            var served = await Task.WhenAll(sampled.Select(env => EditServedAsync(env, cancellationToken)));
            problems.AddRange(served.Where(p => p is not null)!);
            var end = await CountAsync(admin, cancellationToken);
            var descriptors = new DescriptorCounts(fdsBefore, fdsUp, fdsIdle, DescriptorCounts.Count(self), yakdUp, DescriptorCounts.Count(daemon.Id), DescriptorCounts.SoftLimit());
            log.WriteLine($"api-sim: file descriptors at the end: cluster's process {descriptors.ClusterEnd} (after idle {fdsIdle}), yakd {descriptors.YakdEnd}; limit {descriptors.Limit}");

            return new ApiSimulationResult(
                environments,
                upCount,
                afterUp.Total - before.Total,
                upTime,
                afterIdle.Total - afterUp.Total,
                idleWindow,
                end.Rejected,
                end.Admitted,
                sampled.Count,
                served.Count(p => p is null),
                descriptors,
                problems);
        }
        finally
        {
            daemon.Kill(entireProcessTree: true);
            await daemon.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task SetThrottleAsync(HttpClient admin, double share, CancellationToken cancellationToken)
    {
        using var set = await admin.PostAsJsonAsync(new Uri("/local-cluster/faults/throttle", UriKind.Relative), new { requestsPerSecond = 1_000_000, burst = 1_000_000, share }, cancellationToken);
        set.EnsureSuccessStatusCode();
    }

    /// <summary>What the API server admitted and refused for yakd's user so far.</summary>
    private static async Task<(long Admitted, long Rejected, long Total)> CountAsync(HttpClient admin, CancellationToken cancellationToken)
    {
        var state = JsonNode.Parse(await admin.GetStringAsync(new Uri("/local-cluster/faults", UriKind.Relative), cancellationToken))!;
        var user = state["throttle"]?["users"]?[TokenFile.OwnerName];
        var admitted = (long?)user?["admitted"] ?? 0;
        var rejected = (long?)user?["rejected"] ?? 0;
        return (admitted, rejected, admitted + rejected);
    }

    private static Task<DaemonClient> ConnectAsync(YakSandbox sandbox, CancellationToken cancellationToken)
    {
        var environment = sandbox.Environment();
        var endpoint = DaemonEndpoint.Resolve(n => environment.TryGetValue(n, out var v) ? v : null);
        return DaemonWait.ConnectAsync(endpoint, cancellationToken, TimeSpan.FromMinutes(1), "yak-api-sim");
    }

    private sealed record SimEnvironment(string Name, string Folder, int Port);

    private static SimEnvironment WriteEnvironment(string root, int index, int port)
    {
        var name = $"sim{index.ToString("D3", CultureInfo.InvariantCulture)}";
        var folder = Path.Combine(root, "envs", name);
        Directory.CreateDirectory(Path.Combine(folder, "code"));
        File.WriteAllText(Path.Combine(folder, "code", "hello.txt"), name);
        File.WriteAllText(Path.Combine(folder, "yak.yaml"), $$"""
            name: {{name}}
            services:
              web:
                image: busybox
                command: [busybox, httpd, -f, -p, "8080", -h, /code]
                ports:
                  - "{{port.ToString(CultureInfo.InvariantCulture)}}:8080"
                sync:
                  - { from: ./code, to: /code }
                resources:
                  requests: { cpu: 1m, memory: 4Mi }
            """);
        return new SimEnvironment(name, folder, port);
    }

    /// <summary>Null when a file written now is served through the environment's forward within two minutes, else why not.</summary>
    private static async Task<string?> EditServedAsync(SimEnvironment env, CancellationToken cancellationToken)
    {
        var content = $"edited {env.Name} {Guid.NewGuid():N}";
        await File.WriteAllTextAsync(Path.Combine(env.Folder, "code", "edit.txt"), content, cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        var last = "nothing answered";
        try
        {
            while (true)
            {
                try
                {
                    var body = await GetAsync(env.Port, "/edit.txt", limit.Token);
                    if (body.Contains(content, StringComparison.Ordinal))
                    {
                        return null;
                    }

                    last = body.Split('\n')[0];
                }
                catch (Exception ex) when (ex is SocketException or IOException)
                {
                    last = ex.Message;
                }

                await Task.Delay(100, limit.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{env.Name}: the edit was not served through localhost:{env.Port} within 2 min (last: {last})";
        }
    }

    private static async Task<string> GetAsync(int port, string path, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port, cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\n\r\n"), cancellationToken);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cancellationToken)) > 0 && text.Length < 65536)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    /// <summary>
    /// Distinct free ports below the kernel's ephemeral range (ip_local_port_range): ports the kernel hands out are
    /// taken by other programs' outgoing connections in the minutes before an environment's forward starts (one did,
    /// in a 200-environment run). Every listener stays open until all are picked, so none is handed out twice.
    /// </summary>
    private static List<int> FreePorts(int count)
    {
        var ephemeralStart = EphemeralRangeStart();
        var listeners = new List<TcpListener>();
        try
        {
            for (var port = Math.Max(1024, ephemeralStart - 1 - (count * 4)); listeners.Count < count && port < ephemeralStart; port++)
            {
                var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
                try
                {
                    listener.Start();
                    listeners.Add(listener);
                }
                catch (SocketException)
                {
                    listener.Dispose();
                }
            }

            if (listeners.Count < count)
            {
                throw new InvalidOperationException($"only {listeners.Count} of {count} ports below {ephemeralStart} are free");
            }

            return [.. listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture, out var start)
            ? start
            : 32768;
    }
}
