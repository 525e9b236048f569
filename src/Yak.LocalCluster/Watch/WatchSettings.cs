namespace Yak.LocalCluster.Watch;

/// <summary>Watch tuning: how often bookmarks go out and how long a watch lasts when the client sets no timeout.</summary>
public sealed class WatchSettings
{
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
