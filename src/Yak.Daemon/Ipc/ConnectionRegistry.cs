using System.Collections.Concurrent;

namespace Yak.Daemon.Ipc;

/// <summary>The live client connections and the listener they came through.</summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<int, ClientConnection> connections = new();
    private int nextId;

    public string Address { get; set; } = string.Empty;

    public string ListenMode { get; set; } = string.Empty;

    public int Count => connections.Count;

    public int NextId() => Interlocked.Increment(ref nextId);

    public void Add(ClientConnection connection) => connections[connection.Id] = connection;

    public void Remove(ClientConnection connection) => connections.TryRemove(connection.Id, out _);

    public IReadOnlyCollection<ClientConnection> Snapshot() => [.. connections.Values];
}
