using System.Reflection;
using Yak.Agent;
using Yak.Sync.Wire;

// yak-agent: the sidecar's receiver. stdout carries only protocol frames; every human word goes to stderr.
var version = typeof(AgentServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
version = version.Split('+')[0];

if (args.Length == 1 && args[0] is "--version" or "version")
{
    Console.WriteLine($"yak-agent {version} (sync protocol {ProtocolInfo.Version})");
    return 0;
}

if (args.Length >= 1 && args[0] == "serve")
{
    string? root = null;
    var stdio = false;
    var fsync = false;
    string? cache = null;
    var noCache = false;
    for (var i = 1; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--root" when i + 1 < args.Length:
                root = args[++i];
                break;
            case "--stdio":
                stdio = true;
                break;
            case "--fsync":
                fsync = true;
                break;
            case "--no-fsync":
                break; // the default since the replica stopped paying one fsync per file; still accepted
            case "--cache" when i + 1 < args.Length:
                cache = args[++i];
                break;
            case "--no-cache":
                noCache = true;
                break;
            default:
                return Usage($"unknown argument '{args[i]}'");
        }
    }

    if (root is null || !stdio)
    {
        return Usage("serve needs --root DIR and --stdio");
    }

    Directory.CreateDirectory(root);
    Yak.Sync.Link.PipeCapacity.TryGrow(0); // stdin is the link: room for ~100 files while a batch is published
    using var input = new InlineStream(Console.OpenStandardInput());
    using var output = new InlineStream(Console.OpenStandardOutput());
    var server = new AgentServer(root, input, output, Console.Error, version)
    {
        Durable = fsync,
        CachePath = noCache ? null : cache ?? AgentServer.DefaultCachePath(root),
    };
    return await server.RunAsync(CancellationToken.None);
}

if (args.Length >= 1 && args[0] == "sidecar")
{
    // The sync sidecar's main process: keeps the container alive (and its volume mounted) while the daemon execs
    // `serve` sessions into it. It holds no state, so a restart of the app container never touches sync.
    if (args.Length != 3 || args[1] != "--root")
    {
        return Usage("sidecar needs --root DIR");
    }

    Directory.CreateDirectory(args[2]);
    using var stop = new CancellationTokenSource();
    using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });
    using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });
    Console.Error.WriteLine($"yak-agent {version}: sidecar ready, root {Path.GetFullPath(args[2])}");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }

    return 0;
}

return Usage(args.Length == 0 ? "missing command" : $"unknown command '{args[0]}'");

static int Usage(string problem)
{
    Console.Error.WriteLine($"yak-agent: {problem}");
    Console.Error.WriteLine("usage: yak-agent serve --root DIR --stdio [--cache FILE | --no-cache] [--fsync]");
    Console.Error.WriteLine("       yak-agent sidecar --root DIR   (the sync sidecar's long-lived process; stops on SIGTERM)");
    Console.Error.WriteLine("  --cache FILE  scan cache (default $XDG_CACHE_HOME/yak-agent/<hash of root>.scan)");
    Console.Error.WriteLine("  --fsync       fsync each file before its rename (default: rename only, as rsync and Mutagen do)");
    Console.Error.WriteLine("       yak-agent --version");
    return 2;
}
