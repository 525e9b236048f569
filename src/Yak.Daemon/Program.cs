using Microsoft.Extensions.Hosting;
using Yak.Daemon.Hosting;
using Yak.Daemon.Ipc;
using Yak.Daemon.Native;
using Yak.Protocol.Errors;
using Yak.Protocol.Transport;

StartupTrace.Mark("main");

// yakd [--foreground|--background]
//   --foreground  log to the console as well as the file (default when stdout is a terminal)
//   --background  never log to the console (how yakctl spawns it)
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("yakd: the yak daemon. Usually started by 'yakctl' or systemd/launchd; see 'yakctl daemon --help'.");
    Console.WriteLine("usage: yakd [--foreground|--background] [--version]");
    return ExitCodes.Success;
}

if (args.Contains("--version"))
{
    Console.WriteLine(DaemonInfo.Version);
    return ExitCodes.Success;
}

var unknown = args.Where(a => a is not ("--foreground" or "--background")).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"yakd: unknown argument(s): {string.Join(' ', unknown)}");
    return ExitCodes.Usage;
}

if (!OperatingSystem.IsWindows())
{
    // Everything yakd writes (state, logs, the socket folder) is for this user only.
    Libc.umask(0b_000_111_111);
}

var endpoint = DaemonEndpoint.Resolve();
SingleInstanceLock instanceLock;
try
{
    PrivateFiles.CreateDirectory(endpoint.StateDirectory);
    PrivateFiles.CreateDirectory(endpoint.LogDirectory);
    if (!OperatingSystem.IsWindows())
    {
        UnixSocketListener.PrepareDirectory(endpoint);
    }

    // Before the log opens: its file then has one writer (RollingLogFile takes no cross-process lock). What fails here is
    // told on stderr, which yakctl's launcher keeps in yakd-start.log and systemd in the journal.
    instanceLock = SingleInstanceLock.Acquire(endpoint.LockFilePath);
}
catch (DaemonStartupException ex)
{
    Console.Error.WriteLine(DaemonStartupException.Describe(ex.Message, ex.Error));
    return ex.ExitCode;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine(DaemonStartupException.Describe($"could not start: {ex.Message}", YakErrors.DaemonStartFailed));
    return ExitCodes.Failure;
}

using (instanceLock)
{
    // StreamJsonRpc's first use on the second core while this thread opens the log and builds the host.
    RpcWarmup.Start();
    var console = args.Contains("--foreground") || (!args.Contains("--background") && !Console.IsOutputRedirected);
    using var serilog = DaemonLogging.Create(endpoint, console, out var logOpened);
    StartupTrace.Mark("logging created");
    try
    {
        using var host = DaemonHost.Build(endpoint, serilog, logOpened, args);
        StartupTrace.Mark("host built");
        await host.RunAsync().ConfigureAwait(false);
        return ExitCodes.Success;
    }
    catch (DaemonStartupException ex)
    {
        serilog.Error("{Code} {Message}", ex.Error.Code, ex.Message);
        Console.Error.WriteLine(DaemonStartupException.Describe(ex.Message, ex.Error));
        return ex.ExitCode;
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
    {
        serilog.Fatal(ex, "{Code} yakd could not start", YakErrors.DaemonStartFailed.Code);
        Console.Error.WriteLine(DaemonStartupException.Describe($"could not start: {ex.Message}", YakErrors.DaemonStartFailed));
        return ExitCodes.Failure;
    }
}
