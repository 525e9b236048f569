namespace Yak.LocalCluster.Runtime;

/// <summary>
/// A file a configMap or secret volume holds: <paramref name="Path"/> relative to the volume (a key, or an
/// <c>items[].path</c>), its bytes and its Unix mode (<c>defaultMode</c>/<c>mode</c>, 0644 by default).
/// </summary>
public sealed record VolumeFile(string Path, byte[] Content, UnixFileMode Mode);
