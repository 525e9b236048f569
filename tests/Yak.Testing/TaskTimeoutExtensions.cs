using System.Diagnostics;

namespace Yak.Testing;

/// <summary>Every await in a test is bounded: a hang becomes a clear failure, not a stuck CI run.</summary>
public static class TaskTimeoutExtensions
{
    /// <summary>The bound used when a test does not say otherwise; generous because CI machines are small.</summary>
    public static TimeSpan DefaultTimeoutSpan { get; } = Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(30);

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(DefaultTimeoutSpan);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(DefaultTimeoutSpan);

    public static Task DefaultTimeout(this ValueTask task) => task.AsTask().WaitAsync(DefaultTimeoutSpan);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(DefaultTimeoutSpan);

    public static Task WithTimeout(this Task task, TimeSpan timeout) => task.WaitAsync(timeout);

    public static Task<T> WithTimeout<T>(this Task<T> task, TimeSpan timeout) => task.WaitAsync(timeout);
}
