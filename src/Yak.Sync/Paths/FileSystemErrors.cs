namespace Yak.Sync.Paths;

/// <summary>Tells a full or read-only file system apart from other I/O failures (by the errno the exception keeps).</summary>
public static class FileSystemErrors
{
    /// <summary>ENOSPC or EDQUOT: no room (or no quota) left.</summary>
    public static bool IsNoSpace(Exception e) => Errno(e) is Native.ENOSPC or Native.EDQUOT;

    /// <summary>EROFS: the file system is mounted read-only.</summary>
    public static bool IsReadOnly(Exception e) => Errno(e) == Native.EROFS;

    // .NET's own file streams and our *at(2) wrappers both keep the raw errno as the HResult of an IOException.
    private static int? Errno(Exception e) => e is IOException ? e.HResult : e.InnerException is { } inner ? Errno(inner) : null;
}
