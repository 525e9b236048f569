using Microsoft.Extensions.Logging;
using Yak.Daemon.Environments;
using Yak.Daemon.Hosting;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Sharing;

/// <summary>An environment of another user this yakd connected to as a guest (<c>yakctl connect OWNER/ENV</c>).</summary>
internal sealed record GuestRecord
{
    /// <summary><c>OWNER/ENV</c>: how status, logs, exec, shell, test and forwards name it.</summary>
    public required string Name { get; init; }

    public required string Owner { get; init; }

    public required string Environment { get; init; }

    public required string Namespace { get; init; }

    /// <summary>This guest's user on the cluster (who the share is for).</summary>
    public required string Guest { get; init; }

    /// <summary>The cluster as this guest names it (its context or configured name).</summary>
    public required string Cluster { get; init; }

    public required string Server { get; init; }

    /// <summary>A kubeconfig (0600, in the state folder) acting with the share's token, never the guest's own credentials.</summary>
    public required string Kubeconfig { get; init; }

    public required string Access { get; init; }

    public required bool Secrets { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public required bool Sync { get; init; }

    public required DateTimeOffset ConnectedAt { get; init; }

    public const string Context = "yak-guest";

    public EnvironmentPlace Place => new(Name, Kubeconfig, Context, Namespace);
}

/// <summary>The guest environments, persisted in <c>guests/guests.json</c> beside their kubeconfigs (all private).</summary>
internal sealed class GuestRegistry(DaemonEndpoint endpoint, ILogger<GuestRegistry> logger)
{
    private readonly Dictionary<string, GuestRecord> records = new(StringComparer.Ordinal);
    private bool loaded;

    public string Root => Path.Combine(endpoint.StateDirectory, "guests");

    private string FilePath => Path.Combine(Root, "guests.json");

    public GuestRecord? Find(string name)
    {
        lock (records)
        {
            Load();
            return records.GetValueOrDefault(name);
        }
    }

    public IReadOnlyList<GuestRecord> All()
    {
        lock (records)
        {
            Load();
            return [.. records.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];
        }
    }

    public void Put(GuestRecord record)
    {
        lock (records)
        {
            Load();
            records[record.Name] = record;
            PrivateFiles.CreateDirectory(Root);
            StateFile.SaveList(FilePath, records.Values.OrderBy(r => r.Name, StringComparer.Ordinal));
        }
    }

    private void Load()
    {
        if (loaded)
        {
            return;
        }

        loaded = true;
        foreach (var record in StateFile.LoadList<GuestRecord>(FilePath, (aside, reason) => EnvironmentLog.RegistryUnreadable(logger, aside, reason)))
        {
            records[record.Name] = record;
        }
    }
}
