using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Cli.Commands;

/// <summary>
/// <c>yakctl logs|exec|shell|attach|test</c>: byte streams through yakd. Each command asks the daemon to prepare
/// the stream on the main connection, then claims it on a side connection that carries frames (docs/streams.md).
/// </summary>
internal static partial class StreamCommands
{
    private const byte CtrlP = 0x10;
    private const byte CtrlQ = 0x11;

    public static void AddTo(Command root)
    {
        foreach (var command in (Command[])[Logs(), Exec(), Test(), Shell(), Attach()])
        {
            root.Subcommands.Add(command);
        }
    }

    private sealed record TargetOptions(
        Argument<string> Service,
        Option<string> Environment,
        Option<string> Namespace,
        Option<string> Selector,
        Option<string> Container,
        Option<FileInfo> Kubeconfig,
        Option<string> Context)
    {
        public static TargetOptions AddTo(Command command)
        {
            var options = new TargetOptions(
                new Argument<string>("service") { Description = "A service of the environment, or pod/NAME (with --namespace: a name for the selector app=NAME)." },
                new Option<string>("--env", "-e") { Description = "The environment (default: the only, or most recently updated, one)." },
                new Option<string>("--namespace", "-n") { Description = "Target pods directly in this namespace instead of an environment's service." },
                new Option<string>("--selector", "-l") { Description = "Target pods by label selector key=value[,…] (no environment needed)." },
                new Option<string>("--container", "-c") { Description = "The container (default: the service's app container, else the pod's first)." },
                new Option<FileInfo>("--kubeconfig") { Description = "Kubeconfig for direct targets (default: KUBECONFIG or ~/.kube/config)." },
                new Option<string>("--context") { Description = "Kubeconfig context for direct targets (default: its current one)." });
            command.Arguments.Add(options.Service);
            command.Options.Add(options.Environment);
            command.Options.Add(options.Namespace);
            command.Options.Add(options.Selector);
            command.Options.Add(options.Container);
            command.Options.Add(options.Kubeconfig);
            command.Options.Add(options.Context);
            return options;
        }

        public StreamTargetInfo Read(ParseResult parse)
        {
            var service = parse.GetValue(Service) ?? string.Empty;
            var pod = service.StartsWith("pod/", StringComparison.Ordinal) ? service[4..] : string.Empty;
            return new StreamTargetInfo
            {
                Environment = parse.GetValue(Environment) ?? string.Empty,
                Service = pod.Length > 0 ? string.Empty : service,
                Namespace = parse.GetValue(Namespace) ?? string.Empty,
                Selector = parse.GetValue(Selector) ?? string.Empty,
                Pod = pod,
                Container = parse.GetValue(Container) ?? string.Empty,
                Kubeconfig = parse.GetValue(Kubeconfig)?.FullName ?? System.Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator)[0] ?? string.Empty,
                Context = parse.GetValue(Context) ?? string.Empty,
            };
        }
    }

    private static Command Logs()
    {
        var command = new Command("logs", "Print the logs of every pod of a service (lines prefixed with pod/container when there are several pods).");
        var target = TargetOptions.AddTo(command);
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming, across container restarts and pod replacement." };
        var tail = new Option<int>("--tail") { Description = "Lines from the end of each pod's log (default: all).", DefaultValueFactory = _ => -1 };
        var since = new Option<string>("--since") { Description = "Only lines newer than this: 30s, 5m, 2h." };
        command.Options.Add(follow);
        command.Options.Add(tail);
        command.Options.Add(since);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var sinceSeconds = parse.GetValue(since) is { Length: > 0 } text ? ParseDuration(text) : 0;
            await using var client = await context.ConnectAsync(cancellationToken);
            var started = await client.StartLogsAsync(
                new LogsStartRequest { Target = target.Read(parse), Follow = parse.GetValue(follow), TailLines = parse.GetValue(tail), SinceSeconds = sinceSeconds },
                cancellationToken);
            await using var stream = await DaemonStream.OpenAsync(context.Endpoint.SocketPath, started.Token, cancellationToken);
            var pods = new HashSet<string>(started.Pods, StringComparer.Ordinal);
            var output = context.Output;
            try
            {
                var code = await stream.CopyOutputAsync(
                    Stream.Null,
                    Stream.Null,
                    line =>
                    {
                        pods.Add(line.Pod);
                        if (output.Json)
                        {
                            output.Out.WriteLine(JsonSerializer.Serialize(line, YakJson.Options));
                        }
                        else
                        {
                            output.Out.WriteLine(pods.Count > 1 ? $"[{line.Pod}/{line.Container}] {line.Line}" : line.Line);
                        }

                        output.Out.Flush();
                    },
                    error => output.Error.WriteLine($"yakctl: {error}"),
                    cancellationToken);
                return code == 0 ? CliExitCodes.Success : CliExitCodes.Failure;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return CliExitCodes.Success;
            }
        });
        return command;
    }

    private static Command Exec()
    {
        var command = new Command("exec", "Run a command in a pod of a service; stdin is piped when it is not a terminal, and the command's exit code is yakctl's.");
        var target = TargetOptions.AddTo(command);
        var tty = new Option<bool>("--tty", "-t") { Description = "Allocate a terminal (raw mode here, window size followed)." };
        var args = new Argument<string[]>("command") { Description = "The command and its arguments, after --.", Arity = ArgumentArity.OneOrMore };
        command.Options.Add(tty);
        command.Arguments.Add(args);
        command.SetAction((parse, cancellationToken) => RunExecAsync(parse, target, parse.GetValue(args)!, parse.GetValue(tty), inSyncRoot: false, cancellationToken));
        return command;
    }

    private static Command Test()
    {
        var command = new Command(
            "test",
            "Run a command (tests) in the service's app container, in the namespace beside its dependencies, in its synced code " +
            "(working directory: the first sync mapping's container path). It runs as an exec in the service's pod, not in a " +
            "fresh pod; stdin is piped when it is not a terminal and the exit code is yakctl's.");
        var target = TargetOptions.AddTo(command);
        var args = new Argument<string[]>("command") { Description = "The command and its arguments, after --.", Arity = ArgumentArity.OneOrMore };
        command.Arguments.Add(args);
        command.SetAction((parse, cancellationToken) => RunExecAsync(parse, target, parse.GetValue(args)!, tty: false, inSyncRoot: true, cancellationToken));
        return command;
    }

    private static Command Shell()
    {
        var command = new Command("shell", "An interactive shell (bash if there is one, else sh) in a pod of the service, with a real terminal.");
        var target = TargetOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunExecAsync(
            parse, target, ["sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi"], tty: true, inSyncRoot: false, cancellationToken));
        return command;
    }

    private static Command Attach()
    {
        var command = new Command("attach", "Attach to the main process of the service's container (its terminal when it has one). Ctrl-P Ctrl-Q detaches and leaves it running.");
        var target = TargetOptions.AddTo(command);
        var noTty = new Option<bool>("--no-tty") { Description = "The container has no terminal: plain stdout/stderr." };
        command.Options.Add(noTty);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var tty = !parse.GetValue(noTty);
            await using var client = await context.ConnectAsync(cancellationToken);
            var started = await client.StartAttachAsync(new AttachStartRequest { Target = target.Read(parse), Tty = tty, Stdin = true }, cancellationToken);
            await using var stream = await DaemonStream.OpenAsync(context.Endpoint.SocketPath, started.Token, cancellationToken);
            if (!Console.IsInputRedirected)
            {
                context.Output.Error.WriteLine($"attached to {started.Pod}/{started.Container}; Ctrl-P Ctrl-Q detaches");
            }

            return await RunInteractiveAsync(context, stream, tty, detachable: true, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunExecAsync(ParseResult parse, TargetOptions target, IReadOnlyList<string> command, bool tty, bool inSyncRoot, CancellationToken cancellationToken)
    {
        var context = CliApp.Context(parse);
        var pipeStdin = tty || Console.IsInputRedirected;
        await using var client = await context.ConnectAsync(cancellationToken);
        var started = await client.StartExecAsync(
            new ExecStartRequest { Target = target.Read(parse), Command = command, Tty = tty, Stdin = pipeStdin, InSyncRoot = inSyncRoot },
            cancellationToken);
        await using var stream = await DaemonStream.OpenAsync(context.Endpoint.SocketPath, started.Token, cancellationToken);
        if (tty)
        {
            return await RunInteractiveAsync(context, stream, tty: true, detachable: false, cancellationToken);
        }

        var input = pipeStdin ? PumpStdinAsync(stream, cancellationToken) : Task.CompletedTask;
        var code = await CopyAsync(context, stream, cancellationToken);
        _ = input;
        return code;
    }

    private static async Task PumpStdinAsync(DaemonStream stream, CancellationToken cancellationToken)
    {
        try
        {
            await using var stdin = Console.OpenStandardInput();
            await stream.PumpStdinAsync(stdin, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The command ended first, or the daemon went away: the output side reports that.
        }
    }

    /// <summary>Output frames to this process's stdout/stderr; the remote exit code, or 1 when there is none.</summary>
    private static async Task<int> CopyAsync(CliContext context, DaemonStream stream, CancellationToken cancellationToken)
    {
        await using var stdout = Writable(context.Output.Out);
        await using var stderr = Writable(context.Output.Error);
        var code = await stream.CopyOutputAsync(stdout, stderr, null, error => context.Output.Error.WriteLine($"yakctl: {error}"), cancellationToken);
        return code < 0 ? CliExitCodes.Failure : code;
    }

    /// <summary>A terminal session: raw mode, window size followed (SIGWINCH), and for attach the Ctrl-P Ctrl-Q detach.</summary>
    private static async Task<int> RunInteractiveAsync(CliContext context, DaemonStream stream, bool tty, bool detachable, CancellationToken cancellationToken)
    {
        using var detach = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var terminal = tty && !Console.IsInputRedirected && !Console.IsOutputRedirected;
        PosixSignalRegistration? winch = null;
        if (terminal)
        {
            // Console's terminal set-up (reading the size) comes before raw mode, so it does not undo it.
            await SendSizeAsync(stream, cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, signal => { _ = SendSizeAsync(stream, CancellationToken.None); });
            }
        }

        using var raw = terminal ? RawTerminal.Enter() : null;
        try
        {
            var input = Task.Run(() => PumpInteractiveAsync(stream, detachable, detach), CancellationToken.None);
            try
            {
                return await CopyAsync(context, stream, detach.Token);
            }
            catch (OperationCanceledException) when (detach.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                context.Output.Error.WriteLine(terminal ? "\r\ndetached" : "detached");
                return CliExitCodes.Success;
            }
            finally
            {
                _ = input;
            }
        }
        finally
        {
            winch?.Dispose();
        }
    }

    private static async Task PumpInteractiveAsync(DaemonStream stream, bool detachable, CancellationTokenSource detach)
    {
        try
        {
            // fd 0 itself: on a terminal Console.OpenStandardInput() reads through .NET's line reader, which echoes.
            await using var stdin = Console.IsInputRedirected
                ? Console.OpenStandardInput()
                : new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
            var buffer = new byte[4096];
            var sawCtrlP = false;
            int read;
            while ((read = await stdin.ReadAsync(buffer, detach.Token)) > 0)
            {
                var chunk = buffer.AsMemory(0, read);
                if (detachable)
                {
                    for (var i = 0; i < read; i++)
                    {
                        if (sawCtrlP && buffer[i] == CtrlQ)
                        {
                            await detach.CancelAsync();
                            return;
                        }

                        sawCtrlP = buffer[i] == CtrlP;
                    }
                }

                await stream.WriteStdinAsync(chunk, detach.Token);
            }

            await stream.CloseStdinAsync(detach.Token);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static async Task SendSizeAsync(DaemonStream stream, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ResizeAsync(Console.WindowWidth, Console.WindowHeight, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    /// <summary>The process's own stdout/stderr as raw bytes, or a text writer (in-process use) as a stream.</summary>
    private static Stream Writable(TextWriter writer) =>
        ReferenceEquals(writer, Console.Out) ? Console.OpenStandardOutput()
        : ReferenceEquals(writer, Console.Error) ? Console.OpenStandardError()
        : new TextWriterStream(writer);

    /// <summary>30s, 5m, 2h, 1d, or plain seconds.</summary>
    internal static long ParseDuration(string text)
    {
        var unit = text[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        var number = unit == 0 ? text : text[..^1];
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new CliException($"--since takes a duration like 30s, 5m or 2h (got '{text}').");
        }

        return value * (unit == 0 ? 1 : unit);
    }

    /// <summary>
    /// Raw mode on the terminal (stdin) through termios: <c>cfmakeraw</c> on the current settings, restored on
    /// dispose. Done in-process rather than with <c>stty raw -echo</c>, because .NET puts its own terminal settings
    /// back whenever a child process exits. The termios struct is handled as opaque bytes (its layout differs by OS).
    /// </summary>
    private sealed partial class RawTerminal : IDisposable
    {
        private const int StdinFd = 0;
        private const int TcsaNow = 0;
        private readonly byte[] saved;

        private RawTerminal(byte[] saved) => this.saved = saved;

        public static RawTerminal? Enter()
        {
            if (OperatingSystem.IsWindows())
            {
                return null;
            }

            var saved = new byte[512];
            if (TcGetAttr(StdinFd, saved) != 0)
            {
                return null;
            }

            var raw = (byte[])saved.Clone();
            CfMakeRaw(raw);
            return TcSetAttr(StdinFd, TcsaNow, raw) == 0 ? new RawTerminal(saved) : null;
        }

        public void Dispose() => _ = TcSetAttr(StdinFd, TcsaNow, saved);

        [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
        private static partial int TcGetAttr(int fd, [Out] byte[] termios);

        [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
        private static partial int TcSetAttr(int fd, int action, byte[] termios);

        [LibraryImport("libc", EntryPoint = "cfmakeraw")]
        private static partial void CfMakeRaw(byte[] termios);
    }

    /// <summary>Bytes written as UTF-8 text to a writer (in-process callers of the CLI).</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private readonly Decoder decoder = Encoding.UTF8.GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            var chars = new char[decoder.GetCharCount(buffer, offset, count)];
            decoder.GetChars(buffer, offset, count, chars, 0);
            writer.Write(chars);
        }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
