using System.Runtime.InteropServices;

namespace Yak.Cli.Terminal;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM cancel the running command, and yakctl then exits 130 or 143 as a shell expects.
/// yakctl owns these signals alone (System.CommandLine's own handler is off): two handlers racing to cancel one
/// command were what left an ObjectDisposedException behind. A second signal takes its default action at once.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    private readonly CancellationTokenSource cancel = new();
    private readonly List<PosixSignalRegistration> registrations = [];
    private int signal;

    public CancellationToken Token => cancel.Token;

    /// <summary>True once a termination signal arrived.</summary>
    public bool Requested => Volatile.Read(ref signal) != 0;

    /// <summary>128 + the signal's number (130 for Ctrl+C, 143 for SIGTERM): what a shell reports for a process it ended.</summary>
    public int ExitCode => 128 + Volatile.Read(ref signal);

    /// <summary>Starts handling SIGINT and SIGTERM for this process.</summary>
    public static TerminationSignals Listen()
    {
        var signals = new TerminationSignals();
        if (!OperatingSystem.IsAndroid() && !OperatingSystem.IsIOS() && !OperatingSystem.IsBrowser())
        {
            signals.registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, signals.OnSignal));
            signals.registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, signals.OnSignal));
        }

        return signals;
    }

    /// <summary>Signals handled without a process-wide registration (in-process callers and tests).</summary>
    public static TerminationSignals None() => new();

    /// <summary>Cancels as if <paramref name="posixSignal"/> had arrived; false when one already did.</summary>
    public bool Raise(PosixSignal posixSignal)
    {
        if (Interlocked.CompareExchange(ref signal, posixSignal == PosixSignal.SIGINT ? SigInt : SigTerm, 0) != 0)
        {
            return false;
        }

        // Callbacks run on the thread pool, never on the signal thread: a throwing callback must not end the process.
        _ = cancel.CancelAsync();
        return true;
    }

    public void Dispose()
    {
        // The token source is not disposed: a signal may still arrive while the process winds down.
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // First signal: cancel and keep running to clean up (terminal settings, streams). Second: default action.
        context.Cancel = Raise(context.Signal);
    }
}
