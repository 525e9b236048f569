using System.Diagnostics;
using Yak.Sync.Ignore;
using Yak.Sync.Link;
using Yak.Sync.Scanning;
using Yak.Sync.Wire;
using Yak.Sync.Watching;

namespace Yak.Sync.Session;

/// <summary>The session's single loop: connect, reconcile, watch, push; reconnect with backoff.</summary>
public sealed partial class SyncSession
{
    private async Task RunAsync()
    {
        var token = stopping.Token;
        StartWatcher();
        var attempt = 0;
        while (!token.IsCancellationRequested)
        {
            Task waitResume;
            lock (gate)
            {
                waitResume = paused ? resumed.Task : Task.CompletedTask;
            }

            if (!waitResume.IsCompleted)
            {
                SetState(SyncState.Paused, null);
                SaveState();
                await waitResume.ConfigureAwait(false);
                continue;
            }

            SetState(SyncState.Connecting, null);
            try
            {
                await ConnectAndServeAsync(token).ConfigureAwait(false);
                attempt = 0;
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                return; // disposed: whatever broke was broken on purpose
            }
            catch (Exception e)
            {
                var reason = e is ProtocolMismatchException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                options.Log?.Invoke($"sync {options.Name}: {reason}");
                SetState(SyncState.Error, reason);
                attempt++;
                await BackoffAsync(attempt, e is ProtocolMismatchException, token).ConfigureAwait(false);
            }
        }
    }

    private async Task BackoffAsync(int attempt, bool fatal, CancellationToken token)
    {
        var ceiling = options.MaxBackoff.TotalMilliseconds;
        var baseDelay = fatal ? ceiling : Math.Min(ceiling, 200 * Math.Pow(2, Math.Min(attempt - 1, 16)));
        var delay = TimeSpan.FromMilliseconds(baseDelay * (0.5 + (Random.Shared.NextDouble() * 0.5)));
        try
        {
            // A flush, resume or dispose cuts the wait short.
            await wake.WaitAsync(delay, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ConnectAndServeAsync(CancellationToken token)
    {
        var stream = await connector.ConnectAsync(token).ConfigureAwait(false);
        var link = await AgentClient.ConnectAsync(stream, token).ConfigureAwait(false);
        lock (gate)
        {
            client = link;
            agentVersion = link.AgentVersion;
            fullPassNeeded = true;
        }

        try
        {
            options.Log?.Invoke($"sync {options.Name}: connected to yak-agent {link.AgentVersion} at {connector.Description}");
            SetState(SyncState.Scanning, null);
            var known = Snapshot.ComputeManifestDigest(remote);
            var manifest = await link.GetManifestAsync(known, token).ConfigureAwait(false);
            if (manifest.Entries is { } entries)
            {
                remote = entries;
            }

            while (!token.IsCancellationRequested)
            {
                await PassAsync(link, token).ConfigureAwait(false);
                if (!await WaitForWorkAsync(link, token).ConfigureAwait(false))
                {
                    return; // paused
                }
            }
        }
        finally
        {
            lock (gate)
            {
                bytesWireClosed += link.BytesSent;
                client = null;
            }

            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <returns>false when the session was paused.</returns>
    private async Task<bool> WaitForWorkAsync(AgentClient link, CancellationToken token)
    {
        while (true)
        {
            lock (gate)
            {
                if (paused)
                {
                    return false;
                }

                if (dirty.Count > 0 || flushes.Count > 0 || fullPassNeeded)
                {
                    return true;
                }
            }

            SetState(SyncState.Watching, null);
            var woke = wake.WaitAsync(SaveAfterIdle, token);
            var finished = await Task.WhenAny(woke, link.Completion).ConfigureAwait(false);
            if (finished == link.Completion)
            {
                await link.Completion.ConfigureAwait(false);
                throw new IOException("the agent link closed");
            }

            if (!await woke.ConfigureAwait(false) && needsSave)
            {
                SaveState();
            }
        }
    }

    private async Task PassAsync(AgentClient link, CancellationToken token)
    {
        var started = Stopwatch.GetTimestamp();
        bool full;
        long generation;
        List<string> paths;
        lock (gate)
        {
            full = fullPassNeeded || flushes.Count > 0 || dirty.Contains("");
            generation = flushGeneration;
            paths = [.. dirty];
            dirty.Clear();
            fullPassNeeded = false;
        }

        if (!Directory.Exists(options.LocalRoot))
        {
            // Never mirror a vanished (unmounted, deleted) folder as "everything was deleted".
            lock (gate)
            {
                fullPassNeeded = true;
                rootMissing = true;
            }

            throw new DirectoryNotFoundException($"the local folder '{options.LocalRoot}' is missing; nothing is pushed until it is back");
        }

        if (rootMissing)
        {
            // The folder came back as a new inode: the old watches died with the old one.
            rootMissing = false;
            watcher?.Dispose();
            StartWatcher();
        }

        if (full)
        {
            SetState(SyncState.Scanning, null);
        }

        // An incremental pass that finds nothing to push (polling, touched-but-unchanged files) stays "watching":
        // editors should not see the state flicker.
        var result = await Task.Run(async () =>
        {
            IEnumerable<string>? scope;
            if (full)
            {
                ignore.InvalidateAll();
                local = scanner.Scan(local, token);

                scope = null;
            }
            else
            {
                foreach (var path in paths.Where(p => IgnoreRules.IsIgnoreFile(Path.GetFileName(p))).ToList())
                {
                    var folder = path.Contains('/', StringComparison.Ordinal) ? path[..path.LastIndexOf('/')] : "";
                    ignore.Invalidate(folder);
                    watcher?.Refresh(folder);
                    paths.Add(folder);
                }

                scope = scanner.Rescan(local, paths, token);
            }

            var plan = Reconciler.Plan(local, remote, ignore, scope);

            if (plan.Count == 0)
            {
                return new PushResult();
            }

            SetState(SyncState.Syncing, null);
            // Only this loop touches the models; status reads just their counts.
            var pass = new PushResult();
            lock (gate)
            {
                activePush = pass;
            }

            try
            {
                await new Pusher(options.LocalRoot, store, remote).PushAsync(link, plan, pass, token).ConfigureAwait(false);
            }
            finally
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

            return pass;
        }, token).ConfigureAwait(false);

        var latency = Stopwatch.GetElapsedTime(started);
        List<TaskCompletionSource> done = [];
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
            dirty.UnionWith(result.Retry);
            if (result.Applied > 0 || full)
            {
                lastLatency = latency;
                lastSyncAt = DateTimeOffset.UtcNow;
                needsSave = true;
            }

            if (full && result.Retry.Count == 0)
            {
                foreach (var flush in flushes.Where(f => f.Generation <= generation).ToList())
                {
                    flushes.Remove(flush);
                    done.Add(flush.Done);
                }
            }
            else if (full)
            {
                fullPassNeeded = true;
            }
        }

        foreach (var (path, message) in result.Problems)
        {
            options.Log?.Invoke($"sync {options.Name}: refused {path}: {message}");
        }

        if (full)
        {
            SaveState();
            CollectSignatures();
        }

        foreach (var flush in done)
        {
            flush.TrySetResult();
        }

        if (result.Applied > 0 || full)
        {
            Synced?.Invoke(this, new SyncedEventArgs(result.Applied, latency, full));
        }
    }
}
