using Yak.Protocol;
using Yak.Daemon.Events;
using Yak.Daemon.Rpc;
using Yak.Forwarding;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Forwards;

/// <summary>
/// Pause and resume: a paused forward releases its local port but keeps its definition (persisted, so it stays
/// paused across yakd restarts and environment passes) until it is resumed.
/// </summary>
internal sealed partial class ForwardManager
{
    public async Task<ForwardInfo> PauseAsync(string name, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            ForwardDefinition definition;
            PortForward forward;
            ForwardSessionState previous;
            lock (forwards)
            {
                if (paused.TryGetValue(name, out var already))
                {
                    return PausedInfo(already);
                }

                if (!forwards.Remove(name, out var found))
                {
                    throw new NotFoundException($"No forward named '{name}' (see 'yakctl forward list').");
                }

                (definition, forward) = (found.Definition with { Paused = true }, found.Forward);
                previous = found.Forward.GetStatus().ToInfo(found.Definition).State;
                paused[name] = definition;
            }

            await forward.DisposeAsync();
            SaveRegistry();
            ForwardLog.StateChanged(logger, name, "Paused", string.Empty);
            hub.Publish(EventKinds.ForwardStateChanged, name, new ForwardStateChangedInfo { State = ForwardSessionState.Paused, Previous = previous, Reason = null });
            return PausedInfo(definition);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<ForwardInfo> ResumeAsync(string name, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            ForwardDefinition definition;
            lock (forwards)
            {
                if (forwards.TryGetValue(name, out var running))
                {
                    return running.Forward.GetStatus().ToInfo(running.Definition);
                }

                definition = paused.GetValueOrDefault(name)
                    ?? throw new NotFoundException($"No forward named '{name}' (see 'yakctl forward list').");
            }

            PortForward forward;
            try
            {
                forward = await OpenAsync(definition with { Paused = false }, cancellationToken);
            }
            catch (PortInUseException ex)
            {
                lock (forwards)
                {
                    forwards.Remove(name);
                }

                // Still paused: nothing changed, and the message names what holds the port.
                throw Invalid($"{ex.Message} Forward '{name}' stays paused; free the port and resume it again.");
            }

            lock (forwards)
            {
                paused.Remove(name);
            }

            SaveRegistry();
            return forward.GetStatus().ToInfo(Definition(name));
        }
        finally
        {
            gate.Release();
        }
    }

    private static ForwardInfo PausedInfo(ForwardDefinition definition) => new()
    {
        Name = definition.Name,
        Environment = definition.Environment,
        Namespace = definition.Namespace,
        Target = definition.Target,
        LocalPort = definition.LocalPort,
        RemotePort = definition.RemotePort,
        State = ForwardSessionState.Paused,
        Reason = $"paused; 'yakctl forward resume {definition.Name}' listens on localhost:{definition.LocalPort} again",
        TargetPod = null,
        OpenConnections = 0,
        TotalConnections = 0,
        FailedConnections = 0,
        BytesIn = 0,
        BytesOut = 0,
        ReasonCode = null,
        LastError = null,
        LastErrorAt = null,
        LastErrorCode = null,
    };
}
