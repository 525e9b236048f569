using Microsoft.Extensions.Time.Testing;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Parsing;
using Yak.Daemon.Hosting;
using Yak.Testing;

namespace Yak.Daemon.Tests.Logging;

/// <summary>yakd's log file: named by day, rolled by size and by day, the newest kept, private from creation.</summary>
public sealed class RollingLogFileTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 12, 3);
    private readonly TempDirectory folder = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));

    public RollingLogFileTests() => time.SetLocalTimeZone(TimeZoneInfo.Utc);

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData(0, "yakd-20261203.log")]
    [InlineData(1, "yakd-20261203_001.log")]
    [InlineData(42, "yakd-20261203_042.log")]
    public void FileName_DayAndNumber_SerilogsNames(int number, string expected) =>
        Assert.Equal(expected, RollingLogFile.FileName(Day, number));

    [Theory]
    [InlineData("yakd-20261203.log", true)]
    [InlineData("yakd-20261203_001.log", true)]
    [InlineData("yakd-start.log", false)]
    [InlineData("yakd-2026120.log", false)]
    [InlineData("yakd-20261203_01.log", false)]
    [InlineData("yakd-20261203-001.log", false)]
    [InlineData("yakd-2026x203.log", false)]
    [InlineData("yakd-20261203.log.bak", false)]
    [InlineData("other-20261203.log", false)]
    public void IsLogFileName_Names_OnlyTheRollersOwn(string name, bool expected) =>
        Assert.Equal(expected, RollingLogFile.IsLogFileName(name));

    [Fact]
    public void Emit_FirstEvent_WritesTodaysFileBornPrivate()
    {
        using (var log = Create(sizeLimit: 1024))
        {
            log.Emit(Event("hello"));
            Assert.Equal(Path.Combine(folder.Path, "yakd-20261203.log"), log.CurrentPath);

            // Visible before the sink closes: yakctl daemon logs -f reads it while yakd runs.
            Assert.Equal("[INF] hello", ReadLines("yakd-20261203.log").Single());
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder.Path, "yakd-20261203.log")));
        }
    }

    [Fact]
    public void Emit_SizeLimitReached_NextEventGoesToTheNextNumber()
    {
        using (var log = Create(sizeLimit: 20))
        {
            log.Emit(Event("first line, over the limit"));
            log.Emit(Event("second, over it as well"));
            log.Emit(Event("third"));
        }

        Assert.Equal(["[INF] first line, over the limit"], ReadLines("yakd-20261203.log"));
        Assert.Equal(["[INF] second, over it as well"], ReadLines("yakd-20261203_001.log"));
        Assert.Equal(["[INF] third"], ReadLines("yakd-20261203_002.log"));
    }

    [Fact]
    public void Emit_DayChanges_NewDaysFile()
    {
        using (var log = Create(sizeLimit: 1024))
        {
            log.Emit(Event("today"));
            time.Advance(TimeSpan.FromDays(1));
            log.Emit(Event("tomorrow"));
            Assert.Equal(Path.Combine(folder.Path, "yakd-20261204.log"), log.CurrentPath);
        }

        Assert.Equal(["[INF] today"], ReadLines("yakd-20261203.log"));
        Assert.Equal(["[INF] tomorrow"], ReadLines("yakd-20261204.log"));
    }

    [Fact]
    public void Create_DaysFilesExist_AppendsToTheLastOneWithRoom()
    {
        File.WriteAllText(Path.Combine(folder.Path, "yakd-20261203.log"), new string('x', 100) + "\n");
        File.WriteAllText(Path.Combine(folder.Path, "yakd-20261203_001.log"), "earlier\n");

        using (var log = Create(sizeLimit: 50))
        {
            log.Emit(Event("restarted"));
        }

        Assert.Equal(["earlier", "[INF] restarted"], ReadLines("yakd-20261203_001.log"));
    }

    [Fact]
    public void NewestOf_DaysFiles_TheHighestNumberOrTheFirst()
    {
        Assert.Equal(Path.Combine(folder.Path, "yakd-20261203.log"), RollingLogFile.NewestOf(folder.Path, Day));
        File.WriteAllText(Path.Combine(folder.Path, "yakd-20261203.log"), "a\n");
        File.WriteAllText(Path.Combine(folder.Path, "yakd-20261203_001.log"), "b\n");
        File.WriteAllText(Path.Combine(folder.Path, "yakd-20261204.log"), "c\n");

        Assert.Equal(Path.Combine(folder.Path, "yakd-20261203_001.log"), RollingLogFile.NewestOf(folder.Path, Day));
    }

    [Fact]
    public void Create_DaysLastFileFull_StartsTheNextNumber()
    {
        File.WriteAllText(Path.Combine(folder.Path, "yakd-20261203.log"), new string('x', 100) + "\n");

        using (var log = Create(sizeLimit: 50))
        {
            log.Emit(Event("restarted"));
        }

        Assert.Equal(["[INF] restarted"], ReadLines("yakd-20261203_001.log"));
    }

    [Fact]
    public void Roll_MoreFilesThanRetained_DeletesTheOldestAndNothingElse()
    {
        string[] old = ["yakd-20261128.log", "yakd-20261129.log", "yakd-20261130.log", "yakd-20261130_001.log", "yakd-20261201.log"];
        string[] others = ["yakd-start.log", "notes.txt", "yakd-backup.log"];
        foreach (var name in old.Concat(others))
        {
            File.WriteAllText(Path.Combine(folder.Path, name), name + "\n");
        }

        using (var log = Create(sizeLimit: 1024, retain: 3))
        {
            // At start: today's file and the two newest before it.
            Assert.Equal(
                ["notes.txt", "yakd-20261130_001.log", "yakd-20261201.log", "yakd-20261203.log", "yakd-backup.log", "yakd-start.log"],
                Names());

            time.Advance(TimeSpan.FromDays(1));
            log.Emit(Event("next day"));
        }

        Assert.Equal(["notes.txt", "yakd-20261201.log", "yakd-20261203.log", "yakd-20261204.log", "yakd-backup.log", "yakd-start.log"], Names());
    }

    private RollingLogFile Create(long sizeLimit, int retain = 7) =>
        new(folder.Path, new MessageTemplateTextFormatter("[{Level:u3}] {Message:lj}{NewLine}", null), sizeLimit, retain, time);

    private LogEvent Event(string text) =>
        new(time.GetUtcNow(), LogEventLevel.Information, null, new MessageTemplateParser().Parse(text), []);

    private string[] ReadLines(string name)
    {
        using var stream = new FileStream(Path.Combine(folder.Path, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private string[] Names() => [.. Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
}
