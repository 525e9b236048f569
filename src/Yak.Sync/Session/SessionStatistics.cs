using Yak.Sync.Link;

namespace Yak.Sync.Session;

/// <summary>
/// What a session reports about its work, under one lock: totals of closed passes plus the pass in flight, bytes of
/// closed links plus the open one, the last sync, the agent's current problems. Every member may be called from any
/// thread.
/// </summary>
internal sealed class SessionStatistics
{
    private const int ProblemPathsShown = 20;

    private readonly object gate = new();
    private readonly Dictionary<string, string> problems = new(StringComparer.Ordinal);
    private long filesSent, bytesRaw, bytesWireClosed, deletes, deltas, copies;
    private AgentClient? link;
    private PushResult? activePush;
    private TimeSpan? lastLatency;
    private DateTimeOffset? lastSyncAt;
    private string? lastProblem;
    private string? agentVersion;

    /// <summary>The open link to the agent, if any.</summary>
    public AgentClient? Link
    {
        get
        {
            lock (gate)
            {
                return link;
            }
        }
    }

    public void LinkOpened(AgentClient opened)
    {
        lock (gate)
        {
            link = opened;
            agentVersion = opened.AgentVersion;
        }
    }

    public void LinkClosed(AgentClient closed)
    {
        lock (gate)
        {
            bytesWireClosed += closed.BytesSent;
            link = null;
        }
    }

    /// <summary>The pass whose live counters status adds to the totals until <see cref="PushEnded"/>.</summary>
    public void PushStarted(PushResult pass)
    {
        lock (gate)
        {
            activePush = pass;
        }
    }

    public void PushEnded(PushResult pass)
    {
        lock (gate)
        {
            activePush = null;
            filesSent += pass.FilesSent;
            bytesRaw += pass.BytesRaw;
            deletes += pass.Deletes;
            deltas += pass.Deltas;
            copies += pass.Copies;
        }
    }

    /// <summary>Records a finished pass's problems and, when it synced anything (or compared everything), its time.</summary>
    public void PassCompleted(bool full, PushResult result, TimeSpan latency, DateTimeOffset now)
    {
        lock (gate)
        {
            if (full)
            {
                // A full pass retried everything that differs: what still fails is the whole current list.
                problems.Clear();
            }

            foreach (var (path, message) in result.Problems)
            {
                problems[path] = message;
                lastProblem = $"{path}: {message}";
            }

            if (problems.Count == 0)
            {
                lastProblem = null;
            }

            if (result.Applied > 0 || full)
            {
                lastLatency = latency;
                lastSyncAt = now;
            }
        }
    }

    /// <summary>Fills the statistics into a status whose other parts the caller knows.</summary>
    public SyncStatus Describe(SyncStatus status)
    {
        lock (gate)
        {
            return status with
            {
                FilesSent = filesSent + (activePush?.FilesSent ?? 0),
                BytesSentRaw = bytesRaw + (activePush?.BytesRaw ?? 0),
                BytesOnWire = bytesWireClosed + (link?.BytesSent ?? 0),
                LinkCompressionLevel = link?.CompressionLevel,
                FilesDeleted = deletes + (activePush?.Deletes ?? 0),
                DeltasSent = deltas + (activePush?.Deltas ?? 0),
                FilesCopiedRemotely = copies + (activePush?.Copies ?? 0),
                LastSyncLatency = lastLatency,
                LastSyncAt = lastSyncAt,
                Problems = problems.Count,
                LastProblem = lastProblem,
                ProblemPaths = [.. problems.Keys.Order(StringComparer.Ordinal).Take(ProblemPathsShown)],
                AgentVersion = agentVersion,
            };
        }
    }
}
