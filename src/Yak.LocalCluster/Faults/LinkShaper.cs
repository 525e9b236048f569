using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Yak.LocalCluster.Faults;

/// <summary>
/// Link shaping for benchmarks and tests: while a <see cref="LinkProfile"/> is set, every connection to the API
/// server — REST, watches, logs, exec/attach/port-forward streams, HTTP/2 — goes through it below TLS, both ways:
/// chunks queue for the shared bandwidth of their direction and arrive latency ± jitter later, in order. A Kestrel
/// connection middleware (<see cref="Wrap"/>), so nothing above it can bypass it. Without a profile bytes pass as is.
/// </summary>
public sealed class LinkShaper
{
    /// <summary>The largest piece planned at once: small enough that bandwidth is shared fairly, large enough to be cheap.</summary>
    public const int ChunkBytes = 16 * 1024;

    /// <summary>The window <see cref="LinkDirection.MaxBytesPerWindow"/> is measured over.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);

    // In-flight chunks per connection and direction (bounded: a slow link pushes back on the sender, as TCP does).
    private const int QueuedChunks = 256;

    private readonly TimeProvider _time;
    private LinkProfile? _profile;

    public LinkShaper(TimeProvider time)
    {
        _time = time;
        ToServer = new LinkDirection(time);
        ToClient = new LinkDirection(time);
    }

    public LinkProfile? Profile
    {
        get => Volatile.Read(ref _profile);
        set
        {
            Volatile.Write(ref _profile, value);
            ToServer.Reset();
            ToClient.Reset();
        }
    }

    /// <summary>Client → server accounting.</summary>
    public LinkDirection ToServer { get; }

    /// <summary>Server → client accounting.</summary>
    public LinkDirection ToClient { get; }

    public JsonObject? Describe()
    {
        if (Profile is not { } p)
        {
            return null;
        }

        return new JsonObject
        {
            ["bandwidthBitsPerSecond"] = p.BitsPerSecond,
            ["latencyMilliseconds"] = p.Latency.TotalMilliseconds,
            ["jitterMilliseconds"] = p.Jitter.TotalMilliseconds,
            ["toServer"] = Stats(ToServer),
            ["toClient"] = Stats(ToClient),
        };
    }

    private static JsonObject Stats(LinkDirection d) => new()
    {
        ["bytes"] = d.Bytes,
        ["chunks"] = d.Chunks,
        ["minDelayMilliseconds"] = d.Chunks == 0 ? 0 : d.MinDelay.TotalMilliseconds,
        ["maxDelayMilliseconds"] = d.MaxDelay.TotalMilliseconds,
        ["maxBytesPerWindow"] = d.MaxBytesPerWindow,
        ["windowMilliseconds"] = Window.TotalMilliseconds,
    };

    /// <summary>The Kestrel connection middleware: the raw transport replaced by two shaped pumps.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        var raw = connection.Transport;
        var inbound = new Pipe();
        var outbound = new Pipe();
        connection.Transport = new DuplexPipe(inbound.Reader, outbound.Writer);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        var up = Pump(raw.Input, inbound.Writer, ToServer, stop.Token);
        var down = Pump(outbound.Reader, raw.Output, ToClient, stop.Token);
        try
        {
            await next(connection);
        }
        finally
        {
            await outbound.Writer.CompleteAsync();
            await inbound.Reader.CompleteAsync();
            // The server is done: let what it wrote drain through the link, then close the raw side.
            await down.ConfigureAwait(false);
            await stop.CancelAsync();
            await up.ConfigureAwait(false);
            connection.Transport = raw;
        }
    };

    /// <summary>
    /// Moves bytes from <paramref name="source"/> to <paramref name="target"/>. Without a profile they pass straight
    /// through; with one, a planning stage (bandwidth) feeds a delivery stage (latency) so many chunks are in flight
    /// at once, as on a real link.
    /// </summary>
    private async Task Pump(PipeReader source, PipeWriter target, LinkDirection direction, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<(byte[] Data, DateTimeOffset At)>(new BoundedChannelOptions(QueuedChunks) { SingleReader = true, SingleWriter = true });
        var pending = new InFlight();
        var deliver = Deliver(queue.Reader, target, pending, cancellationToken);
        Exception? failure = null;
        try
        {
            var lastDelivery = DateTimeOffset.MinValue;
            while (true)
            {
                var read = await source.ReadAsync(cancellationToken);
                var buffer = read.Buffer;
                if (Profile is null && Volatile.Read(ref pending.Count) == 0)
                {
                    // Unshaped and nothing in flight: straight through, no copy (keeps loopback benchmarks honest).
                    foreach (var segment in buffer)
                    {
                        target.Write(segment.Span);
                    }

                    buffer = buffer.Slice(buffer.End);
                    var flushed = await target.FlushAsync(cancellationToken);
                    if (flushed.IsCompleted)
                    {
                        source.AdvanceTo(read.Buffer.End);
                        break;
                    }
                }

                while (!buffer.IsEmpty)
                {
                    var take = (int)Math.Min(buffer.Length, ChunkBytes);
                    var chunk = buffer.Slice(0, take).ToArray();
                    buffer = buffer.Slice(take);
                    if (Profile is { } profile)
                    {
                        var (sentAt, deliverAt) = direction.Plan(profile, chunk.Length, lastDelivery);
                        lastDelivery = deliverAt;
                        // The sender is held until its chunk has left the line: bandwidth pushes back.
                        await DelayUntil(sentAt, cancellationToken);
                        Interlocked.Increment(ref pending.Count);
                        await queue.Writer.WriteAsync((chunk, deliverAt), cancellationToken);
                    }
                    else
                    {
                        Interlocked.Increment(ref pending.Count);
                        await queue.Writer.WriteAsync((chunk, DateTimeOffset.MinValue), cancellationToken);
                    }
                }

                source.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted || read.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection closed.
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or InvalidOperationException)
        {
            failure = e;
        }
        finally
        {
            queue.Writer.TryComplete();
        }

        await deliver.ConfigureAwait(false);
        await source.CompleteAsync(failure);
    }

    private async Task Deliver(ChannelReader<(byte[] Data, DateTimeOffset At)> queue, PipeWriter target, InFlight pending, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await foreach (var (data, at) in queue.ReadAllAsync(cancellationToken))
            {
                await DelayUntil(at, cancellationToken);
                var result = await target.WriteAsync(data, cancellationToken);
                Interlocked.Decrement(ref pending.Count);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection closed.
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or InvalidOperationException)
        {
            failure = e;
        }

        await target.CompleteAsync(failure);
    }

    private async Task DelayUntil(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var wait = at - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken);
        }
    }

    /// <summary>Chunks queued but not yet written: the pump writes directly only when none are, so order holds.</summary>
    private sealed class InFlight
    {
        public int Count;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
