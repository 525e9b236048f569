using System.Globalization;
using System.Text;

namespace Yak.LocalCluster.Runtime;

/// <summary>One log line as stored: when it was written, which stream, and the text without its newline.</summary>
public readonly record struct LogLine(DateTimeOffset Time, string Stream, string Text)
{
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public string Format(bool timestamps) => timestamps ? $"{Time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)} {Text}\n" : Text + "\n";

    /// <summary>Parses the stored form <c>TIME STREAM TEXT</c> (the CRI log layout without the partial flag).</summary>
    public static LogLine? Parse(string stored)
    {
        var first = stored.IndexOf(' ', StringComparison.Ordinal);
        var second = first < 0 ? -1 : stored.IndexOf(' ', first + 1);
        if (second < 0 || !DateTimeOffset.TryParse(stored.AsSpan(0, first), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return null;
        }

        return new LogLine(time, stored[(first + 1)..second], stored[(second + 1)..]);
    }
}

/// <summary>
/// The log of one container run (<c>pods/{uid}/logs/{container}/{restartCount}.log</c>): lines are appended with their
/// time so <c>timestamps</c> and <c>sinceSeconds</c> work; followers are woken on every append and when the run ends.
/// </summary>
public sealed class ContainerLog : IDisposable
{
    private readonly object gate = new();
    private readonly FileStream file;
    private readonly Dictionary<string, StringBuilder> partial = new(StringComparer.Ordinal);
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ContainerLog(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    public string Path { get; }

    public bool Completed { get; private set; }

    /// <summary>A task that completes on the next append or at completion.</summary>
    public Task Changed
    {
        get
        {
            lock (gate)
            {
                return Completed ? Task.CompletedTask : changed.Task;
            }
        }
    }

    /// <summary>Appends raw output of <paramref name="stream"/> (stdout or stderr); complete lines are written at once.</summary>
    public void Append(string stream, ReadOnlySpan<byte> data)
    {
        lock (gate)
        {
            if (Completed)
            {
                return;
            }

            if (!partial.TryGetValue(stream, out var pending))
            {
                partial[stream] = pending = new StringBuilder();
            }

            pending.Append(Encoding.UTF8.GetString(data));
            var text = pending.ToString();
            var last = text.LastIndexOf('\n');
            if (last < 0)
            {
                return;
            }

            pending.Clear().Append(text.AsSpan(last + 1));
            foreach (var line in text[..last].Split('\n'))
            {
                WriteLine(stream, line.TrimEnd('\r'));
            }

            Signal();
        }
    }

    /// <summary>Flushes unterminated output and wakes every follower for good.</summary>
    public void Complete()
    {
        lock (gate)
        {
            if (Completed)
            {
                return;
            }

            foreach (var (stream, pending) in partial)
            {
                if (pending.Length > 0)
                {
                    WriteLine(stream, pending.ToString());
                }
            }

            file.Flush();
            Completed = true;
            Signal();
        }
    }

    public void Dispose()
    {
        Complete();
        file.Dispose();
    }

    private void WriteLine(string stream, string text)
    {
        var time = DateTime.UtcNow.ToString(LogLine.TimeFormat, CultureInfo.InvariantCulture);
        var bytes = Encoding.UTF8.GetBytes($"{time} {stream} {text}\n");
        file.Write(bytes);
        file.Flush();
    }

    private void Signal()
    {
        var previous = changed;
        changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
