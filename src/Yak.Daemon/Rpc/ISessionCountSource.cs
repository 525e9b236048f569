namespace Yak.Daemon.Rpc;

/// <summary>A session manager that <c>daemon/status</c> counts (sync, forwards, environments).</summary>
internal interface ISessionCountSource
{
    SessionArea Area { get; }

    int Count { get; }
}

internal enum SessionArea
{
    Sync,
    Forwards,
    Environments,
}
