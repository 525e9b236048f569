using System.Net;
using Yak.Daemon.Rpc;
using Yak.Daemon.Sync.Agent;
using Yak.Kube;
using Yak.Kube.Streams;
using Yak.Protocol.Errors;
using Yak.Sync.Session;
using Yak.Sync.Wire;

namespace Yak.Daemon.Sync;

/// <summary>The catalogue code of a session's last error, from the failure behind it (the text is for people, the type says what happened).</summary>
internal static class SyncErrorCodes
{
    public static YakError? For(SyncStatus status)
    {
        if (status.LastError is null)
        {
            return null;
        }

        if (status.ReplicaDisk is { } disk)
        {
            return disk.ReadOnly ? YakErrors.ReplicaReadOnly : YakErrors.ReplicaDiskFull;
        }

        return status.LastCause is null ? YakErrors.SyncLinkBroken : For(status.LastCause);
    }

    public static YakError For(Exception cause) => cause switch
    {
        ReplicaDiskFullException full => full.Fault.ReadOnly ? YakErrors.ReplicaReadOnly : YakErrors.ReplicaDiskFull,
        ProtocolMismatchException => YakErrors.AgentProtocolMismatch,
        AgentDeliveryException => YakErrors.AgentDeliveryFailed,
        AgentErrorException => YakErrors.AgentRefused,
        KubeConnectionException => YakErrors.ClusterUnreachable,
        DaemonException daemon => daemon.Error,
        ExecRefusedException { Status: HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized } => YakErrors.Forbidden,
        ExecRefusedException => YakErrors.SyncPodGone,
        DirectoryNotFoundException => YakErrors.LocalFolderMissing,
        IOException { InnerException: { } inner } when For(inner) is var known && known != YakErrors.SyncLinkBroken && known != YakErrors.Unexpected => known,
        IOException => YakErrors.SyncLinkBroken,
        _ => YakErrors.Unexpected,
    };
}
