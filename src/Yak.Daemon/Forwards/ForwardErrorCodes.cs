using Yak.Forwarding;
using Yak.Protocol.Errors;

namespace Yak.Daemon.Forwards;

/// <summary>The catalogue code of a forward's trouble.</summary>
internal static class ForwardErrorCodes
{
    public static YakError? For(ForwardProblem problem) => problem switch
    {
        ForwardProblem.LocalPortUnavailable => YakErrors.LocalPortBusy,
        ForwardProblem.NoReadyPod => YakErrors.ForwardNoReadyPod,
        ForwardProblem.ClusterUnreachable => YakErrors.ClusterUnreachable,
        ForwardProblem.StreamFailed or ForwardProblem.StreamBroke => YakErrors.ForwardStreamFailed,
        ForwardProblem.RemoteRefused => YakErrors.ForwardRemoteRefused,
        _ => null,
    };
}
