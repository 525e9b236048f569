using System.Text;
using k8s;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Torture;

/// <summary>The torture suite's in-pod reader must be able to fail: it names torn and tampered files, and only those.</summary>
public sealed class PodReaderTests
{
    [Fact]
    public async Task Reader_TornAndTamperedFiles_ReportedAsBadWholeOnesAndTempsNot()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var pod = await cluster.RunReadyAsync(PodReader.Pod("reader", 8 << 20));
        var volume = cluster.VolumePath(pod, "code");
        var random = new Random(7);
        var whole = SelfCheck.Make(random, 5000);
        Directory.CreateDirectory(Path.Combine(volume, "ü dir"));
        File.WriteAllBytes(Path.Combine(volume, "ü dir", "whole"), whole);
        File.WriteAllBytes(Path.Combine(volume, "empty"), []);
        File.WriteAllBytes(Path.Combine(volume, "torn"), SelfCheck.Make(random, 5000)[..3000]);
        var tampered = SelfCheck.Make(random, 5000);
        tampered[^1] ^= 1;
        File.WriteAllBytes(Path.Combine(volume, "tampered"), tampered);
        File.WriteAllBytes(Path.Combine(volume, ".yak-tmp-1"), whole[..100]);
        File.CreateSymbolicLink(Path.Combine(volume, "link"), "torn");

        // The first pass that started after the files landed has seen them all.
        var startedBefore = (await PodReader.ReadAsync(cluster, "reader")).Passes + 1;
        var bad = new List<string>();
        await using var stream = await cluster.Client.CoreV1.ReadNamespacedPodLogAsync("reader", "default", container: "app", follow: true).DefaultTimeout();
        using var lines = new StreamReader(stream, Encoding.UTF8);
        while (await lines.ReadLineAsync().DefaultTimeout() is { } line)
        {
            if (line.Split(' ') is ["PASS", var pass, var count] && long.Parse(pass) > startedBefore)
            {
                Assert.Equal("4", count); // whole, empty, torn, tampered: not the temp, not the link
                break;
            }

            if (line.StartsWith("BAD ", StringComparison.Ordinal))
            {
                bad.Add(line[4..]);
            }
        }

        Assert.Contains("torn 3000", bad);
        Assert.Contains("tampered 5000", bad);
        Assert.DoesNotContain(bad, b => b.StartsWith("ü dir/", StringComparison.Ordinal) || b.StartsWith("empty", StringComparison.Ordinal) || b.StartsWith(".yak-tmp", StringComparison.Ordinal));
    }
}
