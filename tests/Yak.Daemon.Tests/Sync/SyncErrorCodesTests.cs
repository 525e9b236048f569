using System.Net;
using System.Net.WebSockets;
using Yak.Daemon.Sync;
using Yak.Daemon.Sync.Agent;
using Yak.Kube;
using Yak.Kube.Streams;
using Yak.Protocol.Errors;
using Yak.Sync.Wire;

namespace Yak.Daemon.Tests.Sync;

public sealed class SyncErrorCodesTests
{
    public static TheoryData<Exception, string> Failures() => new()
    {
        { new ProtocolMismatchException("the agent answered with sync protocol 3"), YakErrors.AgentProtocolMismatch.Code },
        { new AgentDeliveryException("Installing yak-agent failed"), YakErrors.AgentDeliveryFailed.Code },
        { new KubeConnectionException("The cluster at https://127.0.0.1:1 does not answer"), YakErrors.ClusterUnreachable.Code },
        { new ExecRefusedException("refused", new WebSocketException("The server returned status code '404' when status code '101' was expected.")), YakErrors.SyncPodGone.Code },
        { new ExecRefusedException("refused", new WebSocketException("The server returned status code '403' when status code '101' was expected.")), YakErrors.Forbidden.Code },
        { new DirectoryNotFoundException("the local folder '/x' is missing"), YakErrors.LocalFolderMissing.Code },
        { new IOException("the agent closed the link"), YakErrors.SyncLinkBroken.Code },
        { new IOException("the agent link is down", new AgentDeliveryException("no agent")), YakErrors.AgentDeliveryFailed.Code },
        { new InvalidOperationException("a bug"), YakErrors.Unexpected.Code },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void For_Failure_GivesItsCatalogueCode(Exception failure, string code)
    {
        Assert.Equal(code, SyncErrorCodes.For(failure).Code);
    }

    [Fact]
    public void ExecRefused_StatusInTheUpgradeAnswer_IsRead()
    {
        var refused = new ExecRefusedException("refused", new WebSocketException("The server returned status code '404' when status code '101' was expected."));

        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
    }
}
