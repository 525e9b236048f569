using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Runtime.Images;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>The node's view of pull secrets: read from the store when a pull needs them.</summary>
internal sealed class StoreImagePullSecrets(ObjectStore store) : IImagePullSecrets
{
    public (string Type, IReadOnlyDictionary<string, byte[]> Data)? Read(string ns, string name)
    {
        var secret = store.Get(ResourceCatalog.Secrets, ns, name);
        if (secret is null)
        {
            return null;
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in secret["data"] as JsonObject ?? [])
        {
            try
            {
                data[key] = Convert.FromBase64String(value?.GetValue<string>() ?? string.Empty);
            }
            catch (FormatException)
            {
                // Not base64: the API validates data, so this is a hand-edited state file; the key is skipped.
            }
        }

        return (Meta.Str(secret, "type") ?? "Opaque", data);
    }
}
