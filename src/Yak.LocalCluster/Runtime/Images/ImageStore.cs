using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Runtime.Images;

/// <summary>
/// The node's images, under <c>STATE/images</c> (0700): <c>blobs/sha256/HEX</c> is the content-addressed cache of
/// layers and configs as pulled (verified, shared by every image that has them); <c>rootfs/HEX</c> is an image's
/// layers applied in order, named by its config digest, read-only to containers (they get an overlay with a private
/// upper layer, see <see cref="ContainerLaunch"/>); <c>refs/HEX.json</c> records what a reference resolved to, so
/// <c>IfNotPresent</c> and <c>Never</c> find it again. Everything is written to a private temporary name and renamed
/// into place, so a crash never leaves a half image that looks whole.
/// </summary>
public sealed class ImageStore : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Docker builds at most 127 layers; more is an attack or a mistake.</summary>
    public const int MaxLayers = 128;
    private readonly string folder;
    private readonly RegistryClient registry;
    private readonly PodRuntimeOptions options;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> pulls = new(StringComparer.Ordinal);

    public ImageStore(PodRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("images are Linux root filesystems");
        }

        this.options = options;
        folder = Path.Combine(options.StateDirectory, "images");
        foreach (var sub in new[] { folder, Blobs, RootFsFolder, Refs })
        {
            Directory.CreateDirectory(sub, Private);

            // What a crash left half written: never renamed into place, so nothing refers to it.
            foreach (var leftover in Directory.EnumerateFileSystemEntries(sub, ".tmp-*"))
            {
                if (Directory.Exists(leftover))
                {
                    Directory.Delete(leftover, recursive: true);
                }
                else
                {
                    File.Delete(leftover);
                }
            }
        }

        registry = new RegistryClient(options.InsecureRegistries, options.ImagePullTimeout);
    }

    private string Blobs => Path.Combine(folder, "blobs", "sha256");

    private string RootFsFolder => Path.Combine(folder, "rootfs");

    private string Refs => Path.Combine(folder, "refs");

    /// <summary>The image a reference was last pulled as, when its root filesystem is still here; null otherwise.</summary>
    public PulledImage? FindLocal(ImageReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var path = RefPath(reference);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var record = JsonNode.Parse(File.ReadAllText(path));
            var configDigest = record?["config"]?.GetValue<string>() ?? string.Empty;
            var rootfs = RootFsPath(configDigest);
            var configFile = BlobPath(configDigest);
            if (!Directory.Exists(rootfs) || !File.Exists(configFile))
            {
                return null;
            }

            return new PulledImage(
                reference.ToString(),
                record?["imageID"]?.GetValue<string>() ?? string.Empty,
                rootfs,
                ImageConfig.Parse(JsonNode.Parse(File.ReadAllBytes(configFile))),
                record?["size"]?.GetValue<long>() ?? 0);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or ImagePullException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Pulls a reference: resolves the tag (an index or list to this node's platform), fetches and verifies the
    /// config and the layers not yet cached, unpacks the root filesystem unless an image with the same config is
    /// already here, and records the reference. Concurrent pulls of one reference share the work.
    /// </summary>
    public async Task<PulledImage> PullAsync(ImageReference reference, RegistryCredentials? login, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var gate = pulls.GetOrAdd(reference.ToString(), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var top = await registry.GetManifestAsync(reference, reference.ManifestReference, login, cancellationToken).ConfigureAwait(false);
            var manifest = top;
            if (top.MediaType is RegistryClient.OciIndex or RegistryClient.DockerManifestList || top.Body["manifests"] is JsonArray)
            {
                var chosen = SelectPlatform(reference, top.Body);
                manifest = await registry.GetManifestAsync(reference, chosen, login, cancellationToken).ConfigureAwait(false);
            }

            var configDigest = Digest(manifest.Body["config"]?["digest"], "config");
            var layers = (manifest.Body["layers"] as JsonArray ?? []).Select(l => (Digest: Digest(l?["digest"], "layer"), Size: l?["size"]?.GetValue<long>() ?? -1, MediaType: l?["mediaType"]?.GetValue<string>() ?? string.Empty)).ToList();
            var configBytes = await LoadOrFetchSmallAsync(reference, configDigest, login, cancellationToken).ConfigureAwait(false);
            var configJson = JsonNode.Parse(configBytes);
            var diffIds = (configJson?["rootfs"]?["diff_ids"] as JsonArray ?? []).Select(d => d?.GetValue<string>() ?? string.Empty).ToList();
            if (layers.Count > MaxLayers)
            {
                throw new ImagePullException($"{reference} has {layers.Count} layers; the local cluster takes at most {MaxLayers}");
            }

            if (diffIds.Count != layers.Count)
            {
                throw new ImagePullException($"{reference}: the config lists {diffIds.Count} layers, the manifest {layers.Count}");
            }

            foreach (var layer in layers)
            {
                if (layer.MediaType.Contains("foreign", StringComparison.Ordinal) || layer.Size < 0 || layer.Size > options.MaxImageBytes)
                {
                    throw new ImagePullException($"{reference}: layer {layer.Digest} ({layer.MediaType}, {layer.Size} bytes) cannot be pulled");
                }

                await FetchBlobAsync(reference, layer.Digest, layer.Size, login, cancellationToken).ConfigureAwait(false);
            }

            var rootfs = RootFsPath(configDigest);
            // Two references (tags) of one image share its root filesystem: unpack it once.
            var unpacking = pulls.GetOrAdd("rootfs " + configDigest, _ => new SemaphoreSlim(1, 1));
            await unpacking.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!Directory.Exists(rootfs))
                {
                    Unpack(rootfs, layers.Select(l => l.Digest).ToList(), diffIds);
                }
            }
            finally
            {
                unpacking.Release();
            }

            var size = configBytes.LongLength + layers.Sum(l => l.Size);
            var imageId = $"{reference.Name}@{top.Digest}";
            var record = new JsonObject
            {
                ["reference"] = reference.ToString(),
                ["imageID"] = imageId,
                ["manifest"] = manifest.Digest,
                ["config"] = configDigest,
                ["size"] = size,
            };
            WriteAtomically(RefPath(reference), Encoding.UTF8.GetBytes(record.ToJsonString()));
            return new PulledImage(reference.ToString(), imageId, rootfs, ImageConfig.Parse(configJson), size);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ImagePullException($"{reference}: invalid JSON from the registry: {ex.Message}", ex);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The manifest for this node's OS and architecture from an index or manifest list.</summary>
    private static string SelectPlatform(ImageReference reference, JsonObject index)
    {
        var architecture = NodeArchitecture;
        foreach (var entry in index["manifests"] as JsonArray ?? [])
        {
            if (entry?["platform"]?["os"]?.GetValue<string>() == "linux" && entry["platform"]?["architecture"]?.GetValue<string>() == architecture)
            {
                return Digest(entry["digest"], "manifest");
            }
        }

        throw new ImagePullException($"no matching manifest for linux/{architecture} in the manifest list entries of {reference}");
    }

    /// <summary>This machine in OCI spelling (amd64, arm64 …).</summary>
    public static string NodeArchitecture => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string Digest(JsonNode? node, string what)
    {
        var digest = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;
        return ImageReference.DigestPattern().IsMatch(digest)
            ? digest
            : throw new ImagePullException($"the manifest's {what} digest \"{digest}\" is not sha256 (the local cluster verifies sha256 only)");
    }

    private async Task<byte[]> LoadOrFetchSmallAsync(ImageReference reference, string digest, RegistryCredentials? login, CancellationToken cancellationToken)
    {
        var path = BlobPath(digest);
        if (File.Exists(path))
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }

        var bytes = await registry.GetSmallBlobAsync(reference, digest, login, cancellationToken).ConfigureAwait(false);
        WriteAtomically(path, bytes);
        return bytes;
    }

    private async Task FetchBlobAsync(ImageReference reference, string digest, long size, RegistryCredentials? login, CancellationToken cancellationToken)
    {
        var path = BlobPath(digest);
        if (File.Exists(path))
        {
            return;
        }

        var temporary = TemporaryName(path);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("images are Linux root filesystems");
        }

        try
        {
            var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
            string arrived;
            await using (file.ConfigureAwait(false))
            {
                arrived = await registry.CopyBlobAsync(reference, digest, file, size, login, cancellationToken).ConfigureAwait(false);
            }

            if (arrived != digest)
            {
                throw new ImagePullException($"layer {digest} of {reference} arrived with digest {arrived}");
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private void Unpack(string rootfs, IReadOnlyList<string> layerDigests, IReadOnlyList<string> diffIds)
    {
        var temporary = TemporaryName(rootfs);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("images are Linux root filesystems");
        }

        Directory.CreateDirectory(temporary, Private);
        try
        {
            var unpacker = new LayerUnpacker(temporary, options.MaxImageBytes);
            for (var i = 0; i < layerDigests.Count; i++)
            {
                using var blob = File.OpenRead(BlobPath(layerDigests[i]));
                var diffId = unpacker.Apply(blob);
                if (diffId != diffIds[i])
                {
                    throw new ImagePullException($"layer {layerDigests[i]} unpacks to {diffId}, but the config says {diffIds[i]}");
                }
            }

            // The image's root folder is the container's /: world-readable like any root, inside our 0700 folder.
            File.SetUnixFileMode(temporary, Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            Directory.Move(temporary, rootfs);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            throw new ImagePullException($"unpacking the image failed: {ex.Message}", ex);
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    private static void WriteAtomically(string path, byte[] content)
    {
        var temporary = TemporaryName(path);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("images are Linux root filesystems");
        }

        using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            file.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static string TemporaryName(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));

    private string BlobPath(string digest) => Path.Combine(Blobs, Hex(digest));

    private string RootFsPath(string configDigest) => Path.Combine(RootFsFolder, Hex(configDigest));

    private string RefPath(ImageReference reference) => Path.Combine(Refs, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reference.ToString()))) + ".json");

    private static string Hex(string digest) =>
        ImageReference.DigestPattern().IsMatch(digest) ? digest["sha256:".Length..] : throw new ImagePullException($"\"{digest}\" is not a sha256 digest");

    public void Dispose()
    {
        registry.Dispose();
        foreach (var gate in pulls.Values)
        {
            gate.Dispose();
        }
    }
}
