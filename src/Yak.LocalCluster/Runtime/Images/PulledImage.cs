using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Runtime.Images;

/// <summary>What the image config says about running it (the OCI config's <c>config</c> object).</summary>
public sealed record ImageConfig(IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Cmd, IReadOnlyList<string> Env, string WorkingDir, string User)
{
    public static ImageConfig Parse(JsonNode? config)
    {
        var c = config?["config"] ?? config?["container_config"];
        return new ImageConfig(Strings(c?["Entrypoint"]), Strings(c?["Cmd"]), Strings(c?["Env"]), Str(c?["WorkingDir"]), Str(c?["User"]));
    }

    private static string Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;

    private static string[] Strings(JsonNode? node) => node is JsonArray array ? [.. array.Select(Str)] : [];
}

/// <summary>
/// An image on this node: the reference it was pulled as, its <c>imageID</c> (<c>registry/repository@sha256:…</c>, the
/// digest the tag resolved to), its unpacked root filesystem (shared, never written by containers) and its config.
/// </summary>
public sealed record PulledImage(string Reference, string ImageId, string RootFs, ImageConfig Config, long Size);
