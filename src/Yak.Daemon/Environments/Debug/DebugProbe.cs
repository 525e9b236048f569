using System.Globalization;
using System.Net.Sockets;
using Yak.Kube;
using Yak.Environments.Spec;
using Yak.Kube.Environments;
using Yak.Kube.Pods;

namespace Yak.Daemon.Environments;

/// <summary>Waits until a debugger answers on its forwarded localhost port.</summary>
internal static class DebugProbe
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(250);

    /// <summary>How long an accepted connection must stay open to count as the debugger's (see <see cref="HoldsAsync"/>).</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(500);

    /// <summary>The socket tables of the pod's network namespace (shared by its containers), as any reader in it sees them.</summary>
    private static readonly string[] SocketTables = ["cat", "/proc/net/tcp", "/proc/net/tcp6"];

    /// <summary>Where the debugger runs, for debuggers that must not be probed through the forward.</summary>
    public sealed record Target(KubeConnection Connection, string Namespace, string Selector, string Container, int ContainerPort);

    public static async Task WaitAsync(DebugRuntime runtime, int localPort, Target target, TimeProvider time, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                var answers = runtime switch
                {
                    DebugRuntime.Node => (await http.GetAsync(new Uri($"http://127.0.0.1:{localPort}/json/version"), cancellationToken).ConfigureAwait(false)).IsSuccessStatusCode,

                    // netcoredbg accepts one client and exits when it leaves: a probe through the forward would be that
                    // client. So the pod's socket table is read instead.
                    DebugRuntime.Dotnet => await ListensAsync(target, cancellationToken).ConfigureAwait(false),
                    _ => await HoldsAsync(localPort, cancellationToken).ConfigureAwait(false),
                };
                if (answers)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException or k8s.Autorest.HttpOperationException or KubeConnectionException
                || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet (the forward is starting, the debugger is loading, the pod is being replaced): try again.
            }

            await Task.Delay(Retry, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// DAP servers (debugpy, dlv) say nothing until the client speaks, and the forward accepts locally before it
    /// reaches the pod: a connection the forward closes at once found nothing listening in the pod; one that stays
    /// open is the debugger's. (It is closed again without a word; these debuggers wait for the next client.)
    /// </summary>
    private static async Task<bool> HoldsAsync(int localPort, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", localPort, cancellationToken).ConfigureAwait(false);
        using var hold = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hold.CancelAfter(Hold);
        try
        {
            var buffer = new byte[64];
            return await client.GetStream().ReadAsync(buffer, hold.Token).ConfigureAwait(false) > 0;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }

    /// <summary>True when a socket of the debugged pod listens on the debugger's port (read in its app container).</summary>
    private static async Task<bool> ListensAsync(Target target, CancellationToken cancellationToken)
    {
        var pod = await PodPicker.PickAsync(target.Connection, target.Namespace, target.Selector, PodPolicy.Ready, cancellationToken).ConfigureAwait(false);

        // cat's exit status is ignored: tcp6 is missing where IPv6 is off, and tcp alone still answers.
        var (_, tables) = await PodCommands.ReadAsync(target.Connection, target.Namespace, pod, target.Container, SocketTables, 1 << 20, cancellationToken).ConfigureAwait(false);
        return SocketTable.Listens(tables, target.ContainerPort);
    }
}

/// <summary>Reads Linux's <c>/proc/net/tcp</c> and <c>tcp6</c> (proc(5)): one socket per line, local address <c>ADDR:PORT</c> in hex, state <c>0A</c> = LISTEN.</summary>
internal static class SocketTable
{
    private const string Listen = "0A";

    public static bool Listens(string tables, int port)
    {
        foreach (var line in tables.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4 || !fields[0].EndsWith(':'))
            {
                continue;
            }

            var colon = fields[1].LastIndexOf(':');
            if (colon > 0
                && int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var local)
                && local == port
                && fields[3] == Listen)
            {
                return true;
            }
        }

        return false;
    }
}
