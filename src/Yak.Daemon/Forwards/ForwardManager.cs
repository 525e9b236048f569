using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yak.Protocol;
using Yak.Daemon.Events;
using Yak.Daemon.Hosting;
using Yak.Daemon.Kube;
using Yak.Daemon.Rpc;
using Yak.Daemon.Telemetry;
using Yak.Forwarding;
using Yak.Kube;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Forwards;

/// <summary>
/// Owns every port-forward: ad hoc ones from <c>forward/add</c> and those environments declare. Definitions are
/// persisted atomically and every forward listens again when yakd starts; state changes go out as <c>forward</c> events.
/// </summary>
internal sealed partial class ForwardManager(
    DaemonEndpoint endpoint,
    KubeConnections kube,
    EventHub hub,
    TimeProvider time,
    ILogger<ForwardManager> logger) : IHostedService, ISessionCountSource
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, (ForwardDefinition Definition, PortForward Forward)> forwards = new(StringComparer.Ordinal);

    /// <summary>Forwards paused by the user: kept (and persisted) with their port released. Guarded by <see cref="forwards"/>.</summary>
    private readonly Dictionary<string, ForwardDefinition> paused = new(StringComparer.Ordinal);

    public SessionArea Area => SessionArea.Forwards;

    public int Count
    {
        get
        {
            lock (forwards)
            {
                return forwards.Count + paused.Count;
            }
        }
    }

    private string RegistryPath => Path.Combine(endpoint.StateDirectory, "forwards.json");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Every saved forward binds its port again before clients are served; one that cannot (port taken,
            // kubeconfig gone) is kept in Error with the reason rather than dropped.
            foreach (var definition in LoadRegistry())
            {
                if (definition.Paused)
                {
                    lock (forwards)
                    {
                        paused[definition.Name] = definition;
                    }

                    continue;
                }

                try
                {
                    await OpenAsync(definition, cancellationToken);
                }
                catch (Exception ex) when (ex is PortInUseException or KubeConnectionException or ArgumentException)
                {
                    ForwardLog.NotResumed(logger, definition.Name, ex.Message);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<PortForward> open;
        lock (forwards)
        {
            open = [.. forwards.Values.Select(f => f.Forward)];
        }

        await ShutdownWait.AllAsync([.. open.Select(f => f.DisposeAsync().AsTask())], "forward(s)", logger, cancellationToken);
    }

    public async Task<ForwardInfo> AddAsync(ForwardDefinition requested, CancellationToken cancellationToken)
    {
        if (requested.RemotePort is < 1 or > 65535 || requested.LocalPort is < 0 or > 65535)
        {
            throw Invalid($"Ports must be 1-65535 (local 0 picks a free one); got {requested.LocalPort}:{requested.RemotePort}.");
        }

        if (!ForwardDefinition.TryParseTarget(requested.Namespace, requested.Target, out _, out var error))
        {
            throw Invalid(error!);
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            var name = requested.Name.Length > 0 ? requested.Name : DeriveName(requested);
            lock (forwards)
            {
                if (forwards.ContainsKey(name) || paused.ContainsKey(name))
                {
                    throw Invalid($"A forward named '{name}' already exists; remove it first or pick another --name.");
                }

                if (requested.LocalPort != 0 && forwards.Values.FirstOrDefault(f => f.Forward.LocalPort == requested.LocalPort) is { Forward: not null } taken)
                {
                    throw Invalid($"Local port {requested.LocalPort} is already forwarded by '{taken.Definition.Name}'.");
                }
            }

            var definition = requested with { Name = name };
            PortForward forward;
            try
            {
                forward = await OpenAsync(definition, cancellationToken);
            }
            catch (PortInUseException ex)
            {
                lock (forwards)
                {
                    forwards.Remove(name);
                }

                throw Invalid(ex.Message);
            }
            catch (KubeConnectionException ex)
            {
                throw Invalid(ex.Message);
            }

            SaveRegistry();
            return forward.GetStatus().ToInfo(Definition(name));
        }
        finally
        {
            gate.Release();
        }
    }

    public IReadOnlyList<ForwardInfo> List()
    {
        lock (forwards)
        {
            return [.. forwards.Values.Select(f => f.Forward.GetStatus().ToInfo(f.Definition))
                .Concat(paused.Values.Select(PausedInfo))
                .OrderBy(f => f.Name, StringComparer.Ordinal)];
        }
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            PortForward forward;
            lock (forwards)
            {
                var definition = forwards.TryGetValue(name, out var found) ? found.Definition : paused.GetValueOrDefault(name)
                    ?? throw new NotFoundException($"No forward named '{name}' (see 'yakctl forward list').");
                if (definition.Environment.Length > 0)
                {
                    // Removed, it would only come back at the next 'up' and be "pending" until then: the environment owns it.
                    throw Invalid(
                        $"Forward '{name}' belongs to environment '{definition.Environment}' and follows its pods; " +
                        $"'yakctl forward pause {name}' releases its port until 'yakctl forward resume {name}', " +
                        $"'yakctl down' stops it with the environment, or remove its port from the spec and run 'yakctl up'.");
                }

                forwards.Remove(name);
                paused.Remove(name);
                forward = found.Forward;
            }

            if (forward is not null)
            {
                await forward.DisposeAsync();
            }

            SaveRegistry();
            hub.Publish(EventKinds.ForwardRemoved, name, new ForwardRemovedInfo { Name = name });
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Makes the forwards of <paramref name="environment"/> exactly <paramref name="wanted"/>; one that could not listen
    /// (its port was taken) is opened again, so a port that became free is taken up at the next pass.
    /// </summary>
    public async Task ReconcileEnvironmentAsync(string environment, IReadOnlyList<ForwardDefinition> wanted, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            List<(ForwardDefinition Definition, PortForward Forward)> existing;
            lock (forwards)
            {
                existing = [.. forwards.Values.Where(f => f.Definition.Environment == environment)];

                // A paused forward stays paused while the environment still declares it; one no longer declared goes.
                foreach (var gone in paused.Values.Where(d => d.Environment == environment && !wanted.Contains(d with { Paused = false })).ToList())
                {
                    paused.Remove(gone.Name);
                }

                wanted = [.. wanted.Where(w => !paused.ContainsKey(w.Name))];
            }

            foreach (var (definition, forward) in existing.Where(e => !wanted.Contains(e.Definition) || e.Forward.GetStatus().State == ForwardState.Error))
            {
                lock (forwards)
                {
                    forwards.Remove(definition.Name);
                }

                await forward.DisposeAsync();
            }

            foreach (var definition in wanted.Where(w => !existing.Any(e => e.Definition == w && e.Forward.GetStatus().State != ForwardState.Error)))
            {
                try
                {
                    await OpenAsync(definition, cancellationToken);
                }
                catch (PortInUseException ex)
                {
                    // Kept in Error with the reason: status shows it, and the next up retries.
                    ForwardLog.NotResumed(logger, definition.Name, ex.Message);
                }
            }

            SaveRegistry();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The forward listening on (or declared for) <paramref name="localPort"/>, if any.</summary>
    public ForwardInfo? OnPort(int localPort)
    {
        lock (forwards)
        {
            return forwards.Values.Where(f => f.Definition.LocalPort == localPort && f.Forward.GetStatus().State != ForwardState.Error)
                .Select(f => f.Forward.GetStatus().ToInfo(f.Definition)).FirstOrDefault();
        }
    }

    public ForwardInfo? Find(string environment, Func<ForwardDefinition, bool> match)
    {
        lock (forwards)
        {
            return forwards.Values.Where(f => f.Definition.Environment == environment && match(f.Definition))
                .Select(f => f.Forward.GetStatus().ToInfo(f.Definition))
                .Concat(paused.Values.Where(d => d.Environment == environment && match(d)).Select(PausedInfo))
                .FirstOrDefault();
        }
    }

    private async Task<PortForward> OpenAsync(ForwardDefinition definition, CancellationToken cancellationToken)
    {
        ForwardDefinition.TryParseTarget(definition.Namespace, definition.Target, out var target, out var error);
        var connection = kube.Get(definition.Kubeconfig, definition.Context);
        var forward = new PortForward(connection.Client, new PortForwardOptions
        {
            Target = target ?? throw new ArgumentException(error),
            RemotePort = definition.RemotePort,
            LocalPort = definition.LocalPort,
            Time = time,
        }, connection.Informers);
        DateTimeOffset? lostAt = null;
        forward.StateChanged += (_, e) =>
        {
            ForwardLog.StateChanged(logger, definition.Name, e.State.ToString(), e.Reason ?? string.Empty);
            hub.Publish(EventKinds.ForwardStateChanged, definition.Name, new ForwardStateChangedInfo { State = e.State.ToContract(), Previous = e.Previous.ToContract(), Reason = e.Reason });

            // Lost its pod (or the API) → answering again: a wait the developer feels as a refused connection.
            if (e.State == ForwardState.Degraded && e.Previous == ForwardState.Listening)
            {
                lostAt = time.GetUtcNow();
            }
            else if (e.State == ForwardState.Listening && lostAt is { } since)
            {
                lostAt = null;
                YakTelemetry.Completed(WaitKinds.ForwardReconnect, definition.Name, "yak.forward.reconnect", since, time.GetUtcNow());
            }
        };
        forward.TargetChanged += (_, e) => hub.Publish(EventKinds.ForwardTargetChanged, definition.Name, new ForwardTargetChangedInfo { Pod = e.Pod, PreviousPod = e.PreviousPod });
        forward.ConnectionError += (_, e) => hub.Publish(EventKinds.ForwardConnectionError, definition.Name, new ForwardConnectionErrorInfo { Pod = e.Pod, Error = e.Error });
        lock (forwards)
        {
            forwards[definition.Name] = (definition, forward);
        }

        await forward.StartAsync(cancellationToken);
        if (definition.LocalPort == 0)
        {
            // Keep the port it got, so the forward comes back on the same one after a restart.
            lock (forwards)
            {
                forwards[definition.Name] = (definition with { LocalPort = forward.LocalPort }, forward);
            }
        }

        return forward;
    }

    private ForwardDefinition Definition(string name)
    {
        lock (forwards)
        {
            return forwards[name].Definition;
        }
    }

    private List<ForwardDefinition> LoadRegistry() =>
        StateFile.LoadList<ForwardDefinition>(RegistryPath, (aside, reason) => ForwardLog.RegistryUnreadable(logger, aside, reason));

    private void SaveRegistry()
    {
        List<ForwardDefinition> definitions;
        lock (forwards)
        {
            definitions = [.. forwards.Values.Select(f => f.Definition).Concat(paused.Values).OrderBy(d => d.Name, StringComparer.Ordinal)];
        }

        StateFile.SaveList(RegistryPath, definitions);
    }

    private string DeriveName(ForwardDefinition definition)
    {
        var baseName = new string(definition.Target.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
        baseName = $"{baseName}-{definition.RemotePort}";
        lock (forwards)
        {
            var name = baseName;
            for (var i = 2; forwards.ContainsKey(name) || paused.ContainsKey(name); i++)
            {
                name = $"{baseName}-{i}";
            }

            return name;
        }
    }

    private static InvalidArgumentException Invalid(string message) => new(message);
}
