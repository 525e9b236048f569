namespace Yak.Sync.Wire;

/// <summary>Frame types. Requests come from the daemon; the agent answers each request id with Ack or Error.</summary>
public enum MessageType : byte
{
    Hello = 1,
    HelloAck = 2,
    ManifestRequest = 3,
    ManifestEntries = 4,
    ManifestEnd = 5,

    PutFile = 10,
    ApplyDelta = 11,
    Chunk = 12,
    End = 13,
    Delete = 14,
    MakeDir = 15,
    RemoveDir = 16,
    SetMode = 17,
    Symlink = 18,

    /// <summary>Create a file from a copy of another file the agent already holds (a rename or duplicate costs no content).</summary>
    CopyFile = 19,

    /// <summary>How much room the replica's file system has (answered with SpaceInfo): lets a sender wait for space instead of retrying blind.</summary>
    SpaceRequest = 20,

    Ack = 30,
    Error = 31,
    SpaceInfo = 32,
}

/// <summary>Why the agent refused or failed a request.</summary>
public enum ErrorCode : ushort
{
    BadRequest = 1,
    VersionMismatch = 2,

    /// <summary>The agent's copy is not the delta's basis: resend the whole file.</summary>
    BaseMismatch = 3,

    /// <summary>The path (or symlink target) would leave the root, or is malformed.</summary>
    PathRefused = 4,

    /// <summary>What was rebuilt does not hash to what the sender announced (the source changed while being sent).</summary>
    DigestMismatch = 5,
    IoError = 6,
    Internal = 7,

    /// <summary>The replica's file system is full (ENOSPC) or over quota (EDQUOT); the error carries path, bytes needed and free.</summary>
    NoSpace = 8,

    /// <summary>The replica's file system is read-only (EROFS); the error carries the path.</summary>
    ReadOnly = 9,
}

/// <summary>Protocol constants shared by both ends.</summary>
public static class ProtocolInfo
{
    /// <summary>"YAKS" little-endian: the first bytes of a Hello; anything else is not our protocol.</summary>
    public const uint Magic = 0x534B_4159;

    /// <summary>
    /// Bumped on any incompatible change of frames or payloads; both ends must agree exactly (the daemon installs the
    /// agent of its own build). 2: Hello and HelloAck carry <see cref="LinkOptions"/>.
    /// </summary>
    public const ushort Version = 2;

    /// <summary>Frames larger than this are refused (a corrupted length must not allocate gigabytes).</summary>
    public const int MaxFrame = 1 << 20;

    /// <summary>Raw bytes of file data per Chunk frame before compression.</summary>
    public const int ChunkSize = 256 * 1024;

    public const int HeaderSize = 4 + 1 + 4;
}

/// <summary>Flags carried by PutFile, ApplyDelta, MakeDir and SetMode.</summary>
[Flags]
public enum EntryFlags : byte
{
    None = 0,
    Executable = 1,
}

/// <summary>How the link runs after the handshake: asked in Hello, granted (the subset the agent supports) in HelloAck.</summary>
[Flags]
public enum LinkOptions : byte
{
    None = 0,

    /// <summary>Everything the daemon sends after the handshake is one zstd stream (data chunks then travel raw).</summary>
    ZstdStream = 1,
}
