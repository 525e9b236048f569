using Microsoft.Extensions.Logging;
using Yak.Daemon.Hosting;
using Yak.Testing;

namespace Yak.Daemon.Tests.Hosting;

public sealed class ShutdownWaitTests
{
    [Fact]
    public async Task AllAsync_OneNeverCloses_ReturnsAtTheTokenAndLogsHowMany()
    {
        var logger = new Recorder();
        var never = new TaskCompletionSource();
        using var timeout = new CancellationTokenSource();
        var waiting = ShutdownWait.AllAsync([Task.CompletedTask, never.Task], "sync session(s)", logger, timeout.Token);
        Assert.False(waiting.IsCompleted);

        await timeout.CancelAsync();
        await waiting.DefaultTimeout();

        var warning = Assert.Single(logger.Lines);
        Assert.Equal((LogLevel.Warning, 1004), (warning.Level, warning.Id));
        Assert.StartsWith("1 sync session(s) had not stopped", warning.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllAsync_AllClose_LogsNothing()
    {
        var logger = new Recorder();
        var later = new TaskCompletionSource();
        var waiting = ShutdownWait.AllAsync([later.Task], "forward(s)", logger, CancellationToken.None);

        later.SetResult();
        await waiting.DefaultTimeout();

        Assert.Empty(logger.Lines);
    }

    [Fact]
    public async Task AllAsync_OneFails_ThrowsItsException()
    {
        var logger = new Recorder();

        var thrown = await Assert.ThrowsAsync<IOException>(() =>
            ShutdownWait.AllAsync([Task.FromException(new IOException("manifest not saved"))], "environment(s)", logger, CancellationToken.None)).DefaultTimeout();

        Assert.Equal("manifest not saved", thrown.Message);
        Assert.Empty(logger.Lines);
    }

    private sealed class Recorder : ILogger
    {
        public List<(LogLevel Level, int Id, string Text)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, eventId.Id, formatter(state, exception)));
    }
}
