using System.Globalization;
using k8s.Models;
using Yak.LocalCluster.Runtime.Images;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// One container of a pod: starts its process, keeps its log per run, applies the restart policy with the kubelet's
/// exponential back-off (CrashLoopBackOff while waiting), runs its probes, and reports every change.
/// </summary>
public sealed class ContainerRunner
{
    private static readonly TimeSpan BackoffReset = TimeSpan.FromMinutes(10);
    private readonly object gate = new();
    private readonly PodContext pod;
    private readonly V1Container spec;
    private ImageEntry? image;
    private readonly Action changed;
    private readonly List<Func<string, ReadOnlyMemory<byte>, ValueTask>> listeners = [];
    private V1ContainerState state;
    private V1ContainerState? lastState;
    private LocalProcess? process;
    private readonly HashSet<LocalProcess> execs = [];
    private ContainerLog? log;
    private bool ready;
    private bool started;
    private int restartCount;
    private TaskCompletionSource<LocalProcess> running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly string restartPolicy;

    internal ContainerRunner(PodContext pod, V1Container spec, string restartPolicy, Action changed)
    {
        this.pod = pod;
        this.restartPolicy = restartPolicy;
        this.spec = spec;
        this.changed = changed;
        state = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } };
    }

    public string Name => spec.Name;

    public V1Container Spec => spec;

    public int RestartCount
    {
        get
        {
            lock (gate)
            {
                return restartCount;
            }
        }
    }

    /// <summary>The running process, or null between runs.</summary>
    public LocalProcess? Process
    {
        get
        {
            lock (gate)
            {
                return process;
            }
        }
    }

    /// <summary>True once the container ended for good (restart policy says no more runs).</summary>
    public bool Finished { get; private set; }

    public int? FinalExitCode { get; private set; }

    public bool EverStarted => started;

    /// <summary>True while the image could not be had (pull errors, back-off, never-pull, invalid name).</summary>
    public bool ImageMissing
    {
        get
        {
            lock (gate)
            {
                return image is null && state.Waiting?.Reason is not null and not "ContainerCreating";
            }
        }
    }

    /// <summary>Log file of run <paramref name="run"/> (0-based restart count).</summary>
    public string LogPath(int run) => Path.Combine(pod.LogsFolder, spec.Name, run.ToString(CultureInfo.InvariantCulture) + ".log");

    /// <summary>The log of the current (or last) run, to follow it; null before the first run.</summary>
    public ContainerLog? CurrentLog
    {
        get
        {
            lock (gate)
            {
                return log;
            }
        }
    }

    /// <summary>Completes with the process of the next (or current) run.</summary>
    public Task<LocalProcess> WaitRunningAsync(CancellationToken cancellationToken) => running.Task.WaitAsync(cancellationToken);

    /// <summary>Subscribes to live output (attach); returns the unsubscribe action.</summary>
    public IDisposable Listen(Func<string, ReadOnlyMemory<byte>, ValueTask> listener)
    {
        lock (gate)
        {
            listeners.Add(listener);
        }

        return new Unsubscriber(() =>
        {
            lock (gate)
            {
                listeners.Remove(listener);
            }
        });
    }

    public V1ContainerStatus Status()
    {
        lock (gate)
        {
            return new V1ContainerStatus
            {
                Name = spec.Name,
                Image = image?.Reference ?? spec.Image,
                ImageID = image?.ImageId ?? string.Empty,
                ContainerID = process is null ? null : $"yak://{process.Pid}",
                Ready = ready,
                Started = state.Running is not null,
                RestartCount = restartCount,
                State = state,
                LastState = lastState ?? new V1ContainerState(),
            };
        }
    }

    internal void SetReady(bool value)
    {
        lock (gate)
        {
            if (ready == value || (value && state.Running is null))
            {
                return;
            }

            ready = value;
        }

        changed();
    }

    /// <summary>
    /// Ties an exec'd process to the current run: when the container's process ends (stop, crash, pod deletion) its
    /// execs are killed with it, as the runtime does when a container's PID namespace loses its init. Without that a
    /// command exec'd into a deleted pod would go on writing into that pod's volumes.
    /// </summary>
    internal IDisposable TrackExec(LocalProcess exec)
    {
        lock (gate)
        {
            if (process is null)
            {
                exec.Signal(LinuxNative.SigKill);
                return new Unsubscriber(() => { });
            }

            execs.Add(exec);
        }

        return new Unsubscriber(() =>
        {
            lock (gate)
            {
                execs.Remove(exec);
            }
        });
    }

    /// <summary>Kills the current process as a crash would (restart policy applies).</summary>
    public bool Kill() => Process?.Signal(LinuxNative.SigKill) ?? false;

    internal async Task RunAsync(CancellationToken stopping)
    {
        var resolved = await pod.Images.ResolveAsync(pod, spec, waiting => Set(new V1ContainerState { Waiting = waiting }), stopping).ConfigureAwait(false);
        if (resolved is null)
        {
            return;
        }

        lock (gate)
        {
            image = resolved;
        }

        if (state.Waiting?.Reason != "ContainerCreating")
        {
            Set(new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } });
        }

        var consecutive = 0;
        while (!stopping.IsCancellationRequested)
        {
            var startedAt = DateTime.UtcNow;
            int exitCode;
            string? failure = null;
            try
            {
                exitCode = await RunOnceAsync(startedAt, stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                exitCode = 128;
                failure = ex.Message;
            }

            if (stopping.IsCancellationRequested)
            {
                return;
            }

            var terminated = new V1ContainerState
            {
                Terminated = new V1ContainerStateTerminated
                {
                    ExitCode = exitCode,
                    Reason = failure is not null ? "StartError" : exitCode == 0 ? "Completed" : "Error",
                    Message = failure,
                    StartedAt = startedAt,
                    FinishedAt = DateTime.UtcNow,
                },
            };
            var restart = restartPolicy == "Always" || (restartPolicy == "OnFailure" && exitCode != 0);
            if (!restart)
            {
                FinalExitCode = exitCode;
                Finished = true;
                Set(terminated);
                return;
            }

            consecutive = DateTime.UtcNow - startedAt > BackoffReset ? 0 : consecutive;
            var delay = Backoff(consecutive++);
            lock (gate)
            {
                lastState = terminated;
            }

            Set(new V1ContainerState
            {
                Waiting = new V1ContainerStateWaiting
                {
                    Reason = "CrashLoopBackOff",
                    Message = $"back-off {delay.TotalSeconds:0.###}s restarting failed container={spec.Name} pod={pod.Name}",
                },
            });
            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (gate)
            {
                restartCount++;
            }
        }
    }

    private TimeSpan Backoff(int consecutive) => BackoffDelay(pod.Options.RestartBackoffBase, pod.Options.RestartBackoffMax, consecutive);

    /// <summary>The kubelet's restart delay: base, doubling per consecutive restart, capped.</summary>
    internal static TimeSpan BackoffDelay(TimeSpan initial, TimeSpan max, int consecutive)
    {
        var factor = Math.Pow(2, Math.Min(consecutive, 30));
        return TimeSpan.FromTicks((long)Math.Min(initial.Ticks * factor, max.Ticks));
    }

    private async Task<int> RunOnceAsync(DateTime startedAt, CancellationToken stopping)
    {
        var scratch = Path.Combine(pod.Options.StateDirectory, "pods", pod.Uid, "rootfs", spec.Name);
        var launch = ContainerLaunch.Build(pod.Pod, spec, image!, pod.Sandbox, pod.Sandbox.PodIp, pod.VolumeFolders, pod.HostsFile, scratch, pod.ResolvConf);
        var runLog = new ContainerLog(LogPath(restartCount));
        LocalProcess started;
        lock (gate)
        {
            log?.Dispose();
            log = runLog;
            started = LocalProcess.Start(launch, spec.Tty == true, OnOutput);
            if (spec.Stdin != true)
            {
                started.CloseStdin();
            }
        }

        if (image!.RootFs is not null)
        {
            try
            {
                await RootFsLaunch.WaitUntilInRootAsync(started, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the registration below signals it at once.
            }
        }

        // A process that ended before it was seen in its root (a command failing at once) is not reported running
        // after the fact: a kubelet's relist would not have seen it run either, and it was never ready.
        var endedAlready = started.HasExited;
        lock (gate)
        {
            process = started;
            this.started = true;
            ready = false;
            if (!endedAlready)
            {
                state = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = startedAt } };
            }
        }

        running.TrySetResult(started);
        using var probes = new CancellationTokenSource();
        var prober = Task.CompletedTask;
        if (!endedAlready)
        {
            changed();
            prober = ContainerProber.RunAsync(this, pod, probes.Token);
        }

        try
        {
            using var stopRegistration = stopping.Register(() =>
            {
                probes.Cancel();
                started.Signal(LinuxNative.SigTerm);
            });
            return await started.Exited.ConfigureAwait(false);
        }
        finally
        {
            await probes.CancelAsync().ConfigureAwait(false);
            await prober.ConfigureAwait(false);
            runLog.Complete();
            LocalProcess[] orphans;
            lock (gate)
            {
                orphans = [.. execs];
                execs.Clear();
                process = null;
                ready = false;
                running = new TaskCompletionSource<LocalProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            foreach (var orphan in orphans)
            {
                orphan.Signal(LinuxNative.SigKill);
            }

            started.Dispose();
        }
    }

    private async ValueTask OnOutput(string stream, ReadOnlyMemory<byte> data)
    {
        Func<string, ReadOnlyMemory<byte>, ValueTask>[] snapshot;
        ContainerLog? current;
        lock (gate)
        {
            snapshot = [.. listeners];
            current = log;
        }

        current?.Append(stream, data.Span);
        foreach (var listener in snapshot)
        {
            try
            {
                await listener(stream, data).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // An attach client that went away does not stop the container.
            }
        }
    }

    /// <summary>A command to run beside the current process (exec), in its namespaces and with its environment.</summary>
    public LaunchSpec? BuildExec(IReadOnlyList<string> command, bool tty)
    {
        var current = Process;
        if (current is null)
        {
            return null;
        }

        var entry = image ?? pod.ImageFor(spec);
        var env = ContainerLaunch.BuildEnvironment(pod.Pod, spec, entry, pod.Sandbox.PodIp);
        if (tty)
        {
            env["TERM"] = "xterm";
        }

        (long, long)? user = entry.RootFs is null ? null : ContainerLaunch.User(pod.Pod, spec, entry) is var u ? (u.Uid, u.Gid) : null;
        return ContainerLaunch.BuildExec(current.Pid, pod.Sandbox.Isolated, spec, pod.VolumeFolders, command, env, user);
    }

    private void Set(V1ContainerState next)
    {
        lock (gate)
        {
            state = next;
            if (next.Running is null)
            {
                ready = false;
            }
        }

        changed();
    }

    private sealed class Unsubscriber(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
