using Yak.Protocol;

namespace Yak.Daemon.Streams;

/// <summary>A claimed side connection: frames both ways (<see cref="StreamFrames"/>), writes serialised.</summary>
internal sealed class SideChannel(Stream stream) : IAsyncDisposable
{
    private readonly SemaphoreSlim writeLock = new(1, 1);

    public async ValueTask SendAsync(byte type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StreamFrames.WriteAsync(stream, type, payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            writeLock.Release();
        }
    }

    public ValueTask<(byte Type, byte[] Payload)?> ReceiveAsync(CancellationToken cancellationToken) => StreamFrames.ReadAsync(stream, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        writeLock.Dispose();
    }
}
