using System.IO.Pipes;
using System.Runtime.Versioning;
using System.Security.Principal;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Ipc;

/// <summary>
/// Windows: one pipe instance per client, each created with a DACL that admits only the current user
/// (<see cref="WindowsPipeName.SecurityDescriptorFor"/>), so no other account can even open it.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class NamedPipeListener(string pipeName) : IConnectionListener
{
    private readonly PipeSecurity security = CreateSecurity();

    public string Address => pipeName;

    public string Mode => "bound";

    public async Task<AcceptedConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        var pipe = NamedPipeServerStreamAcl.Create(
            pipeName,
            PipeDirection.InOut,
            NamedPipeServerStream.MaxAllowedServerInstances,
            PipeTransmissionMode.Byte,
            PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly,
            inBufferSize: 0,
            outBufferSize: 0,
            security);
        try
        {
            await pipe.WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new AcceptedConnection(pipe, PeerUid: null);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static PipeSecurity CreateSecurity()
    {
        var sid = WindowsIdentity.GetCurrent().User?.Value ?? throw new InvalidOperationException("The current Windows user has no SID.");
        var security = new PipeSecurity();
        security.SetSecurityDescriptorSddlForm(WindowsPipeName.SecurityDescriptorFor(sid));
        return security;
    }
}
