using System.Diagnostics;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Support;

/// <summary>Runs the real kubectl (PATH, or a versioned binary beside it) against a kubeconfig. Fails clearly when kubectl is missing.</summary>
internal sealed class Kubectl
{
    private Kubectl(string path, string kubeconfig)
    {
        Path = path;
        KubeconfigPath = kubeconfig;
    }

    public string Path { get; }

    public string KubeconfigPath { get; }

    /// <summary>kubectl from PATH, or a versioned sibling such as <c>kubectl.1.31</c> when <paramref name="version"/> is given.</summary>
    public static Kubectl For(string kubeconfig, string? version = null)
    {
        var onPath = FindOnPath() ?? throw new InvalidOperationException(
            "kubectl is not on PATH: the conformance tests drive the real kubectl and cannot run without it. Install kubectl (v1.31+) and re-run.");
        if (version is null)
        {
            return new Kubectl(onPath, kubeconfig);
        }

        var sibling = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(onPath)!, $"kubectl.{version}");
        return File.Exists(sibling)
            ? new Kubectl(sibling, kubeconfig)
            : throw new InvalidOperationException($"{sibling} is missing: the versioned kubectl binaries are expected beside kubectl on PATH.");
    }

    /// <summary>The versions of the kubectl binaries found beside kubectl on PATH (e.g. 1.31, 1.32, 1.33).</summary>
    public static IReadOnlyList<string> VersionsBesidePath()
    {
        var onPath = FindOnPath();
        if (onPath is null)
        {
            return [];
        }

        return Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(onPath)!, "kubectl.1.*")
            .Select(f => System.IO.Path.GetFileName(f)["kubectl.".Length..])
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>kubectl on PATH with symlinks resolved (the versioned binaries sit beside the real file, e.g. in the Cloud SDK's bin).</summary>
    private static string? FindOnPath()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Select(dir => System.IO.Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists);
        return found is null ? null : new FileInfo(found).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? found;
    }

    public async Task<ProcessResult> RunAsync(params string[] args) => await RunWithStdinAsync(null, args);

    public async Task<ProcessResult> RunWithStdinAsync(string? stdin, params string[] args)
    {
        var info = StartInfo(args);
        if (stdin is null)
        {
            return await ProcessRunner.RunAsync(info).DefaultTimeout();
        }

        using var process = new Process { StartInfo = info };
        process.Start();
        await process.StandardInput.WriteAsync(stdin).DefaultTimeout();
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().DefaultTimeout();
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(process.ExitCode, await stdout.DefaultTimeout(), await stderr.DefaultTimeout());
    }

    /// <summary>Runs kubectl and fails the test with its output when it exits non-zero.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {result}");
        return result.StandardOutput;
    }

    public ProcessStartInfo StartInfo(IEnumerable<string> args) =>
        ProcessRunner.StartInfo(Path, args, new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = KubeconfigPath,
            ["HOME"] = System.IO.Path.GetDirectoryName(KubeconfigPath),
            ["KUBECACHEDIR"] = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(KubeconfigPath)!, "kube-cache"),
        });
}
