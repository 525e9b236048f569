using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>The real kubectl port-forward (SPDY/3.1 tunnelled in a WebSocket) against the node.</summary>
public sealed partial class KubectlPortForwardTests
{
    [Theory]
    [MemberData(nameof(Kubectl.Versions), MemberType = typeof(Kubectl))]
    public async Task KubectlPortForward_TenMegabyteDownload_ArrivesIntact(string version)
    {
        await using var host = await StreamTestHost.StartAsync();
        var (pod, hash) = PodFixtures.BigFileServer(host.StateDirectory, "kpf");
        await host.RunReadyAsync(pod);

        using var kubectl = Process.Start(Kubectl.StartInfo(version, host.WriteKubeconfig(), "port-forward", "-v=6", "pod/kpf", ":8080"))!;
        var stderr = new System.Text.StringBuilder();
        kubectl.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        kubectl.BeginErrorReadLine();
        try
        {
            var port = await ReadLocalPortAsync(kubectl);
            using var http = new HttpClient();
            for (var attempt = 0; attempt < 2; attempt++)
            {
                // Two downloads: each is its own connection, i.e. its own pair of SPDY streams.
                byte[] body;
                try
                {
                    body = await http.GetByteArrayAsync(new Uri($"http://127.0.0.1:{port}/big.bin")).DefaultTimeout();
                }
                catch (HttpRequestException ex)
                {
                    lock (stderr)
                    {
                        throw new InvalidOperationException($"download through kubectl failed: {ex.Message}\nkubectl stderr:\n{stderr}", ex);
                    }
                }

                Assert.Equal(10 * 1024 * 1024, body.Length);
                Assert.Equal(hash, SHA256.HashData(body));
            }
        }
        finally
        {
            kubectl.Kill(entireProcessTree: true);
            await kubectl.WaitForExitAsync().DefaultTimeout();
        }
    }

    private static async Task<int> ReadLocalPortAsync(Process kubectl)
    {
        while (await kubectl.StandardOutput.ReadLineAsync().DefaultTimeout() is { } line)
        {
            var match = ForwardingLine().Match(line);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        Assert.Fail("kubectl port-forward ended before listening");
        return 0;
    }

    [GeneratedRegex(@"Forwarding from 127\.0\.0\.1:(\d+) ->")]
    private static partial Regex ForwardingLine();
}
