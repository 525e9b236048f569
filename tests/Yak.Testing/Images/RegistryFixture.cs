using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Yak.Testing.Images;

/// <summary>
/// A private container registry for one test: Debian's <c>docker-registry</c> (distribution v2) on 127.0.0.1 at a
/// free port, storing into a temp folder, no auth, plain HTTP (loopback registries are insecure-allowed). Images
/// built with <see cref="OciImageBuilder"/> are pushed with <c>skopeo copy</c>, as a CI job would push them.
/// Needs the Debian packages <c>docker-registry</c> and <c>skopeo</c> (and <c>busybox-static</c> for busybox images).
/// </summary>
public sealed class RegistryFixture : IAsyncDisposable
{
    private readonly TempDirectory folder;
    private readonly Process process;
    private readonly RegistryTokenServer? tokens;

    private RegistryFixture(TempDirectory folder, Process process, int port, RegistryTokenServer? tokens, RegistryLogin? login)
    {
        this.folder = folder;
        this.process = process;
        this.tokens = tokens;
        Port = port;
        Login = login;
    }

    /// <summary>The login the registry requires (token auth), or null when it is open.</summary>
    public RegistryLogin? Login { get; }

    /// <summary>The token service when the registry requires a login.</summary>
    public RegistryTokenServer? Tokens => tokens;

    public int Port { get; }

    /// <summary>The registry's host as it appears in image references, e.g. <c>127.0.0.1:41234</c>.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>A full image reference in this registry: <c>127.0.0.1:PORT/name:tag</c>.</summary>
    public string Reference(string nameAndTag) => $"{Host}/{nameAndTag}";

    /// <summary>
    /// Starts the registry and returns once it listens (its "listening on" log line, not a poll). With a
    /// <paramref name="login"/> it requires Docker's token auth: clients get a Bearer challenge pointing at a
    /// <see cref="RegistryTokenServer"/> that hands out tokens for that login only.
    /// </summary>
    public static async Task<RegistryFixture> StartAsync(RegistryLogin? login = null)
    {
        var folder = new TempDirectory("yak-reg-");
        var port = FreePort();
        var config = folder.Combine("config.yml");
        var tokens = login is null ? null : new RegistryTokenServer(login, folder.Combine("token.pem"));
        var auth = tokens is null ? string.Empty : $"""

            auth:
              token:
                realm: {tokens.Realm}
                service: {RegistryTokenServer.Service}
                issuer: {RegistryTokenServer.Issuer}
                rootcertbundle: {folder.Combine("token.pem")}
            """;
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {folder.Combine("storage")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """ + auth);
        var info = ProcessRunner.StartInfo("docker-registry", ["serve", config]);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data.Contains("listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"docker-registry exited:\n{output}"));
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            tokens?.Dispose();
            folder.Dispose();
            throw new InvalidOperationException("docker-registry is not installed (apt-get install docker-registry)", ex);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new RegistryFixture(folder, process, port, tokens, login);
        try
        {
            await listening.Task.DefaultTimeout();
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }

        return registry;
    }

    /// <summary>
    /// Pushes an image to <c>name:tag</c> here with <c>skopeo copy</c>; returns the pushed manifest's digest.
    /// <paramref name="dockerV2"/> converts it to Docker v2 schema 2 media types on the way, as <c>docker push</c> writes them.
    /// </summary>
    public async Task<string> PushAsync(OciImageBuilder image, string nameAndTag, bool dockerV2 = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var layout = new TempDirectory("yak-oci-");
        image.WriteLayout(layout.Path, "push");
        return await CopyAsync(layout.Path, nameAndTag, all: false, dockerV2);
    }

    /// <summary>Pushes a multi-platform image (an OCI index over one manifest per builder); returns the index's digest.</summary>
    public async Task<string> PushMultiPlatformAsync(string nameAndTag, params OciImageBuilder[] platforms)
    {
        using var layout = new TempDirectory("yak-oci-");
        OciImageBuilder.WriteMultiPlatformLayout(layout.Path, "push", platforms);
        return await CopyAsync(layout.Path, nameAndTag, all: true, dockerV2: false);
    }

    private async Task<string> CopyAsync(string layout, string nameAndTag, bool all, bool dockerV2)
    {
        var digestFile = Path.Combine(layout, "pushed.digest");
        List<string> args = ["copy", "--quiet", "--dest-tls-verify=false", "--digestfile", digestFile];
        if (all)
        {
            args.Add("--all");
        }

        if (Login is { } login)
        {
            args.AddRange(["--dest-creds", $"{login.Username}:{login.Password}"]);
        }

        if (dockerV2)
        {
            args.AddRange(["--format", "v2s2"]);
        }

        args.AddRange([$"oci:{layout}:push", $"docker://{Reference(nameAndTag)}"]);
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("skopeo", args));
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("skopeo is not installed (apt-get install skopeo)", ex);
        }

        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"skopeo copy to {Reference(nameAndTag)} failed: {result}");
        }

        return (await File.ReadAllTextAsync(digestFile)).Trim();
    }

    /// <summary>A port free on 127.0.0.1 right now (the registry binds it a moment later).</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().DefaultTimeout();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        finally
        {
            tokens?.Dispose();
            process.Dispose();
            folder.Dispose();
        }
    }
}
