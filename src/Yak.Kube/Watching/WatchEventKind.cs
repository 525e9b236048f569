namespace Yak.Kube.Watching;

/// <summary>The <c>type</c> of a watch event, as the API server names it (<c>ADDED</c>, <c>MODIFIED</c>, …).</summary>
public enum WatchEventKind
{
    Added,
    Modified,
    Deleted,

    /// <summary>An error the server sent in the stream with an object that is not a Status.</summary>
    Error,

    /// <summary>Only the resource version of the collection moved (<c>allowWatchBookmarks</c>).</summary>
    Bookmark,
}
