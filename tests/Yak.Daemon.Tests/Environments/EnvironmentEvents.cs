using StreamJsonRpc;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Environments;

/// <summary>The environment events a client receives, to wait on them (never on a sleep).</summary>
internal sealed class EnvironmentEvents : IAsyncDisposable
{
    private readonly DaemonClient client;
    private readonly Lock gate = new();
    private readonly List<EventNotification> seen = [];
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EnvironmentEvents(DaemonClient client)
    {
        this.client = client;
        client.EventReceived += OnEvent;
    }

    public static async Task<EnvironmentEvents> SubscribeAsync(DaemonClient client)
    {
        var events = new EnvironmentEvents(client);
        await client.SubscribeAsync([EventTopics.Environment], CancellationToken.None).DefaultTimeout();
        return events;
    }

    /// <summary>The data of every event of <paramref name="kind"/> seen so far, in order.</summary>
    public IReadOnlyList<T> Of<T>(EventKind<T> kind)
        where T : class
    {
        lock (gate)
        {
            return [.. seen.Where(kind.Matches).Select(e => kind.Read(e)!)];
        }
    }

    /// <summary>Waits for an event of <paramref name="kind"/> whose data satisfies <paramref name="predicate"/>.</summary>
    public async Task<T> WaitForAsync<T>(EventKind<T> kind, Func<T, bool> predicate)
        where T : class
    {
        while (true)
        {
            Task following;
            lock (gate)
            {
                if (seen.Where(kind.Matches).Select(e => kind.Read(e)!).FirstOrDefault(predicate) is { } found)
                {
                    return found;
                }

                following = next.Task;
            }

            await following;
        }
    }

    public async Task WaitForKindAsync(string kind)
    {
        while (true)
        {
            Task following;
            lock (gate)
            {
                if (seen.Any(e => e.Kind == kind))
                {
                    return;
                }

                following = next.Task;
            }

            await following;
        }
    }

    /// <summary>Checks the state, then again after every environment event, until it is <paramref name="state"/>.</summary>
    public async Task WaitForStateAsync(DaemonClient statusClient, string name, EnvironmentState state)
    {
        while (true)
        {
            Task following;
            lock (gate)
            {
                following = next.Task;
            }

            if ((await StatusAsync(statusClient, name)).State == state)
            {
                return;
            }

            await following;
        }
    }

    public static async Task<EnvironmentInfo> StatusAsync(DaemonClient client, string name) =>
        Assert.Single((await client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, new EnvStatusRequest { Name = name, SpecPath = string.Empty }, CancellationToken.None).DefaultTimeout()).Environments);

    public ValueTask DisposeAsync()
    {
        client.EventReceived -= OnEvent;
        return ValueTask.CompletedTask;
    }

    private void OnEvent(object? sender, EventNotification e)
    {
        if (e.Topic != EventTopics.Environment)
        {
            return;
        }

        TaskCompletionSource reached;
        lock (gate)
        {
            seen.Add(e);
            reached = next;
            next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        reached.TrySetResult();
    }
}
