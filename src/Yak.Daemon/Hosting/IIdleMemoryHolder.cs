namespace Yak.Daemon.Hosting;

/// <summary>
/// Something that holds memory only activity needs and can let it go once yakd has been quiet for a while
/// (<see cref="IdleMemoryTrim.Settled"/>): the sync sessions' models, for one.
/// </summary>
internal interface IIdleMemoryHolder
{
    /// <summary>Lets idle memory go; bounded by <paramref name="cancellationToken"/>.</summary>
    Task ReleaseIdleMemoryAsync(CancellationToken cancellationToken);
}
