using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>Port-forward through KubernetesClient (v4.channel.k8s.io, StreamDemuxer).</summary>
public sealed class PortForwardTests
{
    [Fact]
    public async Task WebSocketPortForward_TenMegabyteDownload_ArrivesIntact()
    {
        await using var host = await StreamTestHost.StartAsync();
        var (pod, hash) = PodFixtures.BigFileServer(host.StateDirectory, "pf-big");
        await host.RunReadyAsync(pod);

        using var socket = await host.Client.WebSocketNamespacedPodPortForwardAsync("pf-big", "default", [8080], "v4.channel.k8s.io").DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket, StreamType.PortForward);
        demuxer.Start();
        using var stream = demuxer.GetStream((byte?)0, (byte?)0);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /big.bin HTTP/1.0\r\nHost: pod\r\n\r\n")).DefaultTimeout();

        var body = await ReadHttpBodyAsync(stream);

        Assert.Equal(10 * 1024 * 1024, body.Length);
        Assert.Equal(hash, SHA256.HashData(body));
    }

    [Fact]
    public async Task WebSocketPortForward_NothingListening_ReportsErrorOnErrorChannel()
    {
        await using var host = await StreamTestHost.StartAsync();
        var (pod, _) = PodFixtures.BigFileServer(host.StateDirectory, "pf-closed");
        await host.RunReadyAsync(pod);

        using var socket = await host.Client.WebSocketNamespacedPodPortForwardAsync("pf-closed", "default", [9], "v4.channel.k8s.io").DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket, StreamType.PortForward);
        demuxer.Start();
        using var error = demuxer.GetStream((byte?)1, null);

        var text = await ExecTests.ReadUntilAsync(error, "error forwarding port 9");

        Assert.Contains("error forwarding port 9", text, StringComparison.Ordinal);
    }

    /// <summary>Reads an HTTP/1.0 response: headers, then Content-Length bytes of body.</summary>
    internal static async Task<byte[]> ReadHttpBodyAsync(Stream stream)
    {
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int headerEnd = -1, length = -1;
        while (length < 0 || received.Length < headerEnd + length)
        {
            var n = await stream.ReadAsync(buffer).DefaultTimeout();
            Assert.True(n > 0, $"stream ended after {received.Length} bytes");
            received.Write(buffer, 0, n);
            if (headerEnd < 0)
            {
                var text = Encoding.ASCII.GetString(received.GetBuffer(), 0, (int)received.Length);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0)
                {
                    headerEnd = end + 4;
                    var line = text[..end].Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                    length = int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
                }
            }
        }

        return received.ToArray()[headerEnd..(headerEnd + length)];
    }
}
