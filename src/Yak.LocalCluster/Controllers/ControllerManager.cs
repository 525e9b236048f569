using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Scheduling;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// Runs every controller level-triggered: after any change in the store (coalesced) and on a slow tick, each controller
/// compares desired and observed state for all its objects and writes only differences, so passes converge.
/// </summary>
public sealed class ControllerManager : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(2);

    private readonly ClusterApi _api;
    private readonly IPodRuntime _runtime;
    private readonly ILogger<ControllerManager> _logger;
    private readonly NodeController _nodes;
    private readonly PodController _pods;
    private readonly NamespaceController _namespaces;
    private readonly DeploymentController _deployments;
    private readonly ReplicaSetController _replicaSets;
    private readonly StatefulSetController _statefulSets;
    private readonly JobController _jobs;
    private readonly CronJobController _cronJobs;
    private readonly TimeProvider _time;
    private ITimer? _cronTimer;
    private DateTimeOffset? _cronTimerDue;
    private readonly EndpointsController _endpoints;
    private readonly Networking.ServiceDirectoryController _serviceDirectory;
    private readonly EventRecorder _events;
    private readonly SemaphoreSlim _wake = new(0);

    /// <param name="nodes">The nodes to report (registered one by one; none: the default node).</param>
    public ControllerManager(ClusterApi api, IPodRuntime runtime, IEnumerable<NodeOptions> nodes, Networking.ServiceDirectory services, ControllerTime time, ILogger<ControllerManager> logger)
    {
        _time = time.Provider;
        _api = api;
        _runtime = runtime;
        _logger = logger;
        _events = new EventRecorder(api);
        var nodeList = nodes.ToList();
        _nodes = new NodeController(api, nodeList.Count > 0 ? nodeList : [NodeOptions.Default]);
        _pods = new PodController(api, runtime, _events, logger);
        _namespaces = new NamespaceController(api);
        _deployments = new DeploymentController(api, _events);
        _replicaSets = new ReplicaSetController(api, _events);
        _statefulSets = new StatefulSetController(api, _events);
        _jobs = new JobController(api, _events, _time);
        _cronJobs = new CronJobController(api, _events, _time);
        _endpoints = new EndpointsController(api);
        _serviceDirectory = new Networking.ServiceDirectoryController(api, services);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _runtime.StatusChanged += OnStatusChanged;
        _runtime.EventReported += OnEventReported;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                using var subscription = _api.Store.Subscribe(null, internalUse: true);
                var feed = Feed(subscription, stoppingToken);
                while (!stoppingToken.IsCancellationRequested && !feed.IsCompleted)
                {
                    RunPass(stoppingToken);
                    await _wake.WaitAsync(Tick, stoppingToken);
                    while (_wake.CurrentCount > 0)
                    {
                        await _wake.WaitAsync(stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        finally
        {
            _runtime.StatusChanged -= OnStatusChanged;
            _runtime.EventReported -= OnEventReported;
        }
    }

    /// <summary>Turns store events into wake-ups; completes when the subscription is closed (fault injection), which resubscribes.</summary>
    private async Task Feed(ObjectStore.Subscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            while (await subscription.Reader.WaitToReadAsync(cancellationToken))
            {
                while (subscription.Reader.TryRead(out _))
                {
                }

                _wake.Release();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }

        _wake.Release();
    }

    private void OnStatusChanged(PodStatusUpdate update)
    {
        try
        {
            _pods.OnStatusChanged(update);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Writing the status of pod {Namespace}/{Name} failed", update.Namespace, update.Name);
        }
    }

    private void OnEventReported(PodEventReport report)
    {
        try
        {
            _pods.OnEventReported(report);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Recording event {Reason} of pod {Namespace}/{Name} failed", report.Reason, report.Namespace, report.Name);
        }
    }

    private void RunPass(CancellationToken stoppingToken)
    {
        Run("nodes", _nodes.Reconcile);
        Run("namespaces", _namespaces.Reconcile);
        Run("deployments", _deployments.Reconcile);
        Run("replicasets", _replicaSets.Reconcile);
        Run("statefulsets", _statefulSets.Reconcile);
        Run("cronjobs", _cronJobs.Reconcile);
        Run("jobs", _jobs.Reconcile);
        Run("pods", () => _pods.Reconcile(stoppingToken));
        Run("endpoints", _endpoints.Reconcile);
        Run("service directory", _serviceDirectory.Reconcile);
        Run("events", _events.Expire);
        ArmCronTimer();
    }

    /// <summary>Wakes a pass when the next CronJob is due (on the controllers' clock, which tests move by hand).</summary>
    private void ArmCronTimer()
    {
        var due = _cronJobs.NextDue;
        if (due == _cronTimerDue)
        {
            return;
        }

        _cronTimer?.Dispose();
        _cronTimer = null;
        _cronTimerDue = due;
        if (due is { } at)
        {
            var delay = at - _time.GetUtcNow();
            _cronTimer = _time.CreateTimer(_ => _wake.Release(), null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        }
    }

    private void Run(string name, Action pass)
    {
        try
        {
            pass();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "The {Controller} controller failed a pass", name);
        }
    }

    public override void Dispose()
    {
        _cronTimer?.Dispose();
        _wake.Dispose();
        base.Dispose();
    }
}
