using System.Threading.Channels;
using Serilog.Core;
using Serilog.Events;

namespace Yak.Daemon.Hosting;

/// <summary>
/// yakd's sinks (the secret mask, the rolling file, the console) built and written on a thread of their own: building
/// the file sink (its roller's compiled Regex, the folder scan) and formatting the first lines were ~60 ms of the
/// start's main thread (YAK_STARTUP_TRACE), now spent beside it. Nothing is lost: events queue in order from the first
/// one, a full queue makes the caller wait rather than drop, and disposing (a stop, a failed start) writes every queued
/// event before the sinks close.
/// </summary>
internal sealed class BackgroundLogSink : ILogEventSink, IDisposable
{
    private const int Capacity = 10_000;
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(10);

    private readonly Channel<LogEvent> queue = Channel.CreateBounded<LogEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly TaskCompletionSource opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task writer;

    public BackgroundLogSink(Func<Logger> open) =>
        writer = Task.Factory.StartNew(() => Write(open), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Completes once the sinks exist (the log file is open), or could not be made.</summary>
    public Task Opened => opened.Task;

    public void Emit(LogEvent logEvent)
    {
        if (queue.Writer.TryWrite(logEvent))
        {
            return;
        }

        try
        {
            queue.Writer.WriteAsync(logEvent).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            // Logged after the logger was disposed: there is nothing left to write to.
        }
    }

    public void Dispose()
    {
        queue.Writer.TryComplete();
        writer.Wait(DrainLimit);
    }

    private void Write(Func<Logger> open)
    {
        Logger sinks;
        try
        {
            sinks = open();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"yakd: cannot write its log: {ex.Message}");
            opened.TrySetResult();
            return;
        }

        using (sinks)
        {
            opened.TrySetResult();
            var reader = queue.Reader;
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var logEvent))
                {
                    sinks.Write(logEvent);
                }
            }
        }
    }
}
