using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Yak.Testing.Images;

/// <summary>
/// Builds small container images without Docker, as an OCI image layout on disk (<c>oci-layout</c>,
/// <c>index.json</c>, <c>blobs/sha256/…</c>) that <c>skopeo copy oci:DIR:TAG docker://…</c> pushes to a registry.
/// Layers are gzip tarballs built from <see cref="ImageLayer"/>s; the config carries Entrypoint, Cmd, Env,
/// WorkingDir and User. <see cref="AddBusybox"/> lays Debian's static busybox (<c>busybox-static</c>) down as
/// <c>/bin/busybox</c> plus a symlink per applet, which makes a runnable base image of about 1 MB.
/// </summary>
/// <example>
/// <code>
/// var image = new OciImageBuilder().AddBusybox().AddLayer(l => l.File("/etc/marker", "v1")).Cmd("sh");
/// var digest = await registry.PushAsync(image, "tools/busybox:1");
/// </code>
/// </example>
public sealed class OciImageBuilder
{
    /// <summary>Where Debian's busybox-static package installs the static binary.</summary>
    public const string BusyboxPath = "/bin/busybox";

    private readonly List<ImageLayer> layers = [];
    private readonly List<string> env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
    private List<string>? entrypoint;
    private List<string>? cmd;
    private string? workingDir;
    private string? user;

    /// <summary>The platform written to the config and, for an index, to the manifest's descriptor.</summary>
    public string Architecture { get; set; } = HostArchitecture;

    public string Os { get; set; } = "linux";

    /// <summary>The running machine's architecture in OCI spelling (amd64, arm64 …).</summary>
    public static string HostArchitecture => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>A layer with the host's static busybox at /bin/busybox and a symlink per applet in /bin.</summary>
    public OciImageBuilder AddBusybox()
    {
        if (!File.Exists(BusyboxPath))
        {
            throw new InvalidOperationException($"{BusyboxPath} is missing: install Debian's busybox-static (apt-get install busybox-static)");
        }

        var applets = ListApplets();
        return AddLayer(layer =>
        {
            layer.Directory("/bin").Directory("/etc").Directory("/tmp", mode: "1777").Directory("/root", mode: "700");
            layer.HostFile("/bin/busybox", BusyboxPath, mode: "755");
            foreach (var applet in applets)
            {
                if (applet != "busybox")
                {
                    layer.Symlink("/bin/" + applet, "busybox");
                }
            }

            layer.File("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n");
            layer.File("/etc/group", "root:x:0:\nnogroup:x:65534:\napp:x:1000:\n");
        });
    }

    private static string[] ListApplets()
    {
        using var process = System.Diagnostics.Process.Start(ProcessRunner.StartInfo(BusyboxPath, ["--list"]))!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public OciImageBuilder AddLayer(Action<ImageLayer> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var layer = new ImageLayer();
        build(layer);
        layers.Add(layer);
        return this;
    }

    public OciImageBuilder Entrypoint(params string[] argv)
    {
        entrypoint = [.. argv];
        return this;
    }

    public OciImageBuilder Cmd(params string[] argv)
    {
        cmd = [.. argv];
        return this;
    }

    /// <summary>Adds <c>NAME=value</c> to the config's Env (a PATH given here replaces the default one).</summary>
    public OciImageBuilder Env(string name, string value)
    {
        env.RemoveAll(e => e.StartsWith(name + "=", StringComparison.Ordinal));
        env.Add($"{name}={value}");
        return this;
    }

    public OciImageBuilder WorkingDir(string path)
    {
        workingDir = path;
        return this;
    }

    public OciImageBuilder User(string value)
    {
        user = value;
        return this;
    }

    /// <summary>Writes the image as an OCI layout in <paramref name="folder"/> under <paramref name="tag"/>; returns the manifest's digest.</summary>
    public string WriteLayout(string folder, string tag = "latest")
    {
        var manifest = WriteBlobs(folder, out var manifestBytes);
        WriteIndex(folder, [Descriptor(manifest, manifestBytes.Length, "application/vnd.oci.image.manifest.v1+json", Architecture, Os)], tag);
        return manifest;
    }

    /// <summary>
    /// Writes a multi-platform image: an OCI index over one manifest per builder (each with its own
    /// <see cref="Architecture"/>); returns the index's digest. Push it with <c>skopeo copy --all</c>.
    /// </summary>
    public static string WriteMultiPlatformLayout(string folder, string tag, params OciImageBuilder[] platforms)
    {
        ArgumentNullException.ThrowIfNull(platforms);
        var descriptors = new JsonArray();
        foreach (var platform in platforms)
        {
            var digest = platform.WriteBlobs(folder, out var bytes);
            descriptors.Add(Descriptor(digest, bytes.Length, "application/vnd.oci.image.manifest.v1+json", platform.Architecture, platform.Os));
        }

        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = descriptors,
        };
        var indexBytes = Encoding.UTF8.GetBytes(index.ToJsonString());
        var indexDigest = WriteBlob(folder, indexBytes);
        WriteIndex(folder, [Descriptor(indexDigest, indexBytes.Length, "application/vnd.oci.image.index.v1+json", null, null)], tag);
        return indexDigest;
    }

    private string WriteBlobs(string folder, out byte[] manifestBytes)
    {
        var layerDescriptors = new JsonArray();
        var diffIds = new JsonArray();
        foreach (var layer in layers)
        {
            var (tar, gzip) = layer.Build();
            diffIds.Add(Digest(tar));
            layerDescriptors.Add(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip",
                ["digest"] = WriteBlob(folder, gzip),
                ["size"] = gzip.Length,
            });
        }

        var config = new JsonObject
        {
            ["architecture"] = Architecture,
            ["os"] = Os,
            ["config"] = new JsonObject
            {
                ["Env"] = new JsonArray([.. env.Select(e => (JsonNode)e)]),
                ["Entrypoint"] = entrypoint is null ? null : new JsonArray([.. entrypoint.Select(e => (JsonNode)e)]),
                ["Cmd"] = cmd is null ? null : new JsonArray([.. cmd.Select(e => (JsonNode)e)]),
                ["WorkingDir"] = workingDir ?? string.Empty,
                ["User"] = user ?? string.Empty,
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
        };
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.config.v1+json",
                ["digest"] = WriteBlob(folder, configBytes),
                ["size"] = configBytes.Length,
            },
            ["layers"] = layerDescriptors,
        };
        manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        return WriteBlob(folder, manifestBytes);
    }

    private static void WriteIndex(string folder, JsonObject[] manifests, string tag)
    {
        manifests[0]["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        File.WriteAllText(Path.Combine(folder, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray([.. manifests]),
        };
        File.WriteAllText(Path.Combine(folder, "index.json"), index.ToJsonString());
    }

    private static JsonObject Descriptor(string digest, long size, string mediaType, string? architecture, string? os)
    {
        var descriptor = new JsonObject { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };
        if (architecture is not null && os is not null)
        {
            descriptor["platform"] = new JsonObject { ["architecture"] = architecture, ["os"] = os };
        }

        return descriptor;
    }

    private static string WriteBlob(string folder, byte[] content)
    {
        var digest = Digest(content);
        var blobs = Path.Combine(folder, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, digest["sha256:".Length..]), content);
        return digest;
    }

    /// <summary>The OCI digest of some bytes: <c>sha256:</c> and the lower-case hex SHA-256.</summary>
    public static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}

/// <summary>
/// The entries of one layer tarball, written in the order added (paths are absolute in the image; the tar holds them
/// relative, as image builders do). Whiteouts (<c>.wh.NAME</c>, <c>.wh..wh..opq</c>) and hostile entries (<c>..</c>,
/// links out of the root) can be added on purpose to test an unpacker.
/// </summary>
public sealed class ImageLayer
{
    private readonly List<Func<TarEntry>> entries = [];

    public ImageLayer Directory(string path, string mode = "755") => Add(() => new PaxTarEntry(TarEntryType.Directory, Relative(path)) { Mode = Mode(mode) });

    public ImageLayer File(string path, string content, string mode = "644") => File(path, Encoding.UTF8.GetBytes(content), mode);

    public ImageLayer File(string path, byte[] content, string mode = "644", int uid = 0, int gid = 0) => Add(() => new PaxTarEntry(TarEntryType.RegularFile, Relative(path))
    {
        Mode = Mode(mode),
        Uid = uid,
        Gid = gid,
        DataStream = new MemoryStream(content),
    });

    /// <summary>A file whose content is copied from this machine.</summary>
    public ImageLayer HostFile(string path, string hostPath, string mode = "755") => File(path, System.IO.File.ReadAllBytes(hostPath), mode);

    /// <summary>Every file under a host folder, placed under <paramref name="path"/> (modes kept, symlinks kept as links).</summary>
    public ImageLayer HostDirectory(string path, string hostFolder)
    {
        var root = new DirectoryInfo(hostFolder);
        Directory(path);
        foreach (var info in root.EnumerateFileSystemInfos("*", SearchOption.AllDirectories).OrderBy(i => i.FullName, StringComparer.Ordinal))
        {
            var target = path.TrimEnd('/') + "/" + Path.GetRelativePath(root.FullName, info.FullName).Replace('\\', '/');
            var mode = Convert.ToString((int)info.UnixFileMode, 8);
            if (info.LinkTarget is { } link)
            {
                Symlink(target, link);
            }
            else if (info is DirectoryInfo)
            {
                Directory(target, mode);
            }
            else
            {
                File(target, System.IO.File.ReadAllBytes(info.FullName), mode);
            }
        }

        return this;
    }

    public ImageLayer Symlink(string path, string target) => Add(() => new PaxTarEntry(TarEntryType.SymbolicLink, Relative(path)) { LinkName = target, Mode = Mode("777") });

    /// <summary>A hard link to a file earlier in this layer (or a lower one), named by its image path.</summary>
    public ImageLayer HardLink(string path, string existing) => Add(() => new PaxTarEntry(TarEntryType.HardLink, Relative(path)) { LinkName = Relative(existing) });

    /// <summary>Deletes <paramref name="path"/> of lower layers (<c>.wh.NAME</c>).</summary>
    public ImageLayer Whiteout(string path)
    {
        var parent = Path.GetDirectoryName(path)?.Replace('\\', '/') ?? "/";
        return Add(() => new PaxTarEntry(TarEntryType.RegularFile, Relative(parent.TrimEnd('/') + "/.wh." + Path.GetFileName(path))) { Mode = Mode("644") });
    }

    /// <summary>Hides everything lower layers put in <paramref name="folder"/> (<c>.wh..wh..opq</c>).</summary>
    public ImageLayer Opaque(string folder) =>
        Add(() => new PaxTarEntry(TarEntryType.RegularFile, Relative(folder.TrimEnd('/') + "/.wh..wh..opq")) { Mode = Mode("644") });

    /// <summary>An entry named exactly as given, not made relative: to test what an unpacker refuses.</summary>
    public ImageLayer RawEntry(TarEntryType type, string name, string? linkName = null, string content = "") => Add(() =>
    {
        var entry = new PaxTarEntry(type, name) { Mode = Mode(type == TarEntryType.Directory ? "755" : "644") };
        if (linkName is not null)
        {
            entry.LinkName = linkName;
        }

        if (type == TarEntryType.RegularFile)
        {
            entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        }

        return entry;
    });

    /// <summary>The uncompressed tarball and its gzip form.</summary>
    public (byte[] Tar, byte[] Gzip) Build()
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry());
            }
        }

        var tarBytes = tar.ToArray();
        using var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.Fastest, leaveOpen: true))
        {
            compressor.Write(tarBytes);
        }

        return (tarBytes, gzip.ToArray());
    }

    private ImageLayer Add(Func<TarEntry> entry)
    {
        entries.Add(entry);
        return this;
    }

    private static string Relative(string path) => path.TrimStart('/');

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);
}
