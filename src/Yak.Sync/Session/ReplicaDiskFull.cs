using System.Globalization;
using Yak.Sync.Wire;

namespace Yak.Sync.Session;

/// <summary>
/// The replica's file system refused writes (full, over quota, or read-only). The session reports it (state Error,
/// <see cref="SyncSession.DiskFault"/>), fails the flushes it was answering with this, and retries by itself when
/// there is room; the replica keeps its last good files meanwhile.
/// </summary>
public sealed class ReplicaDiskFullException(string target, DiskFault fault, long bytesNeeded, int failures)
    : IOException(Describe(target, fault, bytesNeeded, failures))
{
    /// <summary>Where the agent runs ("pod ns/web-7f9:/code").</summary>
    public string Target { get; } = target;

    /// <summary>The first refused write: its path, whether the file system is read-only, what was free then.</summary>
    public DiskFault Fault { get; } = fault;

    /// <summary>What all the refused writes of the pass needed.</summary>
    public long BytesNeeded { get; } = bytesNeeded;

    public int Failures { get; } = failures;

    /// <summary>What happened: where, which path, how much (the message without its fix).</summary>
    public string Problem => Describe(Target, Fault, BytesNeeded, Failures, withFix: false);

    /// <summary>What to do about it.</summary>
    public string Fix => FixFor(Fault.ReadOnly);

    /// <summary>The status line: where, which path, how much, and the fix.</summary>
    public static string Describe(string target, DiskFault fault, long bytesNeeded, int failures, bool withFix = true)
    {
        var others = failures > 1 ? string.Create(CultureInfo.InvariantCulture, $" (and {failures - 1} more)") : "";
        var problem = fault.ReadOnly
            ? $"the replica's file system in {target} is read-only: '{fault.Path}'{others} cannot be written."
            : $"no space left in {target} for '{fault.Path}'{others}: needs {Bytes(bytesNeeded)}, {Bytes(fault.BytesFree)} free.";
        return withFix ? $"{problem} Fix: {FixFor(fault.ReadOnly)}" : problem;
    }

    private static string FixFor(bool readOnly) => readOnly
        ? "mount the sync volume read-write (check the pod's volumeMounts and the volume); sync resumes by itself when it is writable."
        : "free space in the pod's volume (delete files there, or give the volume more room, e.g. a larger sizeLimit); sync resumes by itself when there is room.";

    public static string Bytes(long count) => count switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{count} bytes"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{count / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{count / (1024.0 * 1024):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{count / (1024.0 * 1024 * 1024):0.##} GiB"),
    };
}

/// <summary>Raised when the replica's disk starts refusing writes (once per episode, not per retry).</summary>
public sealed class ReplicaDiskFullEventArgs(ReplicaDiskFullException error) : EventArgs
{
    public ReplicaDiskFullException Error { get; } = error;
}
