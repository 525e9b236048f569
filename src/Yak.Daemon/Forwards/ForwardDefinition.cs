using Yak.Forwarding;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Forwards;

/// <summary>What the daemon persists about a forward so it listens again at the next start.</summary>
internal sealed record ForwardDefinition(
    string Name,
    string Environment,
    string Namespace,
    string Target,
    int LocalPort,
    int RemotePort,
    string Kubeconfig,
    string Context,
    bool Paused = false)
{
    /// <summary><c>svc/NAME</c> or a bare NAME → Service; <c>pod/NAME</c> → Pod; <c>k=v[,k=v]</c> → label selector.</summary>
    public static bool TryParseTarget(string ns, string text, out ForwardTarget? target, out string? error)
    {
        target = null;
        error = null;
        if (text.Contains('=', StringComparison.Ordinal))
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in text.Split(',', StringSplitOptions.TrimEntries))
            {
                var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                {
                    error = $"'{text}': a selector target is key=value[,key=value…].";
                    return false;
                }

                labels[parts[0]] = parts[1];
            }

            target = ForwardTarget.Selector(ns, labels);
            return true;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var kind = slash < 0 ? "svc" : text[..slash];
        var name = slash < 0 ? text : text[(slash + 1)..];
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
        {
            error = $"'{text}' is not a forward target: use svc/NAME (or NAME), pod/NAME, or key=value.";
            return false;
        }

        switch (kind)
        {
            case "svc" or "service" or "services":
                target = ForwardTarget.Service(ns, name);
                return true;
            case "pod" or "pods" or "po":
                target = ForwardTarget.Pod(ns, name);
                return true;
            default:
                error = $"'{text}': unknown kind '{kind}'; use svc/NAME, pod/NAME, or key=value.";
                return false;
        }
    }
}

internal static class ForwardStatusMapping
{
    public static ForwardSessionState ToContract(this ForwardState state) => state switch
    {
        ForwardState.Starting => ForwardSessionState.Starting,
        ForwardState.Listening => ForwardSessionState.Listening,
        ForwardState.Degraded => ForwardSessionState.Degraded,
        ForwardState.Stopped => ForwardSessionState.Stopped,
        _ => ForwardSessionState.Error,
    };

    public static ForwardInfo ToInfo(this ForwardStatus status, ForwardDefinition definition) => new()
    {
        Name = definition.Name,
        Environment = definition.Environment,
        Namespace = definition.Namespace,
        Target = definition.Target,
        LocalPort = status.LocalPort == 0 ? definition.LocalPort : status.LocalPort,
        RemotePort = status.RemotePort,
        State = status.State.ToContract(),
        Reason = status.Reason,
        ReasonCode = ForwardErrorCodes.For(status.ReasonKind)?.Code,
        TargetPod = status.TargetPod,
        OpenConnections = status.OpenConnections,
        TotalConnections = status.TotalConnections,
        FailedConnections = status.FailedConnections,
        BytesIn = status.BytesIn,
        BytesOut = status.BytesOut,
        LastError = status.LastError,
        LastErrorAt = status.LastErrorAt,
        LastErrorCode = status.LastError is null ? null : (ForwardErrorCodes.For(status.LastErrorKind) ?? YakErrors.ForwardStreamFailed).Code,
    };
}
