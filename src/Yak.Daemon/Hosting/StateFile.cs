using System.Text.Json;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Hosting;

/// <summary>
/// The daemon's JSON state files (session and forward registries): written atomically (temp, flush, rename), and an
/// unreadable one is moved aside for a person to look at instead of being overwritten or silently dropped.
/// </summary>
internal static class StateFile
{
    /// <summary>Reads the list at <paramref name="path"/>; empty when missing; <paramref name="unreadable"/> hears where a broken file went.</summary>
    public static List<T> LoadList<T>(string path, Action<string, string> unreadable)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), StateJson.Info<List<T>>(StateJson.Options)) ?? [];
        }
        catch (JsonException ex)
        {
            var aside = path + ".unreadable";
            File.Move(path, aside, overwrite: true);
            unreadable(aside, ex.Message);
            return [];
        }
    }

    public static void SaveList<T>(string path, IEnumerable<T> items)
    {
        PrivateFiles.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        PrivateFiles.WriteAtomic(path, JsonSerializer.SerializeToUtf8Bytes(items.ToList(), StateJson.Info<List<T>>(StateJson.Indented)));
    }
}
