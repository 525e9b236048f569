using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Yak.LocalCluster.Runtime.Images;

/// <summary>
/// Applies image layers, in order, to one folder that becomes the image's root filesystem. Each layer is a tar, gzip
/// compressed or not (sniffed from its first bytes); its uncompressed digest must equal the config's diff_id.
/// Whiteouts are applied here rather than kept: <c>.wh.NAME</c> deletes NAME of lower layers, <c>.wh..wh..opq</c>
/// empties its folder of what lower layers put there. Regular files, folders, symlinks and hard links are kept with
/// their modes (and owners, when running as root); devices and FIFOs are skipped (the container gets /dev from the
/// runtime).
/// </summary>
/// <remarks>
/// Nothing a layer says can write outside the root: entry names with <c>..</c> or that are absolute after cleaning
/// are refused, every parent folder must be a real folder (a symlink as a parent fails the pull instead of being
/// followed), files are created with <c>O_EXCL</c> after the old entry is removed (so a planted symlink is replaced,
/// never written through), and hard links must point at an entry inside the root whose parents pass the same check.
/// The folder is private to the unpacker until it is complete, so no one races these checks.
/// </remarks>
public sealed class LayerUnpacker(string root, long maxBytes, int maxEntries = 1_000_000)
{
    private const int MaxPathLength = 4096;
    private const int MaxDepth = 256;
    private static readonly bool AsRoot = LinuxNative.IsRoot;
    private long unpackedBytes;
    private int entries;

    /// <summary>Applies one layer blob; returns the digest of its uncompressed tar (to compare with the diff_id).</summary>
    public string Apply(Stream layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("images are Linux root filesystems");
        }

        var buffered = new BufferedStream(layer, 65536);
        Span<byte> magic = stackalloc byte[4];
        var peeked = PeekMagic(buffered, magic);
        Stream tarStream = peeked >= 2 && magic[0] == 0x1f && magic[1] == 0x8b
            ? new GZipStream(buffered, CompressionMode.Decompress, leaveOpen: true)
            : peeked >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd
                ? throw new ImagePullException("zstd-compressed layers are not supported by the local cluster; push the image with gzip layers")
                : buffered;
        using var hashing = new HashingStream(tarStream);
        var written = new HashSet<string>(StringComparer.Ordinal);
        var folderModes = new List<(string Path, UnixFileMode Mode)>();
        using (var reader = new TarReader(hashing, leaveOpen: true))
        {
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (++entries > maxEntries)
                {
                    throw new ImagePullException($"the image has more than {maxEntries} entries");
                }

                ApplyEntry(entry, written, folderModes);
            }
        }

        // A tar ends with zero blocks the reader may not consume: hash them too, so the digest is of the whole tar.
        hashing.DrainToEnd();
        foreach (var (path, mode) in folderModes)
        {
            File.SetUnixFileMode(path, mode);
        }

        return hashing.Digest();
    }

    private void ApplyEntry(TarEntry entry, HashSet<string> written, List<(string Path, UnixFileMode Mode)> folderModes)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("images are Linux root filesystems");
        }

        var relative = Clean(entry.Name);
        if (relative.Length == 0)
        {
            return;
        }

        var name = Path.GetFileName(relative);
        var parentRelative = Path.GetDirectoryName(relative) ?? string.Empty;
        var parent = EnsureParents(parentRelative);
        if (name == ".wh..wh..opq")
        {
            foreach (var child in Directory.EnumerateFileSystemEntries(parent))
            {
                if (!written.Contains(Path.GetRelativePath(root, child)))
                {
                    Remove(child);
                }
            }

            return;
        }

        if (name.StartsWith(".wh.", StringComparison.Ordinal))
        {
            Remove(Path.Combine(parent, name[".wh.".Length..]));
            return;
        }

        var target = Path.Combine(parent, name);
        written.Add(relative);
        var mode = (UnixFileMode)((int)entry.Mode & 0xFFF);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (!IsRealDirectory(target))
                {
                    Remove(target);
                    Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }

                folderModes.Add((target, mode));
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Remove(target);
                unpackedBytes += entry.Length;
                if (unpackedBytes > maxBytes)
                {
                    throw new ImagePullException($"the image unpacks to more than {maxBytes} bytes");
                }

                using (var file = new FileStream(target, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
                {
                    entry.DataStream?.CopyTo(file);
                }

                File.SetUnixFileMode(target, mode);
                break;
            case TarEntryType.SymbolicLink:
                Remove(target);
                File.CreateSymbolicLink(target, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                var existingRelative = Clean(entry.LinkName);
                var existingParent = EnsureParents(Path.GetDirectoryName(existingRelative) ?? string.Empty, create: false);
                var existing = Path.Combine(existingParent, Path.GetFileName(existingRelative));
                if (existingRelative.Length == 0 || !Exists(existing) || IsRealDirectory(existing))
                {
                    throw new ImagePullException($"layer entry {entry.Name} links to {entry.LinkName}, which is not a file in the image");
                }

                Remove(target);
                FileSystemNative.HardLink(existing, target);
                return;
            default:
                // Devices, FIFOs: the runtime provides /dev; nothing else in an image needs them.
                return;
        }

        if (AsRoot)
        {
            FileSystemNative.SetOwner(target, entry.Uid, entry.Gid);
        }
    }

    /// <summary>
    /// An entry name as a path relative to the root: <c>./</c> and leading slashes dropped; <c>..</c> refused.
    /// </summary>
    internal static string Clean(string name)
    {
        if (name.Length > MaxPathLength)
        {
            throw new ImagePullException($"layer entry name longer than {MaxPathLength} characters");
        }

        var parts = new List<string>();
        foreach (var part in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == ".." || part.Contains('\0', StringComparison.Ordinal))
            {
                throw new ImagePullException($"layer entry \"{name}\" points outside the image's root filesystem");
            }

            parts.Add(part);
        }

        return parts.Count > MaxDepth
            ? throw new ImagePullException($"layer entry \"{name}\" is nested deeper than {MaxDepth} folders")
            : string.Join('/', parts);
    }

    /// <summary>The full path of a folder under the root, every component a real folder (created when missing).</summary>
    private string EnsureParents(string relative, bool create = true)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("images are Linux root filesystems");
        }

        var current = root;
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var info = new DirectoryInfo(current);
            if (info.LinkTarget is not null)
            {
                throw new ImagePullException($"layer entry under /{relative} goes through the symlink /{Path.GetRelativePath(root, current)}; the local cluster does not follow links while unpacking");
            }

            if (!info.Exists)
            {
                if (!create)
                {
                    throw new ImagePullException($"/{relative} is not a folder in the image");
                }

                if (File.Exists(current))
                {
                    File.Delete(current);
                }

                Directory.CreateDirectory(current, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
        }

        return current;
    }

    private static bool IsRealDirectory(string path)
    {
        var info = new DirectoryInfo(path);
        return info.Exists && info.LinkTarget is null;
    }

    /// <summary>True for anything at <paramref name="path"/>, including a dangling symlink.</summary>
    private static bool Exists(string path) => new FileInfo(path) is var info && (info.Exists || info.LinkTarget is not null || Directory.Exists(path));

    /// <summary>Deletes whatever is at <paramref name="path"/> without following a symlink there.</summary>
    private static void Remove(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            info.Delete();
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static int PeekMagic(BufferedStream stream, Span<byte> magic)
    {
        // BufferedStream cannot un-read; read the header into the buffer and rewind within it when seekable, else copy.
        var read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (stream.CanSeek)
        {
            stream.Seek(-read, SeekOrigin.Current);
            return read;
        }

        throw new InvalidOperationException("layer streams must be seekable files");
    }

    /// <summary>Hashes what is read through it: the uncompressed tar's digest, compared with the config's diff_id.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            hash.AppendData(buffer[..read]);
            return read;
        }

        public void DrainToEnd()
        {
            var buffer = new byte[65536];
            while (Read(buffer) > 0)
            {
            }
        }

        public string Digest() => "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                hash.Dispose();
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
