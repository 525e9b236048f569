using System.Collections.Concurrent;
using Yak.Sync.Ignore;
using Yak.Sync.Watching;
using Yak.Testing;

namespace Yak.Sync.Tests;

public sealed class WatcherTests
{
    /// <summary>Collects batches and lets a test wait until a predicate over everything seen so far holds.</summary>
    private sealed class Recorder
    {
        private readonly ConcurrentQueue<IReadOnlyCollection<string>> batches = new();
        private readonly List<(Func<HashSet<string>, bool> Condition, TaskCompletionSource Done)> waiters = [];

        public int Batches => batches.Count;

        public HashSet<string> Seen => batches.SelectMany(b => b).ToHashSet(StringComparer.Ordinal);

        public void OnChanged(IReadOnlyCollection<string> paths)
        {
            batches.Enqueue(paths);
            var seen = batches.SelectMany(b => b).ToHashSet(StringComparer.Ordinal);
            lock (waiters)
            {
                foreach (var (condition, done) in waiters.Where(w => w.Condition(seen)))
                {
                    done.TrySetResult();
                }
            }
        }

        public Task WaitFor(Func<HashSet<string>, bool> condition)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (waiters)
            {
                waiters.Add((condition, done));
            }

            if (condition(batches.SelectMany(b => b).ToHashSet(StringComparer.Ordinal)))
            {
                done.TrySetResult();
            }

            return done.Task;
        }
    }

    [Fact]
    public async Task Changed_BurstOfWrites_CoalescedIntoFewBatches()
    {
        using var temp = new TempDirectory();
        var recorder = new Recorder();
        using var watcher = TreeWatcher.Create(temp.Path, new IgnoreRules(temp.Path), TimeSpan.FromMilliseconds(50));
        watcher.Changed += recorder.OnChanged;
        watcher.Start();

        for (var i = 0; i < 200; i++)
        {
            File.WriteAllText(temp.Combine($"f{i}.txt"), "x");
        }

        await recorder.WaitFor(seen => Enumerable.Range(0, 200).All(i => seen.Contains($"f{i}.txt"))).DefaultTimeout();
        Assert.True(recorder.Batches < 50, $"{recorder.Batches} batches for one burst");
    }

    [Fact]
    public async Task Changed_NewNestedFolders_WatchedRecursively()
    {
        using var temp = new TempDirectory();
        var recorder = new Recorder();
        using var watcher = TreeWatcher.Create(temp.Path, new IgnoreRules(temp.Path));
        watcher.Changed += recorder.OnChanged;
        watcher.Start();

        Directory.CreateDirectory(temp.Combine("a", "b", "c"));
        await recorder.WaitFor(seen => seen.Contains("a")).DefaultTimeout();
        File.WriteAllText(temp.Combine("a", "b", "c", "late.txt"), "x");
        await recorder.WaitFor(seen => seen.Contains("a/b/c/late.txt")).DefaultTimeout();
    }

    [Fact]
    public async Task Changed_IgnoredFolder_NotWatchedNorReported()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine(".gitignore"), "build/\n");
        Directory.CreateDirectory(temp.Combine("build"));
        Directory.CreateDirectory(temp.Combine("src"));
        var recorder = new Recorder();
        using var watcher = new InotifyWatcher(temp.Path, new IgnoreRules(temp.Path), TimeSpan.FromMilliseconds(20));
        watcher.Changed += recorder.OnChanged;
        watcher.Start();
        Assert.Equal(2, watcher.WatchedFolders); // root and src, not build

        File.WriteAllText(temp.Combine("build", "out.o"), "x");
        File.WriteAllText(temp.Combine("src", "main.c"), "x");
        await recorder.WaitFor(seen => seen.Contains("src/main.c")).DefaultTimeout();

        // Events arrive in order: had build/ been watched, its event would have come with or before src/main.c's.
        Assert.DoesNotContain(recorder.Seen, p => p.StartsWith("build", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WatchBudgetExhausted_WarnsOnceWithSysctlAndPollsTheRest()
    {
        using var temp = new TempDirectory();
        for (var i = 0; i < 5; i++)
        {
            Directory.CreateDirectory(temp.Combine($"d{i}"));
        }

        var warnings = new ConcurrentQueue<string>();
        var recorder = new Recorder();
        using var watcher = new InotifyWatcher(temp.Path, new IgnoreRules(temp.Path), TimeSpan.FromMilliseconds(20)) { WatchLimit = 3 };
        watcher.Warning += warnings.Enqueue;
        watcher.Changed += recorder.OnChanged;
        watcher.Start();

        Assert.Equal(3, watcher.WatchedFolders);
        Assert.Equal(3, watcher.PolledFolders);
        var warning = Assert.Single(warnings);
        Assert.Contains("sysctl fs.inotify.max_user_watches=", warning, StringComparison.Ordinal);

        // A change in an unwatched folder is still found, by polling that folder only.
        var unwatched = Enumerable.Range(0, 5).Select(i => $"d{i}").First(watcher.IsPolled);
        File.WriteAllText(temp.Combine(unwatched, "x.txt"), "x");
        await recorder.WaitFor(seen => seen.Contains(unwatched)).DefaultTimeout();
    }

    [Fact]
    public async Task Parse_QueueOverflow_ReportsWholeTreeAndWarns()
    {
        using var temp = new TempDirectory();
        var recorder = new Recorder();
        var warnings = new ConcurrentQueue<string>();
        using var watcher = new InotifyWatcher(temp.Path, new IgnoreRules(temp.Path), TimeSpan.FromMilliseconds(10));
        watcher.Changed += recorder.OnChanged;
        watcher.Warning += warnings.Enqueue;
        watcher.Start();

        // struct inotify_event { int wd = -1; uint mask = IN_Q_OVERFLOW; uint cookie; uint len = 0; }
        var overflow = new byte[16];
        BitConverter.TryWriteBytes(overflow.AsSpan(0), -1);
        BitConverter.TryWriteBytes(overflow.AsSpan(4), 0x4000u);
        watcher.Parse(overflow);

        await recorder.WaitFor(seen => seen.Contains("")).DefaultTimeout();
        Assert.Contains(warnings, w => w.Contains("overflowed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Changed_RootIsSymlinkToFolder_WatchedThroughIt()
    {
        using var temp = new TempDirectory();
        var real = Directory.CreateDirectory(temp.Combine("real")).FullName;
        var link = temp.Combine("link");
        Directory.CreateSymbolicLink(link, real);
        var recorder = new Recorder();
        using var watcher = TreeWatcher.Create(link, new IgnoreRules(link));
        watcher.Changed += recorder.OnChanged;
        watcher.Start();

        File.WriteAllText(Path.Combine(real, "a.txt"), "x");
        await recorder.WaitFor(seen => seen.Contains("a.txt")).DefaultTimeout();
    }
}
