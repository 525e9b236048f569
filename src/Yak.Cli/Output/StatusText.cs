using System.Globalization;
using Yak.Protocol.Messages;

namespace Yak.Cli.Output;

/// <summary>Human renderings of daemon responses.</summary>
internal static class StatusText
{
    public static void Write(TextWriter writer, StatusResponse status)
    {
        writer.WriteLine($"yakd {status.Version} (pid {status.Pid}), up {Duration(TimeSpan.FromSeconds(status.UptimeSeconds))}, protocol {status.ProtocolVersion}");
        writer.WriteLine($"  socket    {status.Socket} ({status.ListenMode})");
        writer.WriteLine($"  log       {status.LogPath}");
        writer.WriteLine($"  state     {status.StatePath}");
        writer.WriteLine($"  clients   {status.ConnectedClients}");
        writer.WriteLine($"  sessions  sync {status.Sessions.Sync}, forwards {status.Sessions.Forwards}, environments {status.Sessions.Environments}");
    }

    public static string Duration(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d {span.Hours}h"),
        { TotalHours: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.Hours}h {span.Minutes}m"),
        { TotalMinutes: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m {span.Seconds}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.0}s"),
    };
}
