using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol.Transport;

namespace Yak.Cli;

/// <summary>What every command needs: where the daemon is, how to reach it, where to print.</summary>
internal sealed class CliContext(DaemonEndpoint endpoint, CliOutput output)
{
    public const string ClientName = "yakctl";

    public DaemonEndpoint Endpoint { get; } = endpoint;

    public CliOutput Output { get; } = output;

    /// <summary>Connects, starting the daemon when none answers unless YAK_NO_AUTOSTART=1.</summary>
    public Task<DaemonClient> ConnectAsync(CancellationToken cancellationToken) =>
        ConnectAsync(!DaemonLauncher.AutostartDisabled, cancellationToken);

    public Task<DaemonClient> ConnectAsync(bool autostart, CancellationToken cancellationToken) =>
        new DaemonLauncher(Endpoint, ClientName) { Progress = Output.Progress }.ConnectAsync(autostart, cancellationToken);
}
