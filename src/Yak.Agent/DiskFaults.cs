using Yak.Sync.Paths;
using Yak.Sync.Wire;

namespace Yak.Agent;

/// <summary>How the agent words a write its file system refused: full or over quota, read-only, or another I/O error.</summary>
internal static class DiskFaults
{
    public static ErrorCode CodeFor(Exception e) =>
        FileSystemErrors.IsNoSpace(e) ? ErrorCode.NoSpace
        : FileSystemErrors.IsReadOnly(e) ? ErrorCode.ReadOnly
        : ErrorCode.IoError;

    public static bool IsDisk(ErrorCode code) => code is ErrorCode.NoSpace or ErrorCode.ReadOnly;

    /// <summary>The fault to send: <paramref name="space"/> is the file system as it is now (null when statvfs is unavailable).</summary>
    public static (DiskFault Fault, string Message) Describe(ErrorCode code, string path, long needed, (long Free, long Total, bool ReadOnly)? space)
    {
        var readOnly = code == ErrorCode.ReadOnly;
        var free = space?.Free ?? 0;
        var message = readOnly
            ? $"the replica's file system is read-only: cannot write '{PathRefusedException.Printable(path)}'"
            : $"no space left on the replica's file system for '{PathRefusedException.Printable(path)}': needs {Bytes(needed)}, {Bytes(free)} free";
        return (new DiskFault(readOnly, path, needed, free), message);
    }

    public static string Bytes(long count) => Yak.Sync.Session.ReplicaDiskFullException.Bytes(count);
}
