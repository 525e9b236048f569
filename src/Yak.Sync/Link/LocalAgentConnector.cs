using System.Diagnostics;

namespace Yak.Sync.Link;

/// <summary>
/// Runs <c>yak-agent serve --root DIR --stdio</c> as a local child process: the <c>local:DIR</c> endpoint, usable with
/// no cluster. The agent is found through YAK_AGENT_PATH, else beside this assembly: the native build for this machine
/// (agents/linux-&lt;arch&gt;/yak-agent, the NativeAOT executable yakd installs into pods), else yak-agent.dll run with the
/// current dotnet host, else the yak-agent apphost.
/// </summary>
public sealed class LocalAgentConnector(string remoteRoot, string? agentPath = null, Action<string>? log = null) : IAgentConnector
{
    public const string AgentPathVariable = "YAK_AGENT_PATH";

    public string RemoteRoot { get; } = Path.GetFullPath(remoteRoot);

    /// <summary>
    /// Where the agent keeps its scan cache (passed as --cache); the daemon puts it in the session's state folder.
    /// Null leaves the agent's default ($XDG_CACHE_HOME/yak-agent).
    /// </summary>
    public string? AgentCachePath { get; init; }

    /// <summary>Extra arguments for the agent (e.g. "--no-fsync" for throwaway replicas).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Off by default: the agent is on this machine, a pipe away (see <see cref="IAgentConnector.Compress"/>).</summary>
    public bool Compress { get; init; }

    public string Description => $"local:{RemoteRoot}";

    /// <summary>The last agent process started (tests kill it to simulate a dropped link).</summary>
    public Process? LastProcess { get; private set; }

    public Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (fileName, prefix) = Locate(agentPath);
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var cache = AgentCachePath is null ? [] : new[] { "--cache", AgentCachePath };
        foreach (var argument in prefix.Concat(["serve", "--root", RemoteRoot, "--stdio"]).Concat(cache).Concat(ExtraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new IOException($"could not start {fileName}");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                log?.Invoke(line);
            }
        };
        process.BeginErrorReadLine();
        LastProcess = process;
        return Task.FromResult<Stream>(new ProcessStream(process));
    }

    /// <summary>Returns the executable to run and the arguments that precede the agent's own.</summary>
    public static (string FileName, string[] Prefix) Locate(string? explicitPath = null)
    {
        var path = explicitPath ?? Environment.GetEnvironmentVariable(AgentPathVariable);
        if (string.IsNullOrEmpty(path))
        {
            // The native agent first: a JIT'd agent spends about a fifth of a first sync's agent CPU compiling itself
            // (perf: libclrjit + the tiered-compilation thread), and a fresh agent starts with every connection.
            var native = NativeBuild(AppContext.BaseDirectory);
            var dll = Path.Combine(AppContext.BaseDirectory, "yak-agent.dll");
            var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "yak-agent.exe" : "yak-agent");
            path = native is not null ? native : File.Exists(dll) ? dll : File.Exists(apphost) ? apphost
                : throw new FileNotFoundException($"yak-agent not found beside {AppContext.BaseDirectory}; set {AgentPathVariable}");
        }

        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return (DotnetHost(), [path]);
        }

        return (path, []);
    }

    /// <summary>agents/linux-amd64|linux-arm64/yak-agent under <paramref name="directory"/> when it is there for this machine; else null.</summary>
    internal static string? NativeBuild(string directory)
    {
        var arch = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            _ => null,
        };
        if (!OperatingSystem.IsLinux() || arch is null)
        {
            return null;
        }

        var path = Path.Combine(directory, "agents", $"linux-{arch}", "yak-agent");
        return File.Exists(path) ? path : null;
    }

    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        var name = current is null ? "" : Path.GetFileNameWithoutExtension(current);
        return name.Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? current! : "dotnet";
    }
}
