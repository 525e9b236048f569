using System.Text.Json.Nodes;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Kubectl;

/// <summary>
/// kubectl's <c>create</c> generators and <c>run</c> send protobuf bodies: the stored objects must carry what
/// <c>--dry-run=client -o json</c> shows for the same command.
/// </summary>
public sealed class KubectlCreateTests
{
    public static TheoryData<string, string, string> Generators() => new()
    {
        { "namespace", "n1", "create namespace n1" },
        { "configmap", "c1", "create configmap c1 --from-literal=a=b --from-literal=c=d" },
        { "secret", "s1", "create secret generic s1 --from-literal=x=y" },
        { "serviceaccount", "sa1", "create serviceaccount sa1" },
        { "deployment", "d1", "create deployment d1 --image=busybox --replicas=2 --port=8080 -- sleep 3600" },
        { "service", "svc1", "create service clusterip svc1 --tcp=80:8080" },
        { "role", "r1", "create role r1 --verb=get,list --resource=pods" },
        { "rolebinding", "rb1", "create rolebinding rb1 --role=r1 --serviceaccount=default:sa1" },
        { "pod", "p1", "run p1 --image=busybox --env=A=B --labels=app=p1 -- sleep 3600" },
    };

    [Theory]
    [MemberData(nameof(Generators))]
    public async Task Create_Generator_StoresWhatDryRunShows(string kind, string name, string command)
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        var args = command.Split(' ');

        var split = Array.IndexOf(args, "--") is var i and >= 0 ? i : args.Length;
        string[] dryRun = [.. args[..split], "--dry-run=client", "-o", "json", .. args[split..]];
        var expected = JsonNode.Parse(await kubectl.OkAsync(dryRun))!.AsObject();
        await kubectl.OkAsync(args);
        var stored = JsonNode.Parse(await kubectl.OkAsync("get", kind, name, "-o", "json"))!.AsObject();

        foreach (var (key, value) in expected)
        {
            if (key is "metadata" or "status")
            {
                continue;
            }

            AssertContained(value, stored[key], key);
        }

        AssertContained(expected["metadata"]!["labels"], stored["metadata"]!["labels"], "metadata.labels");
    }

    /// <summary>Every field in <paramref name="expected"/> is in <paramref name="actual"/> with the same value (the server may add defaults).</summary>
    private static void AssertContained(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case null:
                return;
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key == "creationTimestamp")
                    {
                        continue;
                    }

                    AssertContained(value, actual?[key], $"{path}.{key}");
                }

                return;
            case JsonArray a:
                var actualArray = Assert.IsType<JsonArray>(actual);
                Assert.True(a.Count == actualArray.Count, $"{path}: expected {a.ToJsonString()}, got {actualArray.ToJsonString()}");
                for (var i = 0; i < a.Count; i++)
                {
                    AssertContained(a[i], actualArray[i], $"{path}[{i}]");
                }

                return;
            default:
                Assert.True(JsonNode.DeepEquals(expected, actual), $"{path}: expected {expected.ToJsonString()}, got {actual?.ToJsonString() ?? "nothing"}");
                return;
        }
    }
}
