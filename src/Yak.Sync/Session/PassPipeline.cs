using Yak.Sync.Hashing;
using Yak.Sync.Ignore;
using Yak.Sync.Link;
using Yak.Sync.Scanning;
using Yak.Sync.Watching;

namespace Yak.Sync.Session;

/// <summary>
/// One pass of a session: scan (all, or the paths the watcher reported) → plan against the agent's manifest → push.
/// Owns the two models (the local scan and what the agent holds) and their persistence. Only the session's loop calls
/// it (the counts may be read from any thread).
/// </summary>
internal sealed class PassPipeline
{
    private readonly SyncSessionOptions options;
    private readonly SessionStore store;
    private readonly Scanner scanner;
    private volatile Dictionary<string, Entry> remote;
    private volatile Snapshot local;
    private bool needsSave;

    // The models may differ from the state folder's copy: a pass or an adopted manifest ran since the last write or
    // load. Coarser than needsSave (a pass that only refreshed mtimes counts), so a park can skip an identical rewrite.
    private bool unwritten;

    // Set while the two models are parked on disk (see Park): their counts, for status; the fields hold empty stand-ins.
    private volatile ParkedCounts? parked;

    // The remote map's keys are not (all) the local snapshot's strings: it was loaded, adopted or rescanned since.
    private bool rekeyRemote = true;

    /// <param name="options">With <see cref="SyncSessionOptions.LocalRoot"/> already made absolute.</param>
    public PassPipeline(SyncSessionOptions options)
    {
        this.options = options;
        store = new SessionStore(options.StateDirectory, line => options.Log?.Invoke($"sync {options.Name}: {line}"));
        Ignore = new IgnoreRules(options.LocalRoot, options.Ignore);
        scanner = new Scanner(options.LocalRoot, Ignore, options.Time);
        remote = store.LoadRemote();
        local = store.LoadLocal() ?? new Snapshot();
    }

    public IgnoreRules Ignore { get; }

    public int LocalEntries => parked?.Local ?? local.Count;

    public int RemoteEntries => parked?.Remote ?? remote.Count;

    /// <summary>Whether the models are parked on disk (an idle session's, see <see cref="Park"/>).</summary>
    public bool IsParked => parked is not null;

    /// <summary>The digest of the manifest we believe the agent holds (it answers "unchanged" when it matches).</summary>
    public Digest KnownManifest
    {
        get
        {
            Unpark();
            return Snapshot.ComputeManifestDigest(remote);
        }
    }

    public void AdoptManifest(Dictionary<string, Entry> entries)
    {
        Unpark();
        remote = entries;
        rekeyRemote = true;
        unwritten = true;
    }

    /// <summary>Scans, plans and pushes one pass; <paramref name="syncing"/> runs once there is something to push.</summary>
    public Task<PushResult> RunAsync(AgentClient link, PassWork work, ITreeWatcher? watcher, SessionStatistics statistics, Action syncing, CancellationToken token) =>
        Task.Run(async () =>
        {
            Unpark();
            unwritten = true;
            IEnumerable<string>? scope;
            if (work.Full)
            {
                Ignore.InvalidateAll();
                local = scanner.Scan(local, DeferHash(remote), token);
                rekeyRemote = true;

                scope = null;
            }
            else
            {
                var paths = work.Paths;
                foreach (var path in paths.Where(p => IgnoreRules.IsIgnoreFile(Path.GetFileName(p))).ToList())
                {
                    var folder = path.Contains('/', StringComparison.Ordinal) ? path[..path.LastIndexOf('/')] : "";
                    Ignore.Invalidate(folder);
                    watcher?.Refresh(folder);
                    paths.Add(folder);
                }

                scope = scanner.Rescan(local, paths, token);
            }

            var plan = Reconciler.Plan(local, remote, Ignore, scope);
            var pass = new PushResult();
            pass.Problems.AddRange(Ignore.Refused); // a refused ignore file stays listed until it is fixed
            if (plan.Count == 0)
            {
                return pass;
            }

            syncing();
            statistics.PushStarted(pass);
            try
            {
                await new Pusher(options.LocalRoot, store, remote, local).PushAsync(link, plan, pass, token).ConfigureAwait(false);
            }
            finally
            {
                // The pass's new signatures in one write: off the per-file path (no file per signature).
                store.FlushSignatures();
                statistics.PushEnded(pass);
            }

            return pass;
        }, token);

    /// <summary>
    /// Which files a full scan may leave for the sender to hash (see <see cref="Scanner.Scan"/>): those the agent does
    /// not hold at that path and that no copy could serve (the plan only looks for copy sources of the same size), so
    /// nothing decided before the send needs their digest. On a first sync that is every file: each is read once.
    /// </summary>
    private static Func<string, long, bool> DeferHash(Dictionary<string, Entry> remote)
    {
        var sizes = remote.Values.Where(e => e.Kind == EntryKind.File && e.Size >= Reconciler.MinCopySize).Select(e => e.Size).ToHashSet();
        return (path, size) => !remote.ContainsKey(path) && (size < Reconciler.MinCopySize || !sizes.Contains(size));
    }

    /// <summary>The models changed: <see cref="SaveIfChanged"/> will write them.</summary>
    public void MarkChanged() => needsSave = true;

    public void SaveIfChanged()
    {
        if (needsSave)
        {
            Save();
        }
    }

    public void Save()
    {
        if (parked is not null)
        {
            return; // saved when parked, unchanged since
        }

        Compact();
        if (unwritten)
        {
            Write();
        }
    }

    /// <returns>false when the models could not be written (logged).</returns>
    private bool Write()
    {
        try
        {
            store.SaveRemote(remote);
            store.SaveLocal(local);
            needsSave = false;
            unwritten = false;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            options.Log?.Invoke($"sync {options.Name}: could not save state: {e.Message}");
            return false;
        }
    }

    /// <summary>
    /// Lets an idle session's two models go from memory (they are most of what an idle yakd holds: ~220 bytes a watched
    /// file): they are written to the state folder — as on every save — and replaced by empty stand-ins, and the next
    /// pass, reconnect or save reloads them (<see cref="Unpark"/>). Written first unless nothing ran since the last
    /// write or load (a pass that found only touched files updates their mtimes without marking the models changed, so
    /// any pass counts): after a full pass's save, parking costs no rewrite.
    /// </summary>
    /// <returns>false when they could not be written (they stay in memory).</returns>
    public bool Park()
    {
        if (parked is not null)
        {
            return true;
        }

        if (unwritten && !Write())
        {
            return false;
        }

        // The counts first: status, read from any thread, never sees the stand-ins' zeros.
        parked = new ParkedCounts(local.Count, remote.Count);
        local = new Snapshot();
        remote = new Dictionary<string, Entry>(StringComparer.Ordinal);
        return true;
    }

    /// <summary>
    /// Reloads parked models. A file that went missing or corrupt meanwhile leaves its model empty and throws an
    /// <see cref="IOException"/>: the session reconnects, which fetches the agent's manifest again and compares the
    /// whole tree (a lost scan cache costs a rehash, never a wrong push). Every use of the models calls it; the loop
    /// also calls it as soon as the watcher sees a change, so the reload overlaps the watcher's quiet window.
    /// </summary>
    public void Unpark()
    {
        if (parked is null)
        {
            return;
        }

        var started = options.Time.GetTimestamp();
        var loadedRemote = store.TryLoadRemote();
        var loadedLocal = store.LoadLocal();
        options.Log?.Invoke($"sync {options.Name}: models reloaded after idling ({loadedLocal?.Count ?? 0} + {loadedRemote?.Count ?? 0} entries, {options.Time.GetElapsedTime(started).TotalMilliseconds:0.0} ms)");
        local = loadedLocal ?? new Snapshot();
        remote = loadedRemote ?? new Dictionary<string, Entry>(StringComparer.Ordinal);
        rekeyRemote = true;
        needsSave = loadedRemote is null || loadedLocal is null;
        unwritten = needsSave;
        parked = null;
        if (needsSave)
        {
            throw new IOException($"the session's saved state in {store.Directory} could not be reloaded after idling; reconnecting to compare the whole tree with the agent's manifest");
        }
    }

    private sealed record ParkedCounts(int Local, int Remote);

    /// <summary>
    /// Shrinks the two models to what an idle session needs (on every save: after a full pass, once activity settles, when
    /// pausing or stopping): each map's spare capacity — up to half its slots after growing — is given back, and the remote map
    /// takes the local snapshot's path strings, so a watched path is one string, not one per map. Per watched file this
    /// is ~250 bytes instead of ~400 (tests/Yak.Benchmarks idle).
    /// </summary>
    public void Compact()
    {
        if (parked is not null)
        {
            return;
        }

        local.Entries.TrimExcess();
        local.Unsettled.TrimExcess();
        if (!rekeyRemote)
        {
            remote.TrimExcess();
            return;
        }

        var current = remote;
        var shared = new Dictionary<string, Entry>(current.Count, StringComparer.Ordinal);
        foreach (var path in local.Entries.Keys)
        {
            if (current.TryGetValue(path, out var entry))
            {
                shared[path] = entry;
            }
        }

        if (shared.Count < current.Count)
        {
            foreach (var (path, entry) in current)
            {
                shared.TryAdd(path, entry); // what the agent holds and we no longer do: deleted on the next pass
            }
        }

        remote = shared;
        rekeyRemote = false;
    }

    /// <summary>Drops stored signatures of content the agent no longer holds (called after full passes).</summary>
    public void CollectSignatures()
    {
        if (parked is not null)
        {
            return; // parked after the pass that collected
        }

        try
        {
            store.CollectGarbage(remote.Values.Where(e => e.Kind == EntryKind.File && e.Size > Delta.BlockSizing.WholeFileThreshold).Select(e => e.Digest));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            options.Log?.Invoke($"sync {options.Name}: could not prune signatures: {e.Message}");
        }
    }
}
