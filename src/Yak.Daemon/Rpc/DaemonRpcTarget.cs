using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using Yak.Daemon.Events;
using Yak.Daemon.Hosting;
using Yak.Daemon.Ipc;
using Yak.Daemon.Logging;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Rpc;

/// <summary>The <c>daemon/*</c> and <c>events/*</c> methods, one instance per connection.</summary>
internal sealed class DaemonRpcTarget(
    ClientConnection connection,
    DaemonInfo info,
    ConnectionRegistry connections,
    IEnumerable<ISessionCountSource> sessionSources,
    EventHub hub,
    IHostApplicationLifetime lifetime,
    VersionReport versions,
    Diagnostics.Doctor doctor,
    ILogger<DaemonRpcTarget> logger) : IDaemonService
{
    public static IReadOnlyList<string> DaemonCapabilities { get; } = [Capabilities.Events, Capabilities.EnvironmentProgress, Capabilities.Sync, Capabilities.Forwards, Capabilities.Streams, Capabilities.Version, Capabilities.Doctor, Capabilities.Stats, Capabilities.Debug, Capabilities.Sharing];

    public Task<HelloResponse> HelloAsync(HelloRequest request, CancellationToken cancellationToken)
    {
        if (!ProtocolVersion.IsSupported(request.ProtocolVersion))
        {
            Log.IncompatibleClient(logger, connection.Id, request.ProtocolVersion, ProtocolVersion.MinimumSupported, ProtocolVersion.Current);
            throw new IncompatibleProtocolException(
                $"{request.ClientName} {request.ClientVersion} speaks protocol {request.ProtocolVersion}, but yakd {DaemonInfo.Version} " +
                $"supports {ProtocolVersion.MinimumSupported}..{ProtocolVersion.Current}. Update the older of the two, then run 'yakctl daemon stop'.");
        }

        connection.HandshakeCompleted = true;
        Log.ClientHello(logger, connection.Id, request.ClientName, request.ClientVersion, request.ProtocolVersion);
        return Task.FromResult(new HelloResponse
        {
            DaemonVersion = DaemonInfo.Version,
            ProtocolVersion = ProtocolVersion.Current,
            MinimumProtocolVersion = ProtocolVersion.MinimumSupported,
            Capabilities = DaemonCapabilities,
        });
    }

    public async Task<DoctorResponse> DoctorAsync(DoctorRequest request, CancellationToken cancellationToken)
    {
        RequireHandshake();
        if (request.Folder.Length > 0 && !Path.IsPathRooted(request.Folder))
        {
            throw new InvalidArgumentException($"Give the folder as an absolute path (got '{request.Folder}').");
        }

        return new DoctorResponse { Checks = await doctor.RunAsync(request, cancellationToken).ConfigureAwait(false) };
    }

    public Task<StatusResponse> StatusAsync(StatusRequest? request, CancellationToken cancellationToken)
    {
        RequireHandshake();
        int Count(SessionArea area) => sessionSources.Where(s => s.Area == area).Sum(s => s.Count);
        return Task.FromResult(new StatusResponse
        {
            Pid = info.Pid,
            Version = DaemonInfo.Version,
            ProtocolVersion = ProtocolVersion.Current,
            Socket = connections.Address,
            ListenMode = connections.ListenMode,
            LogPath = info.CurrentLogFile,
            StatePath = info.Endpoint.StateDirectory,
            StartedAt = info.StartedAt,
            UptimeSeconds = Math.Round(info.Uptime.TotalSeconds, 3),
            ConnectedClients = connections.Count,
            Sessions = new SessionCountsInfo
            {
                Sync = Count(SessionArea.Sync),
                Forwards = Count(SessionArea.Forwards),
                Environments = Count(SessionArea.Environments),
            },
        });
    }

    public Task<ShutdownResponse> ShutdownAsync(ShutdownRequest request, CancellationToken cancellationToken)
    {
        RequireHandshake();
        Log.ShutdownRequested(logger, connection.Id, request.Reason);
        hub.Publish(EventKinds.Stopping, string.Empty, new DaemonStoppingInfo { Reason = request.Reason });

        // Answer first, then stop: the host's shutdown closes this connection.
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None).ConfigureAwait(false);
            lifetime.StopApplication();
        }, CancellationToken.None);
        return Task.FromResult(new ShutdownResponse { Pid = info.Pid });
    }

    public Task<VersionResponse> VersionAsync(VersionRequest request, CancellationToken cancellationToken)
    {
        RequireHandshake();
        return Task.FromResult(versions.Build());
    }

    public Task<SubscribeResponse> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken)
    {
        RequireHandshake();
        var unknown = request.Topics.Except(EventTopics.All).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidArgumentException($"Unknown topic(s) {string.Join(", ", unknown)}; known: {string.Join(", ", EventTopics.All)}.");
        }

        var topics = connection.Subscribe(request.Topics.Count == 0 ? EventTopics.All : request.Topics);
        return Task.FromResult(new SubscribeResponse { Topics = topics });
    }

    public Task<UnsubscribeResponse> UnsubscribeAsync(UnsubscribeRequest request, CancellationToken cancellationToken)
    {
        RequireHandshake();
        var topics = connection.Unsubscribe(request.Topics.Count == 0 ? EventTopics.All : request.Topics);
        return Task.FromResult(new UnsubscribeResponse { Topics = topics });
    }

    private void RequireHandshake() => connection.RequireHandshake();
}
