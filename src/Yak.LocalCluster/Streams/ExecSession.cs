using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Streams;

/// <summary>
/// One exec or attach over the channel protocol (<c>v5.channel.k8s.io</c>, <c>v4.channel.k8s.io</c>,
/// <c>channel.k8s.io</c> or none): stdin on 0, stdout 1, stderr 2, status 3, resize 4, and in v5 the close signal
/// 255. An empty message on the lowest output channel announces the session (as the kubelet does); the exit is a
/// metav1.Status on channel 3 (v4+: always, JSON; older: only the message on failure); then a normal close.
/// </summary>
internal sealed class ExecSession(ChannelSocket socket, string? protocol, ExecFlags flags)
{
    public const byte StdinChannel = 0;
    public const byte StdoutChannel = 1;
    public const byte StderrChannel = 2;
    public const byte ErrorChannel = 3;
    public const byte ResizeChannel = 4;
    public const byte CloseChannel = 255;

    private bool IsV5 => protocol == "v5.channel.k8s.io";

    private bool JsonStatus => protocol is "v4.channel.k8s.io" or "v5.channel.k8s.io";

    /// <summary>Output of the process to the client, per the requested streams (a tty has only stdout).</summary>
    public async ValueTask ForwardOutputAsync(string stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var channel = stream == "stderr" && !flags.Tty ? StderrChannel : StdoutChannel;
        if ((channel == StdoutChannel && !flags.Stdout) || (channel == StderrChannel && !flags.Stderr))
        {
            return;
        }

        await socket.SendAsync(channel, data, cancellationToken).ConfigureAwait(false);
    }

    public Task AnnounceAsync(CancellationToken cancellationToken) =>
        socket.SendAsync(flags.Stdout ? StdoutChannel : flags.Stderr ? StderrChannel : ErrorChannel, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>Client messages until the client closes: stdin, resize, v5 close of stdin. Pings are answered meanwhile.</summary>
    public async Task ReceiveAsync(LocalProcess process, bool stdinOpen, CancellationToken cancellationToken)
    {
        while (true)
        {
            byte[]? message;
            try
            {
                message = await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
                return;
            }

            if (message is null)
            {
                return;
            }

            if (message.Length == 0)
            {
                continue;
            }

            switch (message[0])
            {
                case StdinChannel when stdinOpen && message.Length > 1:
                    try
                    {
                        await process.WriteStdinAsync(message.AsMemory(1), cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException)
                    {
                        stdinOpen = false;
                    }

                    break;
                case ResizeChannel:
                    ApplyResize(process, message.AsSpan(1));
                    break;
                case CloseChannel when IsV5 && message.Length == 2 && message[1] == StdinChannel && stdinOpen:
                    process.CloseStdin();
                    stdinOpen = false;
                    break;
            }
        }
    }

    private static void ApplyResize(LocalProcess process, ReadOnlySpan<byte> json)
    {
        // One JSON object per event, possibly several in one message: {"Width":80,"Height":24}\n
        foreach (var line in Encoding.UTF8.GetString(json).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                var size = JsonNode.Parse(line);
                var width = size?["Width"]?.GetValue<int>() ?? size?["width"]?.GetValue<int>() ?? 0;
                var height = size?["Height"]?.GetValue<int>() ?? size?["height"]?.GetValue<int>() ?? 0;
                if (width > 0 && height > 0)
                {
                    process.Resize(width, height);
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
            }
        }
    }

    /// <summary>The exit on channel 3, then a normal close.</summary>
    public async Task FinishAsync(int exitCode, string? error, CancellationToken cancellationToken)
    {
        var payload = StatusPayload(exitCode, error);
        if (payload is not null)
        {
            await socket.SendAsync(ErrorChannel, payload, cancellationToken).ConfigureAwait(false);
        }

        await socket.CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    private byte[]? StatusPayload(int exitCode, string? error)
    {
        if (error is null && exitCode == 0)
        {
            return JsonStatus ? Encoding.UTF8.GetBytes("""{"metadata":{},"status":"Success"}""") : null;
        }

        var code = Math.Clamp(exitCode, 0, 255).ToString(CultureInfo.InvariantCulture);
        var message = error ?? $"command terminated with non-zero exit code: error executing command [{string.Join(' ', flags.Command)}], exit code {code}";
        if (!JsonStatus)
        {
            return Encoding.UTF8.GetBytes(message);
        }

        var status = new JsonObject
        {
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
        };
        if (error is null)
        {
            status["reason"] = "NonZeroExitCode";
            status["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = code }) };
        }
        else
        {
            status["reason"] = "InternalError";
        }

        return Encoding.UTF8.GetBytes(status.ToJsonString());
    }
}

/// <summary>What the client asked for: <c>command</c>, <c>stdin</c>, <c>stdout</c>, <c>stderr</c>, <c>tty</c>.</summary>
internal sealed record ExecFlags(IReadOnlyList<string> Command, bool Stdin, bool Stdout, bool Stderr, bool Tty);
