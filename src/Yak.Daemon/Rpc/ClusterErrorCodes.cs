using System.Net;
using k8s.Autorest;
using Yak.Kube.Environments;
using Yak.Protocol.Errors;

namespace Yak.Daemon.Rpc;

/// <summary>The catalogue's code for what a cluster said: a stuck rollout's reason, or an API server's refusal.</summary>
internal static class ClusterErrorCodes
{
    public static YakError? For(StuckReason reason) => reason switch
    {
        StuckReason.ImagePull => YakErrors.ImagePullFailed,
        StuckReason.CrashLoop => YakErrors.CrashLoop,
        StuckReason.Unschedulable => YakErrors.Unschedulable,
        StuckReason.OutOfMemory => YakErrors.OomKilled,
        StuckReason.CannotStart => YakErrors.ContainerCannotStart,
        StuckReason.ClaimPending => YakErrors.VolumeClaimPending,
        StuckReason.QuotaExceeded => YakErrors.QuotaExceeded,
        StuckReason.Forbidden => YakErrors.Forbidden,
        StuckReason.AgentDelivery => YakErrors.AgentDeliveryFailed,
        _ => null,
    };

    /// <summary>A 403 with "exceeded quota" is the namespace's quota; any other 403 is RBAC; the rest is a refusal.</summary>
    public static YakError For(HttpOperationException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal.Response.StatusCode switch
        {
            HttpStatusCode.Forbidden when refusal.Response.Content?.Contains("exceeded quota", StringComparison.OrdinalIgnoreCase) == true => YakErrors.QuotaExceeded,
            HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized => YakErrors.Forbidden,
            _ => YakErrors.ClusterRefused,
        };
    }
}
