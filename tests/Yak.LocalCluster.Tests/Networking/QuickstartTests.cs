using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Yak.LocalCluster.Apply;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Networking;

/// <summary>
/// The quickstart (examples/shop) as raw manifests on the process runtime: web reaches the store by its Service name
/// through the cluster DNS and ClusterIP proxy, and the page, fetched through kubectl port-forward, shows the count.
/// </summary>
public sealed partial class QuickstartTests
{
    [Fact]
    public async Task Shop_PageThroughPortForward_ShowsTheStoresVisitCounter()
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        var applied = await kubectl.RunWithStdinAsync(ShopManifests(), "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        await kubectl.OkAsync("rollout", "status", "deployment/store", "--timeout=60s");
        await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=60s");

        using var forward = Process.Start(kubectl.StartInfo(["port-forward", "-v=4", "svc/web", ":8080"]))!;
        // What kubectl says about each connection, for a failure's message (a reset through the forward was seen once in CI).
        var said = new System.Collections.Concurrent.ConcurrentQueue<string>();
        forward.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                said.Enqueue(line);
            }
        };
        forward.BeginErrorReadLine();
        try
        {
            var port = await ReadLocalPortAsync(forward, said);
            // What kubectl prints per connection ("Handling connection for 8080") goes to stdout: kept for a failure too.
            _ = Task.Run(async () =>
            {
                while (await forward.StandardOutput.ReadLineAsync() is { } line)
                {
                    said.Enqueue(line);
                }
            });
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            string first, second;
            var resets = new List<string>();
            try
            {
                first = await GetPageAsync(http, port, resets);
                second = await GetPageAsync(http, port, resets);
            }
            catch (HttpRequestException e)
            {
                // Its stderr read to the end first: the line that explains a reset can come after the reset itself.
                forward.Kill(entireProcessTree: true);
                await forward.WaitForExitAsync().DefaultTimeout();
                throw new HttpRequestException($"{e.Message} (earlier resets: {resets.Count}) kubectl port-forward said:\n{string.Join("\n", said)}", e);
            }

            // A request reset before its answer may or may not have reached the store: the counter must go up by one.
            var visits = (Visits(first), Visits(second));
            Assert.True(visits.Item2 == visits.Item1 + 1 && visits.Item1 >= 1 && visits.Item1 <= 1 + resets.Count, $"visits {visits}, resets: {string.Join("; ", resets)}");
        }
        finally
        {
            forward.Kill(entireProcessTree: true);
            await forward.WaitForExitAsync().DefaultTimeout();
        }
    }

    /// <summary>
    /// The page; a connection reset through the forward is retried once on a new connection (seen in about one CI run in
    /// three, never locally in 22 runs, cause not found: kubectl logged nothing for it), a second one fails the test.
    /// </summary>
    private static async Task<string> GetPageAsync(HttpClient http, int port, List<string> resets)
    {
        try
        {
            return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")).DefaultTimeout();
        }
        catch (HttpRequestException e) when (resets.Count == 0 && e.GetBaseException() is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset })
        {
            resets.Add(e.GetBaseException().Message);
            return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")).DefaultTimeout();
        }
    }

    private static int Visits(string page) =>
        VisitsLine().Match(page) is { Success: true } match ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"no visit counter in the page: {page}");

    /// <summary>The shop's two services from examples/shop (its web folder as a ConfigMap volume, its store command from yak.yaml).</summary>
    private static string ShopManifests()
    {
        var shop = Path.Combine(RepoRoot(), "examples", "shop");
        var yak = YamlJson.Parse(File.ReadAllText(Path.Combine(shop, "yak.yaml")))!;
        var storeCommand = yak["services"]!["store"]!["command"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray();
        var web = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "shop-web" },
            ["data"] = new JsonObject
            {
                ["server.py"] = File.ReadAllText(Path.Combine(shop, "web", "server.py")),
                ["index.html"] = File.ReadAllText(Path.Combine(shop, "web", "index.html")),
            },
        };
        var store = Deployment("store", 7070, new JsonArray(storeCommand.Select(c => (JsonNode)c).ToArray()), [], "emptyDir", new JsonObject(), "/data",
            new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = 7070 }, ["periodSeconds"] = 1 });
        var webDeployment = Deployment("web", 8080, new JsonArray("python3", "/app/server.py"),
            [("STORE_URL", "http://store:7070"), ("PORT", "8080")], "configMap", new JsonObject { ["name"] = "shop-web" }, "/app",
            new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = 8080 }, ["periodSeconds"] = 1 });
        return string.Join("\n", new[] { web, store, Service("store", 7070), webDeployment, Service("web", 8080) }.Select(o => o.ToJsonString()));
    }

    private static JsonObject Deployment(string name, int port, JsonArray command, (string Name, string Value)[] env, string volumeKind, JsonObject volume, string mountPath, JsonObject readiness) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = name,
                        ["image"] = "python:3.12-slim",
                        ["command"] = command,
                        ["env"] = new JsonArray(env.Select(e => (JsonNode)new JsonObject { ["name"] = e.Name, ["value"] = e.Value }).ToArray()),
                        ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = port }),
                        ["readinessProbe"] = readiness,
                        ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "files", ["mountPath"] = mountPath }),
                    }),
                    ["volumes"] = new JsonArray(new JsonObject { ["name"] = "files", [volumeKind] = volume }),
                },
            },
        },
    };

    private static JsonObject Service(string name, int port) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = name },
            ["ports"] = new JsonArray(new JsonObject { ["port"] = port, ["targetPort"] = port }),
        },
    };

    private static async Task<int> ReadLocalPortAsync(Process kubectl, System.Collections.Concurrent.ConcurrentQueue<string> said)
    {
        while (await kubectl.StandardOutput.ReadLineAsync().DefaultTimeout() is { } line)
        {
            var match = ForwardingLine().Match(line);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        await kubectl.WaitForExitAsync().DefaultTimeout(); // its stderr read to the end
        Assert.Fail("kubectl port-forward ended before listening: " + string.Join("\n", said));
        return 0;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "YakDaemon.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (YakDaemon.sln) not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"Forwarding from 127\.0\.0\.1:(\d+) ->")]
    private static partial Regex ForwardingLine();

    [GeneratedRegex(@"<p>Visits: (\d+)</p>")]
    private static partial Regex VisitsLine();
}
