using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yak.Daemon.Environments;
using Yak.Daemon.Logging;

namespace Yak.Daemon.Configuration;

/// <summary>
/// Tells <see cref="IOptionsMonitor{TOptions}"/> when config.yaml changed, so it is read once and again only on change:
/// a file watcher reloads it (validating, and logging a broken file at once) as soon as it is saved, and
/// <see cref="Refresh"/> catches a save the watcher has not reported yet (a stat, not a read).
/// </summary>
internal sealed class ConfigFileWatcher(ConfigFilePath file, ILogger<ConfigFileWatcher> logger) : IOptionsChangeTokenSource<ClusterConfig>, IDisposable
{
    private readonly Lock gate = new();
    private CancellationTokenSource changed = new();
    private FileSystemWatcher? watcher;
    private (bool Exists, long Length, DateTime Written)? stamp;

    public string? Name => Options.DefaultName;

    public IChangeToken GetChangeToken()
    {
        lock (gate)
        {
            stamp ??= Stamp();
            return new CancellationChangeToken(changed.Token);
        }
    }

    /// <summary>Starts the file watcher; without one (no folder, no inotify), <see cref="Refresh"/> still notices changes.</summary>
    public void Start()
    {
        var folder = Path.GetDirectoryName(file.Path)!;
        if (!Directory.Exists(folder))
        {
            return;
        }

        try
        {
            var created = new FileSystemWatcher(folder, Path.GetFileName(file.Path))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
            };
            created.Changed += (_, _) => Refresh();
            created.Created += (_, _) => Refresh();
            created.Deleted += (_, _) => Refresh();
            created.Renamed += (_, _) => Refresh();
            created.EnableRaisingEvents = true;
            watcher = created;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            Log.ConfigUnwatched(logger, file.Path, ex.Message);
        }
    }

    /// <summary>Signals a change when the file differs from when it was last read (created, deleted, rewritten).</summary>
    public void Refresh()
    {
        lock (gate)
        {
            if (stamp is null || stamp == Stamp())
            {
                return;
            }
        }

        Signal();
    }

    public void Dispose()
    {
        watcher?.Dispose();
        changed.Dispose();
    }

    private void Signal()
    {
        CancellationTokenSource previous;
        lock (gate)
        {
            previous = changed;
            changed = new CancellationTokenSource();
            stamp = null;
        }

        try
        {
            // The monitor reloads inside this call (its callbacks run inline), so a broken file throws here.
            previous.Cancel();
        }
        catch (AggregateException ex)
        {
            Log.ConfigInvalid(logger, string.Join("; ", ex.InnerExceptions.Select(e => e.Message)));
        }
        finally
        {
            previous.Dispose();
        }
    }

    private (bool Exists, long Length, DateTime Written) Stamp()
    {
        var info = new FileInfo(file.Path);
        return info.Exists ? (true, info.Length, info.LastWriteTimeUtc) : (false, 0, default);
    }
}
