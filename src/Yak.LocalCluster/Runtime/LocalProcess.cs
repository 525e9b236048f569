using System.Diagnostics;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// A started process with its stdio: pipes, or a pseudo-terminal (stdin, stdout and stderr all on the pty, the pty
/// its controlling terminal via <c>setsid -c</c>) so that interactive shells, Ctrl-C and resize behave as in a real
/// container. Output is pushed to a callback as (stream, bytes); <see cref="Exited"/> completes with the exit code
/// (128+signal when killed) once the output is drained.
/// </summary>
public sealed class LocalProcess : IDisposable
{
    private static readonly TimeSpan DefaultDrainGrace = TimeSpan.FromSeconds(1);

    /// <summary>How long the tail of the output may take once no other process can write to the pipes any more.</summary>
    private static readonly TimeSpan LateReaderLimit = TimeSpan.FromSeconds(30);
    private readonly Process process;
    private readonly int ptyMaster = -1;
    private int ptySlave = -1;
    private volatile bool closing;
    private TimeSpan drainGrace = DefaultDrainGrace;

    private bool ownGroup;
    private LocalProcess(Process process, int ptyMaster, int ptySlave)
    {
        this.process = process;
        this.ptyMaster = ptyMaster;
        this.ptySlave = ptySlave;
    }

    public int Pid => process.Id;

    public bool Tty => ptyMaster >= 0;

    public Task<int> Exited { get; private set; } = Task.FromResult(0);

    public static LocalProcess Start(LaunchSpec spec, bool tty, Func<string, ReadOnlyMemory<byte>, ValueTask> onOutput) =>
        Start(spec, tty, onOutput, DefaultDrainGrace);

    /// <param name="drainGrace">How long, after the process ended, its output may still hold the pipes open (a background child's).</param>
    internal static LocalProcess Start(LaunchSpec spec, bool tty, Func<string, ReadOnlyMemory<byte>, ValueTask> onOutput, TimeSpan drainGrace)
    {
        var (master, slave) = tty ? LinuxNative.OpenPty() : (-1, -1);
        try
        {
            var argv = spec.Argv;
            if (tty)
            {
                var slavePath = File.ResolveLinkTarget($"/proc/self/fd/{slave}", false)?.FullName ?? throw new IOException("no pty name");
                argv = ["sh", "-c", "p=$1; shift; exec setsid -w -c \"$@\" <\"$p\" >\"$p\" 2>&1", "sh", slavePath, .. argv];
            }

            var psi = new ProcessStartInfo(argv[0])
            {
                RedirectStandardInput = !tty,
                RedirectStandardOutput = !tty,
                RedirectStandardError = !tty,
                UseShellExecute = false,
                WorkingDirectory = spec.WorkingDirectory ?? string.Empty,
            };
            foreach (var arg in argv.Skip(1))
            {
                psi.ArgumentList.Add(arg);
            }

            psi.Environment.Clear();
            foreach (var (key, value) in spec.Environment)
            {
                psi.Environment[key] = value;
            }

            var started = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {argv[0]}");
            var result = new LocalProcess(started, master, slave) { ownGroup = spec.OwnProcessGroup && !tty, drainGrace = drainGrace };
            result.Exited = tty ? result.RunPtyAsync(onOutput) : result.RunPipesAsync(onOutput);
            return result;
        }
        catch
        {
            LinuxNative.Close(master);
            LinuxNative.Close(slave);
            throw;
        }
    }

    public async Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (Tty)
        {
            if (closing)
            {
                return;
            }

            var copy = data.ToArray();
            await Task.Run(() => LinuxNative.WriteAll(ptyMaster, copy), cancellationToken).ConfigureAwait(false);
            return;
        }

        var stdin = process.StandardInput.BaseStream;
        await stdin.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>End of input: closes the stdin pipe, or sends the terminal's EOF character (Ctrl-D) on a pty.</summary>
    public void CloseStdin()
    {
        try
        {
            if (Tty)
            {
                if (!closing)
                {
                    LinuxNative.WriteAll(ptyMaster, [4]);
                }
            }
            else
            {
                process.StandardInput.Close();
            }
        }
        catch (IOException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Resize(int width, int height)
    {
        if (Tty && !closing)
        {
            LinuxNative.Resize(ptyMaster, width, height);
        }
    }

    /// <summary>Signals the process, and its whole group when it leads one of its own (children it left behind too).</summary>
    public bool Signal(int signal)
    {
        var id = process.Id;
        var groupSignalled = ownGroup && LinuxNative.SignalGroup(id, signal);
        return (!HasExited && LinuxNative.Signal(id, signal)) || groupSignalled;
    }

    public bool HasExited
    {
        get
        {
            try
            {
                return process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public void Dispose()
    {
        closing = true;
        Signal(LinuxNative.SigKill);
        if (!Tty)
        {
            // Process.Dispose leaves redirected streams that were handed out to whoever took them (here: us), so
            // without this each run's pipes stayed open until a finalizer happened to run.
            CloseQuietly(process.StandardInput);
            CloseQuietly(process.StandardOutput);
            CloseQuietly(process.StandardError);
        }

        process.Dispose();
    }

    private static void CloseQuietly(IDisposable stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // A broken stdin pipe cannot flush; it is closed all the same.
        }
    }

    private async Task<int> RunPipesAsync(Func<string, ReadOnlyMemory<byte>, ValueTask> onOutput)
    {
        var pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, "stdout", onOutput),
            PumpAsync(process.StandardError.BaseStream, "stderr", onOutput));
        var pipes = PipeNames(process.StandardOutput.BaseStream, process.StandardError.BaseStream);
        await process.WaitForExitAsync().ConfigureAwait(false);
        // A background child may keep the pipes open; its parent's exit still ends the run. But when no other process
        // holds a write end, the end of the output is certain and only our reading is late (a busy thread pool): the
        // tail must not be cut (an exec whose last line was lost made the agent's install probe see no agent).
        if (await Task.WhenAny(pumps, Task.Delay(drainGrace)).ConfigureAwait(false) != pumps && !AnotherProcessHolds(pipes))
        {
            await Task.WhenAny(pumps, Task.Delay(LateReaderLimit)).ConfigureAwait(false);
        }

        return process.ExitCode;
    }

    /// <summary>The kernel's names of the pipes behind the streams (<c>pipe:[inode]</c>), as /proc shows them in fd links.</summary>
    private static HashSet<string> PipeNames(params Stream[] streams)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stream in streams)
        {
            if (stream is System.IO.Pipes.PipeStream pipe
                && new FileInfo($"/proc/self/fd/{pipe.SafePipeHandle.DangerousGetHandle()}").LinkTarget is { } name)
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>Whether any process but this one has one of <paramref name="pipes"/> open (/proc/PID/fd). Unknown pipes count as held.</summary>
    private static bool AnotherProcessHolds(HashSet<string> pipes)
    {
        if (pipes.Count == 0)
        {
            return true;
        }

        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var processDir in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(processDir);
            if (pid == self || pid.Length == 0 || !char.IsAsciiDigit(pid[0]))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(processDir, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && pipes.Contains(target))
                    {
                        return true;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Ended meanwhile, or another user's: neither can hold a pipe this process made for its child.
            }
        }

        return false;
    }

    private static async Task PumpAsync(Stream stream, string name, Func<string, ReadOnlyMemory<byte>, ValueTask> onOutput)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                await onOutput(name, buffer.AsMemory(0, n)).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (OperationCanceledException)
        {
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
        }

        // Whoever stopped reading, the process must not block on a full pipe: drain the rest.
        try
        {
            await stream.CopyToAsync(Stream.Null).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
    }

    private async Task<int> RunPtyAsync(Func<string, ReadOnlyMemory<byte>, ValueTask> onOutput)
    {
        var readerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                ReadPty(onOutput);
            }
            finally
            {
                readerDone.TrySetResult();
            }
        })
        { IsBackground = true, Name = "yak-pty" };
        thread.Start();
        await process.WaitForExitAsync().ConfigureAwait(false);
        // Our copy of the slave kept the pty alive until now; without it the master reads the rest, then EIO.
        LinuxNative.Close(Interlocked.Exchange(ref ptySlave, -1));
        await Task.WhenAny(readerDone.Task, Task.Delay(drainGrace)).ConfigureAwait(false);
        closing = true;
        await readerDone.Task.ConfigureAwait(false);
        LinuxNative.Close(ptyMaster);
        return process.ExitCode;
    }

    private void ReadPty(Func<string, ReadOnlyMemory<byte>, ValueTask> onOutput)
    {
        var buffer = new byte[16 * 1024];
        while (!closing)
        {
            if (!LinuxNative.WaitReadable(ptyMaster, 100))
            {
                continue;
            }

            var n = LinuxNative.Read(ptyMaster, buffer);
            if (n <= 0)
            {
                return;
            }

            try
            {
                // A dedicated thread: waiting here is the back-pressure of a slow reader.
                onOutput("stdout", buffer.AsMemory(0, n)).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // The reader went away; keep draining so the process never blocks on a full pty.
            }
        }
    }
}
