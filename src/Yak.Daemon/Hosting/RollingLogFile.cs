using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Hosting;

/// <summary>
/// yakd's log file: <c>yakd-YYYYMMDD.log</c> in the log folder, then <c>yakd-YYYYMMDD_001.log</c>, <c>_002</c>, … once a
/// day's file reaches the size limit; the newest <c>retain</c> files are kept. The names are Serilog.Sinks.File's, which
/// this replaces: its rolling sink compiled a Regex for the names, scanned the folder twice and (for <c>shared</c>) took a
/// named mutex around every event — ~45 ms of CPU in each start, on a machine whose every core the start already uses
/// (README, yakd's start). Here the day's file is found by name, and names sort by age as plain strings.
/// </summary>
/// <remarks>
/// One writer: yakd opens its log only once it holds the single-instance lock (Program.cs), so the file needs no
/// cross-process lock. Each event is written through at once (visible to <c>yakctl daemon logs -f</c>, kept by a
/// kill -9); nothing is fsynced — a development tool's log is not worth a disk flush per line or per second.
/// A write that fails (disk full) drops that event and reopens the file at the next one.
/// </remarks>
internal sealed class RollingLogFile : ILogEventSink, IDisposable
{
    private const string Prefix = "yakd-";
    private const string Suffix = ".log";
    private const int MaxSequence = 999;

    private readonly string directory;
    private readonly ITextFormatter formatter;
    private readonly long sizeLimit;
    private readonly int retain;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private FileStream? stream;
    private StreamWriter? writer;
    private DateOnly day;
    private int sequence;

    public RollingLogFile(string directory, ITextFormatter formatter, long sizeLimit, int retain, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(retain, 1);
        this.directory = directory;
        this.formatter = formatter;
        this.sizeLimit = sizeLimit;
        this.retain = retain;
        this.time = time;

        // Opened now, not at the first event: a folder or file yakd cannot write fails the start's log setup, where
        // BackgroundLogSink reports it.
        PrivateFiles.CreateDirectory(directory);
        var today = Today();
        Open(today, FirstSequence(today));
        ApplyRetention();
    }

    /// <summary>The file being written.</summary>
    public string CurrentPath => PathOf(day, sequence);

    /// <summary>The file name for <paramref name="date"/>'s <paramref name="number"/>th file (0: the day's first).</summary>
    public static string FileName(DateOnly date, int number) =>
        number == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{Prefix}{date:yyyyMMdd}{Suffix}")
            : string.Create(CultureInfo.InvariantCulture, $"{Prefix}{date:yyyyMMdd}_{number:000}{Suffix}");

    /// <summary>Whether <paramref name="name"/> is one of these files: <c>yakd-</c>, 8 digits, optionally <c>_</c> and 3 digits, <c>.log</c>.</summary>
    public static bool IsLogFileName(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal) || !name.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return false;
        }

        var middle = name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Suffix.Length);
        return middle.Length switch
        {
            8 => IsDigits(middle),
            12 => IsDigits(middle[..8]) && middle[8] == '_' && IsDigits(middle[9..]),
            _ => false,
        };
    }

    public void Emit(LogEvent logEvent)
    {
        lock (gate)
        {
            try
            {
                var today = Today();
                if (today != day)
                {
                    Roll(today, FirstSequence(today));
                }
                else if (writer is null)
                {
                    Open(day, sequence);
                }
                else if (stream!.Position >= sizeLimit && sequence < MaxSequence)
                {
                    Roll(today, sequence + 1);
                }

                formatter.Format(logEvent, writer!);
                writer!.Flush();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Dropped; the next event reopens (the disk may have room again by then).
                Close();
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            Close();
        }
    }

    /// <summary>Deletes all but the newest <c>retain</c> log files (the one being written always stays).</summary>
    public void ApplyRetention()
    {
        var names = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*" + Suffix))
        {
            var name = Path.GetFileName(path);
            if (IsLogFileName(name))
            {
                names.Add(name);
            }
        }

        // yyyyMMdd sorts by date, and "yakd-D.log" before "yakd-D_001.log" ('.' < '_'): ordinal order is age order.
        names.Sort(StringComparer.Ordinal);
        var current = Path.GetFileName(CurrentPath);
        for (var i = 0; i < names.Count - retain; i++)
        {
            if (names[i] != current)
            {
                try
                {
                    File.Delete(Path.Combine(directory, names[i]));
                }
                catch (IOException)
                {
                    // Still open elsewhere or already gone: the next roll tries again.
                }
            }
        }
    }

    private static bool IsDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');

    private DateOnly Today() => DateOnly.FromDateTime(time.GetLocalNow().DateTime);

    private string PathOf(DateOnly date, int number) => Path.Combine(directory, FileName(date, number));

    /// <summary>The newest of <paramref name="date"/>'s files in <paramref name="folder"/> (its first when there is none yet).</summary>
    public static string NewestOf(string folder, DateOnly date) => Path.Combine(folder, FileName(date, LastNumber(folder, date)));

    private static int LastNumber(string folder, DateOnly date)
    {
        var number = 0;
        while (number < MaxSequence && File.Exists(Path.Combine(folder, FileName(date, number + 1))))
        {
            number++;
        }

        return number;
    }

    /// <summary>The day's last file, or the one after it when that one is full.</summary>
    private int FirstSequence(DateOnly date)
    {
        var number = LastNumber(directory, date);
        var info = new FileInfo(PathOf(date, number));
        return info.Exists && info.Length >= sizeLimit && number < MaxSequence ? number + 1 : number;
    }

    private void Roll(DateOnly date, int number)
    {
        Close();
        Open(date, number);
        ApplyRetention();
    }

    private void Open(DateOnly date, int number)
    {
        day = date;
        sequence = number;
        stream = PrivateFiles.Open(PathOf(date, number), FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete);
        writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 4096);
    }

    private void Close()
    {
        try
        {
            writer?.Dispose();
        }
        catch (IOException)
        {
            // Its last buffered bytes could not be written (disk full); the handle is closed regardless.
        }

        writer = null;
        stream = null;
    }
}
