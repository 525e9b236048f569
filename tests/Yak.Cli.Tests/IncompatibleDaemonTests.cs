using StreamJsonRpc;
using Yak.Protocol;
using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary>
/// yakctl against a daemon from the future: a stand-in that answers the handshake the way a newer yakd refuses
/// an old client, over a real socket.
/// </summary>
public sealed class IncompatibleDaemonTests
{
    [Fact]
    public async Task AnyCommand_DaemonRefusesProtocol_ExitsWithIncompatibleCode()
    {
        using var sandbox = new YakSandbox();
        using var standIn = new StandInDaemon(sandbox, "future.sock");
        var serve = standIn.ServeAsync(rpc =>
        {
            rpc.AddLocalRpcTarget(new FutureDaemon());
            return null;
        });

        var result = await Yakctl.RunAsync(standIn.Environment, "daemon", "status").DefaultTimeout();

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("protocol", result.StandardError, StringComparison.Ordinal);
        await serve.DefaultTimeout();
    }

    private sealed class FutureDaemon
    {
        [JsonRpcMethod(Methods.DaemonHello, UseSingleObjectParameterDeserialization = true)]
        public static object Hello(object request) => throw new LocalRpcException("yakd 9.0 speaks protocol 9..9; update yakctl.")
        {
            ErrorCode = ErrorCodes.IncompatibleProtocol,
        };
    }
}
