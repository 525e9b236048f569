using System.Collections.Concurrent;
using System.Text.Json;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Events;

/// <summary>
/// Fans state changes out to the connections that subscribed to their topic, and to nobody else.
/// Publishing never blocks: each subscriber has its own bounded queue (see <see cref="IEventSink"/>).
/// </summary>
internal sealed class EventHub(TimeProvider time)
{
    private readonly ConcurrentDictionary<IEventSink, byte> sinks = new();

    public void Register(IEventSink sink) => sinks.TryAdd(sink, 0);

    public void Unregister(IEventSink sink) => sinks.TryRemove(sink, out _);

    public int SubscriberCount => sinks.Keys.Count(s => s.Topics.Count > 0);

    /// <summary>Raised after every publish, whoever listens: a sign of activity (the idle memory trim waits for quiet).</summary>
    public event Action? Published;

    /// <summary>Publishes one event of <paramref name="kind"/>: its data is always the DTO the kind promises.</summary>
    public void Publish<T>(EventKind<T> kind, string subject, T data)
        where T : class
    {
        var topic = kind.Topic;
        var notification = new EventNotification
        {
            Topic = topic,
            Kind = kind.Kind,
            Subject = subject,
            Time = time.GetUtcNow(),
            Data = JsonSerializer.SerializeToElement(data, YakJson.Options.Info<T>()),
        };
        foreach (var sink in sinks.Keys)
        {
            if (sink.Topics.Contains(topic))
            {
                sink.Enqueue(notification);
            }
        }

        Published?.Invoke();
    }
}

/// <summary>A connection's end of the hub: the topics it asked for and a queue the hub can drop into.</summary>
internal interface IEventSink
{
    IReadOnlySet<string> Topics { get; }

    void Enqueue(EventNotification notification);
}
