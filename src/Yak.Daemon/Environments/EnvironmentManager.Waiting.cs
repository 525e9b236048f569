using System.Globalization;
using Yak.Daemon.Rpc;
using Yak.Daemon.Telemetry;
using Yak.Kube.Environments;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Environments;

/// <summary>Waiting for an environment to come up on behalf of a client, and timing that wait.</summary>
internal sealed partial class EnvironmentManager
{
    /// <summary>
    /// <see cref="WatchAsync"/>, timed as the developer waits: the image pulls the nodes reported join the phases read
    /// from the environment's events. Timing never fails the verb.
    /// </summary>
    private async Task<EnvironmentInfo> TimedWatchAsync(EnvironmentWait wait, EnvironmentRuntime runtime, EnvironmentSupervisor supervisor, long ticket, TimeSpan timeout, CancellationToken cancellationToken)
    {
        EnvironmentInfo info;
        try
        {
            info = await WatchAsync(runtime, supervisor, ticket, timeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            wait.End("cancelled");
            throw;
        }
        catch (DaemonException)
        {
            wait.End("error");
            throw;
        }

        wait.Cluster(info.Cluster);
        var serviceByPod = info.Services.SelectMany(s => s.Pods.Select(p => (Pod: p.Name, Service: s.Name))).DistinctBy(p => p.Pod).ToDictionary(p => p.Pod, p => p.Service, StringComparer.Ordinal);
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            wait.AddPulls(await ImagePulls.ReadAsync(runtime.Connection.Client, info.Namespace, serviceByPod, wait.Started, bounded.Token));
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            // Without the events' figures the wait still has its other phases.
        }

        wait.End(info.State == EnvironmentState.Up ? "ok" : "not-ready");
        return info;
    }

    /// <summary>
    /// Watches the supervisor until the environment is up (or the cluster refused it, or the timeout). Cancelling
    /// (the client left, Ctrl+C) stops the watching only: the environment keeps converging.
    /// </summary>
    private async Task<EnvironmentInfo> WatchAsync(EnvironmentRuntime runtime, EnvironmentSupervisor supervisor, long ticket, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        deadline.CancelAfter(timeout);
        EnvironmentObservation seen;
        string? late = null;
        try
        {
            seen = await supervisor.WaitAsync(o => o.Ticket >= ticket && (o.State == EnvironmentState.Up || o.Refused), deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            seen = await supervisor.WaitAsync(_ => true, CancellationToken.None);
            late = $"Not ready within {timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s: {seen.Problem ?? "still converging"}. yakd keeps converging it; 'yakctl status' shows where it is.";
        }

        if (seen.Refused)
        {
            throw new OperationFailedException(seen.Problem ?? "The cluster refused the environment.", error: seen.Error);
        }

        var record = registry.Find(runtime.Name) ?? throw new NotFoundException($"Environment '{runtime.Name}' went away while it was being brought up.");
        return EnvironmentStatus.Build(record, runtime.Manifests, seen.Rollouts, services, late, late is null ? null : YakErrors.EnvironmentNotReady);
    }
}
