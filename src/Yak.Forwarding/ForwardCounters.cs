namespace Yak.Forwarding;

/// <summary>Thread-safe counters of one forward.</summary>
internal sealed class ForwardCounters
{
    private long bytesIn;
    private long bytesOut;
    private long total;
    private long failed;
    private int open;

    public long BytesIn => Interlocked.Read(ref bytesIn);

    public long BytesOut => Interlocked.Read(ref bytesOut);

    public long Total => Interlocked.Read(ref total);

    public long Failed => Interlocked.Read(ref failed);

    public int Open => Volatile.Read(ref open);

    /// <summary>Raised after <see cref="Opened"/> and <see cref="Closed"/>.</summary>
    public event Action? Changed;

    public void AddIn(int count) => Interlocked.Add(ref bytesIn, count);

    public void AddOut(int count) => Interlocked.Add(ref bytesOut, count);

    public void Opened()
    {
        Interlocked.Increment(ref total);
        Interlocked.Increment(ref open);
        Changed?.Invoke();
    }

    public void Closed(bool failedConnection)
    {
        Interlocked.Decrement(ref open);
        if (failedConnection)
        {
            Interlocked.Increment(ref failed);
        }

        Changed?.Invoke();
    }
}
