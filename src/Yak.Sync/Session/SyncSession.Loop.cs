using Yak.Sync.Link;
using Yak.Sync.Wire;

namespace Yak.Sync.Session;

/// <summary>The session's single loop: connect, reconcile, watch, push; reconnect with backoff.</summary>
public sealed partial class SyncSession
{
    private static readonly TimeSpan SaveAfterIdle = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the agent is asked for free space while its disk is full (one small frame each).</summary>
    private static readonly TimeSpan SpacePoll = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between retries of a pass the replica's disk refused (when free space cannot be asked).</summary>
    private static readonly TimeSpan MaxDiskRetry = TimeSpan.FromSeconds(30);

    // Owned by the loop: the root vanished and the watcher must be rebuilt when it is back.
    private bool rootMissing;

    // The link in use and when it was opened (monotonic), for Woke: replaced together by the loop.
    private volatile OpenLink? openLink;

    private readonly ReconnectBackoff backoff;

    // Written by the loop, read by status: the replica's disk refused the last pass (reported once per episode).
    private volatile ReplicaDiskFullException? diskFull;

    // A ParkAsync waiting for the loop: answered between passes (parked), or false by the next pass.
    private TaskCompletionSource<bool>? parkRequest;

    // Set by the watcher on the first change seen while parked: the loop reloads the models before the change arrives.
    private bool unparkEarly;

    // The watches are set up while the link connects (stream, handshake, manifest); the first pass waits for them.
    private Task watcherStarted = Task.CompletedTask;

    private async Task RunAsync()
    {
        var token = stopping.Token;
        watcherStarted = Task.Run(StartWatcher, CancellationToken.None);
        try
        {
            await ServeUntilStoppedAsync(token).ConfigureAwait(false);
        }
        finally
        {
            // Dispose frees the watcher once this loop is over: it must exist by then, or it would outlive the session.
            await watcherStarted.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task ServeUntilStoppedAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            var waitResume = state.WhenResumed();
            if (!waitResume.IsCompleted)
            {
                SetState(SyncState.Paused, null);
                pipeline.Save();
                await waitResume.ConfigureAwait(false);
                continue;
            }

            SetState(SyncState.Connecting, null);
            try
            {
                await ConnectAndServeAsync(token).ConfigureAwait(false);
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                return; // disposed: whatever broke was broken on purpose
            }
            catch (Exception) when (!state.WhenResumed().IsCompleted)
            {
                continue; // paused: the link was closed under the pass on purpose (no ObjectDisposedException as the session's error)
            }
            catch (Exception e)
            {
                var reason = e is ProtocolMismatchException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                options.Log?.Invoke($"sync {options.Name}: {reason}");
                SetState(SyncState.Error, reason, e);
                var delay = backoff.Failed(e is ProtocolMismatchException);
                if (delay > TimeSpan.Zero)
                {
                    await BackoffAsync(delay, token).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task BackoffAsync(TimeSpan delay, CancellationToken token)
    {
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
        var started = options.Time.GetTimestamp();
        var stream = await connector.ConnectAsync(token).ConfigureAwait(false);
        var opened = options.Time.GetElapsedTime(started);
        var link = await AgentClient.ConnectAsync(stream, token, connector.Compress).ConfigureAwait(false);
        statistics.LinkOpened(link);
        openLink = new OpenLink(link, options.Time.GetTimestamp());
        state.RequireFullPass();

        try
        {
            var greeted = options.Time.GetElapsedTime(started);
            SetState(SyncState.Scanning, null);
            var manifest = await link.GetManifestAsync(pipeline.KnownManifest, token).ConfigureAwait(false);
            if (manifest.Entries is { } entries)
            {
                pipeline.AdoptManifest(entries);
            }

            // The timeline of a (re)connect: where the time to the first pass goes.
            options.Log?.Invoke(
                $"sync {options.Name}: connected to yak-agent {link.AgentVersion} at {connector.Description} " +
                $"(stream {opened.TotalMilliseconds:0} ms, handshake {(greeted - opened).TotalMilliseconds:0} ms, " +
                $"manifest {(options.Time.GetElapsedTime(started) - greeted).TotalMilliseconds:0} ms{(manifest.Entries is null ? ", unchanged" : $", {manifest.Count} entries")})");

            // Every folder is watched before the first scan reads it: a change made after it was scanned is always seen.
            await watcherStarted.ConfigureAwait(false);
            var diskAttempt = 0;
            var linkWorking = false;
            while (!token.IsCancellationRequested)
            {
                if (await PassAsync(link, token).ConfigureAwait(false) is { } full)
                {
                    // The link stays up (no reconnect, no agent restart): wait for room, then pass again.
                    if (!await WaitForRoomAsync(link, full, ++diskAttempt, token).ConfigureAwait(false))
                    {
                        return; // paused
                    }

                    continue;
                }

                Action? firstWatch = null;
                if (!linkWorking)
                {
                    linkWorking = true;
                    backoff.Working();
                    var firstPass = options.Time.GetElapsedTime(started);
                    firstWatch = () => options.Log?.Invoke($"sync {options.Name}: first pass on the link done {firstPass.TotalMilliseconds:0} ms after the connect began");
                }

                diskAttempt = 0;
                if (!await WaitForWorkAsync(link, firstWatch, token).ConfigureAwait(false))
                {
                    return; // paused
                }
            }
        }
        finally
        {
            openLink = null;
            statistics.LinkClosed(link);
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed record OpenLink(AgentClient Link, long Opened);

    /// <returns>false when the session was paused.</returns>
    /// <param name="watching">Runs once the state is Watching (after the flushes' waiters have seen the pass's state).</param>
    private async Task<bool> WaitForWorkAsync(AgentClient link, Action? watching, CancellationToken token)
    {
        // Once the state is saved, an idle session sleeps until woken: no timeout ticking per session while idle.
        var saved = false;
        while (true)
        {
            switch (state.Next())
            {
                case NextStep.Paused:
                    return false;
                case NextStep.Work:
                    return true;
            }

            SetState(SyncState.Watching, null);
            watching?.Invoke();
            watching = null;
            // The wait ends with the link: a waiter left behind would take the wake meant for the next link's loop.
            using var waitEnd = CancellationTokenSource.CreateLinkedTokenSource(token);
            var woke = wake.WaitAsync(saved ? Timeout.InfiniteTimeSpan : SaveAfterIdle, waitEnd.Token);
            var finished = await Task.WhenAny(woke, link.Completion).ConfigureAwait(false);
            if (finished == link.Completion)
            {
                await waitEnd.CancelAsync().ConfigureAwait(false);
                await link.Completion.ConfigureAwait(false);
                throw new IOException("the agent link closed");
            }

            saved = !await woke.ConfigureAwait(false);
            if (saved)
            {
                pipeline.SaveIfChanged();
            }

            if (Interlocked.Exchange(ref unparkEarly, false))
            {
                // An edit is on its way: not idle any more. The pass that carries it finds the models in memory.
                Interlocked.Exchange(ref parkRequest, null)?.TrySetResult(false);
                pipeline.Unpark();
            }

            if (Interlocked.Exchange(ref parkRequest, null) is { } park)
            {
                // Parking saves the models: the save-after-idle timeout is not needed any more.
                saved = pipeline.Park();
                park.TrySetResult(saved);
            }
        }
    }

    /// <summary>
    /// Waits until the replica's disk has room again (the agent is asked for its free space, cheaply and often), or a
    /// backoff (1 s doubling to 30 s) runs out, or something asks for a pass now (flush, edit, resume).
    /// </summary>
    /// <returns>false when the session was paused meanwhile.</returns>
    private async Task<bool> WaitForRoomAsync(AgentClient link, ReplicaDiskFullException full, int attempt, CancellationToken token)
    {
        var retryIn = TimeSpan.FromMilliseconds(Math.Min(MaxDiskRetry.TotalMilliseconds, 1000 * Math.Pow(2, Math.Min(attempt - 1, 16))));
        var started = options.Time.GetTimestamp();
        var canAsk = true;
        while (options.Time.GetElapsedTime(started) < retryIn)
        {
            var woke = wake.WaitAsync(SpacePoll, token);
            if (await Task.WhenAny(woke, link.Completion).ConfigureAwait(false) == link.Completion)
            {
                await link.Completion.ConfigureAwait(false);
                throw new IOException("the agent link closed");
            }

            if (await woke.ConfigureAwait(false))
            {
                return state.Next() != NextStep.Paused;
            }

            if (!canAsk)
            {
                continue;
            }

            try
            {
                var space = await link.GetSpaceAsync(token).WaitAsync(TimeSpan.FromSeconds(5), token).ConfigureAwait(false);
                canAsk = space.BytesTotal > 0; // 0: the agent cannot tell (no statvfs there)
                if (canAsk && (full.Fault.ReadOnly ? !space.ReadOnly : space.BytesFree > full.BytesNeeded))
                {
                    options.Log?.Invoke($"sync {options.Name}: the replica's disk has room again ({ReplicaDiskFullException.Bytes(space.BytesFree)} free); retrying");
                    return true;
                }
            }
            catch (AgentErrorException)
            {
                canAsk = false; // an agent without the space request: the backoff alone decides
            }
            catch (TimeoutException)
            {
            }
        }

        return true;
    }

    /// <returns>The replica's disk refusing writes in this pass, or null when it did not.</returns>
    private async Task<ReplicaDiskFullException?> PassAsync(AgentClient link, CancellationToken token)
    {
        var started = options.Time.GetTimestamp();
        Interlocked.Exchange(ref parkRequest, null)?.TrySetResult(false); // activity: not idle any more
        var work = state.TakeWork();
        EnsureRoot();
        if (work.Full)
        {
            SetState(SyncState.Scanning, null);
        }

        // An incremental pass that finds nothing to push (polling, touched-but-unchanged files) stays "watching":
        // editors should not see the state flicker.
        var result = await pipeline.RunAsync(link, work, watcher, statistics, () => SetState(SyncState.Syncing, null), token).ConfigureAwait(false);

        var latency = options.Time.GetElapsedTime(started);
        statistics.PassCompleted(work.Full, result, latency, options.Time.GetUtcNow());
        if (result.Applied > 0 || work.Full)
        {
            pipeline.MarkChanged();
        }

        var full = result.Disk is { } fault ? new ReplicaDiskFullException(connector.Target, fault, result.DiskBytesNeeded, result.DiskFailures) : null;
        // Before the flushes are answered: whoever they wake sees the status as this pass left it.
        if (full is not null)
        {
            ReportDiskFull(full);
        }
        else if (diskFull is not null)
        {
            diskFull = null;
            options.Log?.Invoke($"sync {options.Name}: the replica's disk took the pass; syncing again");
        }

        if (full is null && state.Current == SyncState.Scanning)
        {
            // A full pass that found nothing to push is over: a flush it answers must not report it as still scanning.
            SetState(SyncState.Watching, null);
        }

        var done = state.CompletePass(work, result, full);
        foreach (var (path, message) in result.Problems)
        {
            options.Log?.Invoke($"sync {options.Name}: refused {path}: {message}");
        }

        if (work.Full)
        {
            pipeline.Save();
            pipeline.CollectSignatures();
        }

        foreach (var flush in done)
        {
            flush.TrySetResult();
        }

        if (full is not null)
        {
            return full;
        }

        if (result.Applied > 0 || work.Full)
        {
            var sinceChange = work.DirtySince is { } seen ? options.Time.GetElapsedTime(seen) : latency;
            Synced?.Invoke(this, new SyncedEventArgs(result.Applied, latency, work.Full, sinceChange));
        }

        return null;
    }

    /// <summary>Error state with the why and the fix; the log line and the event once per episode, not per retry.</summary>
    private void ReportDiskFull(ReplicaDiskFullException full)
    {
        var first = diskFull is null || diskFull.Fault.ReadOnly != full.Fault.ReadOnly;
        diskFull = full;
        SetState(SyncState.Error, full.Message, full);
        if (first)
        {
            options.Log?.Invoke($"sync {options.Name}: warning: {full.Message}");
            ReplicaDiskFull?.Invoke(this, new ReplicaDiskFullEventArgs(full));
        }
    }

    /// <summary>Refuses to pass over a vanished root; rebuilds the watcher when it is back.</summary>
    private void EnsureRoot()
    {
        if (!Directory.Exists(options.LocalRoot))
        {
            // Never mirror a vanished (unmounted, deleted) folder as "everything was deleted".
            state.RequireFullPass();
            rootMissing = true;
            throw new DirectoryNotFoundException($"the local folder '{options.LocalRoot}' is missing; nothing is pushed until it is back");
        }

        if (rootMissing)
        {
            // The folder came back as a new inode: the old watches died with the old one.
            rootMissing = false;
            watcher?.Dispose();
            StartWatcher();
        }
    }
}
