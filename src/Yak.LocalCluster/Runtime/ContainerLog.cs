using System.Globalization;
using System.Text;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// One log entry as stored, in the CRI layout <c>TIME STREAM TAG TEXT</c>: TAG <c>F</c> is a full line (the newline is
/// not stored), <c>P</c> a partial one (output that had no newline yet, logged at once, as containerd does).
/// </summary>
public readonly record struct LogLine(DateTimeOffset Time, string Stream, string Text, bool Partial = false)
{
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public string Format(bool timestamps)
    {
        var end = Partial ? string.Empty : "\n";
        return timestamps ? $"{Time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)} {Text}{end}" : Text + end;
    }

    public string Stored() => $"{Time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)} {Stream} {(Partial ? 'P' : 'F')} {Text}\n";

    public static LogLine? Parse(string stored)
    {
        var parts = stored.Split(' ', 4);
        if (parts.Length < 4 || parts[2] is not ("F" or "P") || !DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return null;
        }

        return new LogLine(time, parts[1], parts[3], parts[2] == "P");
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
    private readonly Dictionary<string, Decoder> decoders = new(StringComparer.Ordinal);
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

    /// <summary>Appends raw output of <paramref name="stream"/> (stdout or stderr): full lines, then any rest as a partial line.</summary>
    public void Append(string stream, ReadOnlySpan<byte> data)
    {
        lock (gate)
        {
            if (Completed)
            {
                return;
            }

            if (!decoders.TryGetValue(stream, out var decoder))
            {
                decoders[stream] = decoder = Encoding.UTF8.GetDecoder();
            }

            // A stateful decoder: a multi-byte character split across reads stays whole.
            var chars = new char[decoder.GetCharCount(data, flush: false)];
            decoder.GetChars(data, chars, flush: false);
            var text = new string(chars);
            var start = 0;
            int newline;
            while ((newline = text.IndexOf('\n', start)) >= 0)
            {
                Write(new LogLine(DateTimeOffset.UtcNow, stream, text[start..newline].TrimEnd('\r')));
                start = newline + 1;
            }

            if (start < text.Length)
            {
                Write(new LogLine(DateTimeOffset.UtcNow, stream, text[start..], Partial: true));
            }

            file.Flush();
            Signal();
        }
    }

    /// <summary>Wakes every follower for good: this run has ended.</summary>
    public void Complete()
    {
        lock (gate)
        {
            if (Completed)
            {
                return;
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

    private void Write(LogLine line) => file.Write(Encoding.UTF8.GetBytes(line.Stored()));

    private void Signal()
    {
        var previous = changed;
        changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
