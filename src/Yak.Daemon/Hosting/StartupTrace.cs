using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Yak.Daemon.Hosting;

/// <summary>
/// <c>YAK_STARTUP_TRACE=1</c>: each start-up phase printed to stderr as milliseconds since the process started
/// (Main, logging, host built, each hosted service started, listening, first client, first answer) — how the
/// start's time was found and how a regression is found again. Off: one bool read per mark.
/// </summary>
internal static class StartupTrace
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("YAK_STARTUP_TRACE") is "1";
    private static readonly DateTime ProcessStart = Enabled ? Process.GetCurrentProcess().StartTime.ToUniversalTime() : default;
    private static int firstAnswerMarked;

    public static void Mark(string phase)
    {
        if (Enabled)
        {
            // The JIT's share: what ReadyToRun did not precompile, compiled on some thread before this mark.
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            Console.Error.WriteLine(
                $"yakd startup {(DateTime.UtcNow - ProcessStart).TotalMilliseconds,7:F1} ms  {phase}  (jit: {System.Runtime.JitInfo.GetCompiledMethodCount()} methods, {jit.TotalMilliseconds:F1} ms)");
        }
    }

    /// <summary>Marks only the first call: the first answer sent to any client.</summary>
    public static void MarkFirstAnswer(string method)
    {
        if (Enabled && Interlocked.Exchange(ref firstAnswerMarked, 1) == 0)
        {
            Mark($"first answer ({method})");
        }
    }

    /// <summary>A hosted service; traced, its start is marked when it returns (the host starts them one after another).</summary>
    public static void AddHostedService<T>(IServiceCollection services, Func<IServiceProvider, T> factory)
        where T : class, IHostedService
    {
        if (Enabled)
        {
            // One wrapper type per service: AddHostedService keeps one registration per implementation type.
            services.AddHostedService(sp => new Traced<T>(factory(sp)));
        }
        else
        {
            services.AddHostedService(factory);
        }
    }

    private sealed class Traced<T>(T inner) : IHostedService
        where T : class, IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await inner.StartAsync(cancellationToken).ConfigureAwait(false);
            Mark($"{typeof(T).Name} started");
        }

        public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);
    }
}
