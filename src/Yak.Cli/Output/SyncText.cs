using System.Globalization;
using Yak.Protocol.Messages;

namespace Yak.Cli.Output;

/// <summary>Human renderings of sync sessions: a table for lists, a block per session for status.</summary>
internal static class SyncText
{
    public static void Table(TextWriter writer, IReadOnlyList<SyncSessionInfo> sessions)
    {
        if (sessions.Count == 0)
        {
            writer.WriteLine("No sync sessions. Create one with 'yakctl sync create <local-dir> <endpoint>'.");
            return;
        }

        var rows = sessions.Select(s => new[] { s.Name, s.State.ToString().ToLowerInvariant(), s.LocalPath, s.Endpoint, s.PendingChanges.ToString(CultureInfo.InvariantCulture), Coded(s.LastErrorCode, s.LastError) }).ToList();
        string[] header = ["NAME", "STATE", "LOCAL", "ENDPOINT", "PENDING", "ERROR"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            writer.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    public static void Details(TextWriter writer, IReadOnlyList<SyncSessionInfo> sessions)
    {
        if (sessions.Count == 0)
        {
            Table(writer, sessions);
            return;
        }

        foreach (var s in sessions)
        {
            var error = s.LastError is null ? "" : s.LastErrorCode is null ? $" ({s.LastError})" : $" (error {s.LastErrorCode}: {s.LastError})";
            writer.WriteLine($"{s.Name}: {s.State.ToString().ToLowerInvariant()}{error}");
            writer.WriteLine($"  local      {s.LocalPath}");
            writer.WriteLine($"  endpoint   {s.Endpoint}{(s.AgentVersion is null ? "" : $" (agent {s.AgentVersion})")}");
            if (s.Excludes.Count > 0)
            {
                writer.WriteLine($"  excludes   {string.Join(' ', s.Excludes)}");
            }

            writer.WriteLine($"  files      {s.LocalEntries} local, {s.RemoteEntries} remote, {s.PendingChanges} pending");
            writer.WriteLine($"  sent       {s.FilesSent} files ({s.DeltasSent} as deltas), {s.FilesDeleted} deleted; {Bytes(s.BytesSentRaw)} raw, {Bytes(s.BytesOnWire)} on the wire{(s.LinkCompressionLevel is { } level ? $" (zstd level {level})" : "")}");
            writer.WriteLine(s.LastSyncLatencyMs is { } latency
                ? string.Create(CultureInfo.InvariantCulture, $"  last sync  {latency:0.0} ms at {s.LastSyncAt:HH:mm:ss}")
                : "  last sync  never");
            if (s.LastProblem is not null)
            {
                writer.WriteLine($"  problems   {s.Problems}; last: {s.LastProblem}");
            }
        }
    }

    /// <summary>A listed error with its catalogue code in front (<c>YAK3004: …</c>), so it can be looked up with <c>yakctl explain</c>.</summary>
    public static string Coded(string? code, string? message) =>
        message is null ? string.Empty : code is null ? message : $"{code}: {message}";

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 30):0.0} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):0.0} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 10):0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
