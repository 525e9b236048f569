using System.Text.Json;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Storage;

/// <summary>Persists each object as one JSON file under <c>{state}/objects/{group}/{plural}/{namespace}/{name}.json</c>, written atomically.</summary>
public sealed class ObjectFiles
{
    private readonly string _root;

    public ObjectFiles(string stateDirectory)
    {
        _root = Path.Combine(stateDirectory, "objects");
        Directory.CreateDirectory(_root);
    }

    public void Save(ResourceType type, string ns, string name, JsonObject obj)
    {
        var path = PathFor(type, ns, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new Utf8JsonWriter(stream))
            {
                obj.WriteTo(writer);
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    public void Remove(ResourceType type, string ns, string name)
    {
        var path = PathFor(type, ns, name);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    public IEnumerable<(ResourceType Type, JsonObject Object)> LoadAll()
    {
        foreach (var type in ResourceCatalog.All)
        {
            var folder = Path.Combine(_root, GroupFolder(type), type.Plural);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories))
            {
                JsonObject? obj;
                try
                {
                    obj = JsonNode.Parse(File.ReadAllText(file)) as JsonObject;
                }
                catch (JsonException)
                {
                    continue;
                }

                if (obj is not null)
                {
                    yield return (type, obj);
                }
            }
        }
    }

    private string PathFor(ResourceType type, string ns, string name) =>
        Path.Combine(_root, GroupFolder(type), type.Plural, ns.Length == 0 ? "_cluster" : ns, name + ".json");

    private static string GroupFolder(ResourceType type) => type.Group.Length == 0 ? "core" : type.Group;
}
