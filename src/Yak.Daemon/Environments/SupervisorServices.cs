using Microsoft.Extensions.Logging;
using Yak.Daemon.Events;
using Yak.Daemon.Sync;

namespace Yak.Daemon.Environments;

/// <summary>What an environment's supervisor works with, handed to it (it never reaches back into the manager).</summary>
internal sealed record SupervisorServices(
    EnvironmentRegistry Registry,
    SyncSessionManager Sync,
    IEnvironmentForwards Forwards,
    EventHub Hub,
    ILogger Logger,
    TimeProvider Time);
