using Microsoft.Extensions.Logging;
using Yak.Daemon.Hosting;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Environments;

/// <summary>
/// The environments yakd knows, persisted in <c>environments/environments.json</c>. Every change is written
/// (atomically) before it returns, so what the file says is never behind what callers were told.
/// </summary>
internal sealed class EnvironmentRegistry(DaemonEndpoint endpoint, ILogger<EnvironmentRegistry> logger)
{
    private readonly Dictionary<string, EnvironmentRecord> records = new(StringComparer.Ordinal);

    private string Root => Path.Combine(endpoint.StateDirectory, "environments");

    private string FilePath => Path.Combine(Root, "environments.json");

    public int Count
    {
        get
        {
            lock (records)
            {
                return records.Count;
            }
        }
    }

    /// <summary>Reads the file (once, at start); an unreadable one is moved aside and said.</summary>
    public IReadOnlyList<EnvironmentRecord> Load()
    {
        var loaded = StateFile.LoadList<EnvironmentRecord>(FilePath, (aside, reason) => EnvironmentLog.RegistryUnreadable(logger, aside, reason));
        lock (records)
        {
            foreach (var record in loaded)
            {
                records[record.Name] = record;
            }
        }

        return loaded;
    }

    public EnvironmentRecord? Find(string name)
    {
        lock (records)
        {
            return records.GetValueOrDefault(name);
        }
    }

    public IReadOnlyList<EnvironmentRecord> All()
    {
        lock (records)
        {
            return [.. records.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];
        }
    }

    public void Put(EnvironmentRecord record)
    {
        lock (records)
        {
            records[record.Name] = record;
            Write();
        }
    }

    /// <summary>Changes the stored record (the supervisor and operations both write it); null when it is gone.</summary>
    public EnvironmentRecord? Update(string name, Func<EnvironmentRecord, EnvironmentRecord> change)
    {
        lock (records)
        {
            if (!records.TryGetValue(name, out var current))
            {
                return null;
            }

            var next = change(current);
            if (next != current)
            {
                records[name] = next;
                Write();
            }

            return next;
        }
    }

    public void Remove(string name)
    {
        lock (records)
        {
            if (records.Remove(name))
            {
                Write();
            }
        }
    }

    private void Write()
    {
        PrivateFiles.CreateDirectory(Root);
        StateFile.SaveList(FilePath, records.Values.OrderBy(r => r.Name, StringComparer.Ordinal));
    }
}
