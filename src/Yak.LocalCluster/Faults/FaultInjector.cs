using System.Text.Json.Nodes;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Faults;

/// <summary>The faults currently injected into the API server (for reliability tests). Thread-safe.</summary>
public sealed class FaultInjector
{
    private readonly Lock _lock = new();
    private readonly ObjectStore _store;
    private readonly IPodRuntime _runtime;
    private int _failRemaining;
    private int _failStatus = 503;
    private int _latencyMs;
    private DateTimeOffset _unresponsiveUntil = DateTimeOffset.MinValue;
    private bool _refuse;

    public FaultInjector(ObjectStore store, IPodRuntime runtime, LinkShaper link, RequestThrottle throttle)
    {
        _store = store;
        _runtime = runtime;
        Link = link;
        Throttle = throttle;
    }

    /// <summary>The emulated network link (bandwidth, latency, jitter) between clients and the server.</summary>
    public LinkShaper Link { get; }

    /// <summary>Per-user request-rate limits (429 with Retry-After).</summary>
    public RequestThrottle Throttle { get; }

    public void FailNext(int count, int status)
    {
        lock (_lock)
        {
            _failRemaining = Math.Max(0, count);
            _failStatus = status;
        }
    }

    /// <summary>Consumes one injected failure; returns its status code, or null when none is pending.</summary>
    public int? TakeFailure()
    {
        lock (_lock)
        {
            if (_failRemaining <= 0)
            {
                return null;
            }

            _failRemaining--;
            return _failStatus;
        }
    }

    public int LatencyMilliseconds
    {
        get => Volatile.Read(ref _latencyMs);
        set => Volatile.Write(ref _latencyMs, Math.Max(0, value));
    }

    public void StopAnswering(TimeSpan duration, bool refuse)
    {
        lock (_lock)
        {
            _unresponsiveUntil = DateTimeOffset.UtcNow + duration;
            _refuse = refuse;
        }
    }

    /// <summary>While unresponsive: until when, and whether connections are cut (refuse) rather than left hanging.</summary>
    public (DateTimeOffset Until, bool Refuse)? Unresponsive
    {
        get
        {
            lock (_lock)
            {
                return _unresponsiveUntil > DateTimeOffset.UtcNow ? (_unresponsiveUntil, _refuse) : null;
            }
        }
    }

    /// <summary>Cuts every open watch and every exec/attach/port-forward/log stream.</summary>
    public (int Watches, int Streams) DropStreams() => (_store.CloseAllSubscriptions(), _runtime.DropAllStreams());

    public bool KillContainer(string ns, string pod, string container) => _runtime.KillContainer(ns, pod, container);

    public void Clear()
    {
        lock (_lock)
        {
            _failRemaining = 0;
            _latencyMs = 0;
            _unresponsiveUntil = DateTimeOffset.MinValue;
        }

        Link.Profile = null;
        Throttle.Limits = null;
    }

    public JsonObject Describe()
    {
        lock (_lock)
        {
            var unresponsive = _unresponsiveUntil > DateTimeOffset.UtcNow;
            return new JsonObject
            {
                ["fail"] = new JsonObject { ["remaining"] = _failRemaining, ["status"] = _failStatus },
                ["latencyMilliseconds"] = _latencyMs,
                ["unresponsive"] = unresponsive
                    ? new JsonObject { ["until"] = _unresponsiveUntil.ToString("O"), ["mode"] = _refuse ? "refuse" : "hang" }
                    : null,
                ["link"] = Link.Describe(),
                ["throttle"] = Throttle.Describe(),
            };
        }
    }
}
