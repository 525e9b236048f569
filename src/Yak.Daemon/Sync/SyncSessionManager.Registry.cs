using System.Text.RegularExpressions;
using Yak.Daemon.Hosting;
using Yak.Daemon.Logging;
using Yak.Daemon.Rpc;

namespace Yak.Daemon.Sync;

/// <summary>The sessions' definitions on disk (one registry file, written atomically), their state folders and their names.</summary>
internal sealed partial class SyncSessionManager
{
    private List<SyncSessionDefinition> LoadRegistry() =>
        StateFile.LoadList<SyncSessionDefinition>(RegistryPath, (aside, reason) => Log.SyncRegistryUnreadable(logger, aside, reason));

    private void SaveRegistry()
    {
        List<SyncSessionDefinition> definitions;
        lock (sessions)
        {
            definitions = [.. sessions.Values.Select(s => s.Definition).Concat(notResumed.Values.Select(b => b.Definition)).OrderBy(d => d.Name, StringComparer.Ordinal)];
        }

        StateFile.SaveList(RegistryPath, definitions);
    }

    private void DeleteState(string name)
    {
        try
        {
            Directory.Delete(Path.Combine(Root, name), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private string DeriveName(string localPath)
    {
        var baseName = InvalidNameCharacters().Replace(Path.GetFileName(localPath), "-").Trim('-', '.');
        baseName = baseName.Length == 0 ? "sync" : baseName[..Math.Min(baseName.Length, 50)];
        lock (sessions)
        {
            var name = baseName;
            for (var i = 2; sessions.ContainsKey(name) || notResumed.ContainsKey(name); i++)
            {
                name = $"{baseName}-{i}";
            }

            return name;
        }
    }

    private static bool Overlaps(string a, string b)
    {
        static string Slash(string p) => Path.TrimEndingDirectorySeparator(p) + Path.DirectorySeparatorChar;
        return Slash(a).StartsWith(Slash(b), StringComparison.Ordinal) || Slash(b).StartsWith(Slash(a), StringComparison.Ordinal);
    }

    private static NotFoundException NotFound(string name) => new($"No sync session named '{name}' (see 'yakctl sync list').");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex ValidName();

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex InvalidNameCharacters();
}
