namespace Yak.Sync.Link;

/// <summary>
/// Yields a fresh duplex byte stream to a yak-agent each time it is called (the session reconnects through it).
/// Disposing the stream must end that agent instance (kill the process, close the exec stream).
/// </summary>
public interface IAgentConnector
{
    /// <summary>Human-readable target, for status and logs ("local:/srv/code", "pod:ns/web:/code").</summary>
    string Description { get; }

    /// <summary>Where the agent runs now, for messages about its disk ("pod ns/web-7f9:/code"); the description until connected.</summary>
    string Target => Description;

    /// <summary>
    /// Whether file data is zstd-compressed on this link: yes where bytes cost (a pod exec through an API server), no
    /// where they are a local pipe (compressing there only burns the CPU both ends share, as rsync -a does not).
    /// </summary>
    bool Compress => true;

    Task<Stream> ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>Adapts a delegate (e.g. an exec through KubernetesClient) to <see cref="IAgentConnector"/>.</summary>
public sealed class DelegateAgentConnector(string description, Func<CancellationToken, Task<Stream>> connect) : IAgentConnector
{
    public string Description => description;

    public Task<Stream> ConnectAsync(CancellationToken cancellationToken) => connect(cancellationToken);
}
