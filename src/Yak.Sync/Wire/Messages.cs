using Yak.Sync.Hashing;
using Yak.Sync.Scanning;

namespace Yak.Sync.Wire;

/// <summary>
/// Payload layouts, one place for both ends. Strings are varint-length UTF-8; digests 16 bytes.
/// <list type="bullet">
/// <item>Hello: u32 magic, u16 version, string peer, u8 link options asked — HelloAck: u16 version, string agentVersion, u8 link options granted.</item>
/// <item>ManifestRequest: digest known (zero = none) — ManifestEntries: varint n, n × entry — ManifestEnd: u8 unchanged, digest, varint count.</item>
/// <item>PutFile: string path, u8 flags, varint length hint — ApplyDelta: string path, u8 flags, digest base, varint blockSize.</item>
/// <item>Chunk: u8 encoding, bytes — End: digest result, varint length.</item>
/// <item>CopyFile: string path, u8 flags, string source, digest expected, varint length (answered like PutFile; DigestMismatch when the source is not that content).</item>
/// <item>Delete/RemoveDir: string path — MakeDir/SetMode: string path, u8 flags — Symlink: string path, string target.</item>
/// <item>Error: u16 code, string message; for NoSpace/ReadOnly then string path, varint bytes needed, varint bytes free — Ack: empty.</item>
/// <item>SpaceRequest: empty — SpaceInfo: varint bytes free, varint bytes total, u8 read-only (both sizes 0 when unknown).</item>
/// </list>
/// </summary>
public static class Messages
{
    public static void WriteEntry(PayloadWriter writer, string path, Entry entry)
    {
        writer.String(path).Byte((byte)entry.Kind).Byte(entry.Executable ? (byte)EntryFlags.Executable : (byte)0);
        if (entry.Kind == EntryKind.File)
        {
            writer.VarLong(entry.Size).Digest(entry.Digest);
        }
        else if (entry.Kind == EntryKind.Symlink)
        {
            writer.String(entry.Target ?? "");
        }
    }

    public static (string Path, Entry Entry) ReadEntry(ref PayloadReader reader)
    {
        var path = reader.String();
        var kind = (EntryKind)reader.Byte();
        var executable = ((EntryFlags)reader.Byte()).HasFlag(EntryFlags.Executable);
        return kind switch
        {
            EntryKind.File => (path, new Entry(kind, ReadSize(ref reader), 0, 0, executable, reader.Digest(), null)),
            EntryKind.Symlink => (path, new Entry(kind, 0, 0, 0, false, default, reader.String())),
            EntryKind.Directory => (path, Entry.Directory()),
            _ => throw new InvalidDataException($"unknown entry kind {(byte)kind}"),
        };
    }

    /// <summary>A file size as sent: malformed input (negative, past <see cref="Entry.MaxSize"/>) is an <see cref="InvalidDataException"/> like any other.</summary>
    private static long ReadSize(ref PayloadReader reader)
    {
        var size = reader.VarLong();
        return size is >= 0 and <= Entry.MaxSize ? size : throw new InvalidDataException($"file size {size} out of range");
    }

    public static (ErrorCode Code, string Message) ReadError(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        return ((ErrorCode)reader.UInt16(), reader.String());
    }

    /// <summary>The error with its disk details (present for NoSpace/ReadOnly from agents that send them).</summary>
    public static AgentErrorException ReadErrorException(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var code = (ErrorCode)reader.UInt16();
        var message = reader.String();
        DiskFault? disk = null;
        if (code is ErrorCode.NoSpace or ErrorCode.ReadOnly && !reader.AtEnd)
        {
            disk = new DiskFault(code == ErrorCode.ReadOnly, reader.String(), reader.VarLong(), reader.VarLong());
        }

        return new AgentErrorException(code, message) { Disk = disk };
    }

    public static ReadOnlyMemory<byte> Error(ErrorCode code, string message) =>
        new PayloadWriter().UInt16((ushort)code).String(message).Written;

    public static ReadOnlyMemory<byte> Error(DiskFault fault, string message) =>
        new PayloadWriter().UInt16((ushort)(fault.ReadOnly ? ErrorCode.ReadOnly : ErrorCode.NoSpace)).String(message)
            .String(fault.Path).VarLong(Math.Max(0, fault.BytesNeeded)).VarLong(Math.Max(0, fault.BytesFree)).Written;

    public static ReadOnlyMemory<byte> SpaceInfo(DiskSpace space) =>
        new PayloadWriter().VarLong(Math.Max(0, space.BytesFree)).VarLong(Math.Max(0, space.BytesTotal)).Byte(space.ReadOnly ? (byte)1 : (byte)0).Written;

    public static DiskSpace ReadSpaceInfo(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        return new DiskSpace(reader.VarLong(), reader.VarLong(), reader.Byte() == 1);
    }
}

/// <summary>A request the agent refused or failed, as seen by the daemon.</summary>
public sealed class AgentErrorException(ErrorCode code, string message) : Exception($"{code}: {message}")
{
    public ErrorCode Code { get; } = code;

    public string AgentMessage { get; } = message;

    /// <summary>For NoSpace/ReadOnly: where and how much.</summary>
    public DiskFault? Disk { get; init; }
}

/// <summary>A write the replica's file system refused: full (or over quota), or read-only.</summary>
/// <param name="Path">The replica path being written (relative to the root).</param>
/// <param name="BytesNeeded">What the write needed (the file's length; 0 for folders, links and modes).</param>
/// <param name="BytesFree">What the file system had free for the agent when it failed.</param>
public sealed record DiskFault(bool ReadOnly, string Path, long BytesNeeded, long BytesFree);

/// <summary>The replica's file system as statvfs sees it (sizes 0 when unknown).</summary>
public readonly record struct DiskSpace(long BytesFree, long BytesTotal, bool ReadOnly);

/// <summary>The two ends speak different protocol versions (or the peer is not a yak agent at all).</summary>
public sealed class ProtocolMismatchException(string message) : Exception(message);
