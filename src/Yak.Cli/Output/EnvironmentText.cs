using System.Globalization;
using System.Text.Json;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Cli.Output;

/// <summary>Human renderings of environments: a block per environment, and the per-service progress of up/update.</summary>
internal static class EnvironmentText
{
    public static void Details(TextWriter writer, IReadOnlyList<EnvironmentInfo> environments)
    {
        if (environments.Count == 0)
        {
            writer.WriteLine("No environments. Bring one up with 'yakctl up' in a folder with a yak.yaml or docker-compose.yml.");
            return;
        }

        foreach (var e in environments)
        {
            writer.WriteLine($"{e.Name}: {YakJson.WireName(e.State)}  (namespace {e.Namespace} on {e.Cluster}, {e.Server})");
            writer.WriteLine(e.Owner.Length > 0 ? $"  guest shared by {e.Owner}, {e.Access} access" : $"  spec  {e.SpecPath}");
            if (e.LastError is not null && e.Services.All(s => s.Message is null))
            {
                writer.WriteLine($"  error {Indent(SyncText.Coded(e.LastErrorCode, e.LastError))}");
            }

            if (e.Services.Count == 0)
            {
                continue;
            }

            var rows = e.Services.Select(s => new[]
            {
                s.Name,
                s.Kind,
                YakJson.WireName(s.State),
                $"{s.ReadyReplicas.ToString(CultureInfo.InvariantCulture)}/{s.DesiredReplicas.ToString(CultureInfo.InvariantCulture)}",
                string.Join(", ", s.Pods.Select(p => $"{p.Name} ({p.Phase}{(p.Ready ? ", ready" : string.Empty)}{(p.Restarts > 0 ? $", {p.Restarts.ToString(CultureInfo.InvariantCulture)} restarts" : string.Empty)}{(p.Reason is null ? string.Empty : ", " + p.Reason)})")),
            }).ToList();
            string[] header = ["SERVICE", "KIND", "STATE", "READY", "PODS"];
            var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
            foreach (var row in rows.Prepend(header))
            {
                writer.WriteLine("  " + string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
            }

            foreach (var s in e.Services)
            {
                if (s.Debug is not null)
                {
                    writer.WriteLine($"  debug {s.Name}: under its debugger (profile {s.Debug}); 'yakctl debug {s.Name} --stop' runs it as declared");
                }

                foreach (var sync in s.Syncs)
                {
                    writer.WriteLine($"  sync  {s.Name}: {sync.LocalPath} → {sync.ContainerPath}  {YakJson.WireName(sync.State)}  ({sync.Session}){(sync.LastError is null ? string.Empty : "  " + SyncText.Coded(sync.LastErrorCode, sync.LastError))}");
                }

                foreach (var port in s.Ports)
                {
                    var local = port.LocalPort is { } p ? $"localhost:{p.ToString(CultureInfo.InvariantCulture)}" : "not forwarded";
                    writer.WriteLine($"  port  {s.Name}: {port.ContainerPort.ToString(CultureInfo.InvariantCulture)}/{port.Protocol} → {local}  forward {YakJson.WireName(port.Forward)}{(port.Url is null ? string.Empty : "  " + port.Url)}");
                }

                if (s.Message is not null)
                {
                    writer.WriteLine($"  stuck {s.Name}: {Coded(s.Code)}{Indent(s.Message)}{See(s.Code)}");
                }
            }
        }
    }

    /// <summary>The URLs of the declared forwards, one a line.</summary>
    public static void Urls(TextWriter writer, EnvironmentInfo environment)
    {
        foreach (var service in environment.Services)
        {
            foreach (var port in service.Ports.Where(p => p.Url is not null))
            {
                writer.WriteLine($"{service.Name}: {port.Url}{(port.Forward == PortForwardState.Pending ? "  (forward pending)" : string.Empty)}");
            }
        }
    }

    /// <summary>One line for an <c>environment</c> event, or null for events not worth a line.</summary>
    public static string? EventLine(EventNotification e)
    {
        var data = e.Data;
        string Str(string name) => data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;
        int Int(string name) => data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
        return e.Kind switch
        {
            "applying" => $"{e.Subject}: applying {Int("objects").ToString(CultureInfo.InvariantCulture)} objects to namespace {Str("namespace")} on {Str("cluster")}",
            "applied" => $"{e.Subject}: {Int("changed").ToString(CultureInfo.InvariantCulture)} of {Int("total").ToString(CultureInfo.InvariantCulture)} objects changed",
            "progress" when Str("state") == "stuck" => null, // the "stuck" event carries the explanation
            "progress" => ProgressLine(Str("service"), Str("state"), Int("ready"), Int("desired")),
            "stuck" => $"{Str("service")}: stuck: {Coded(Str("code"))}{Indent(Str("message"))}{See(Str("code"))}",
            "syncStarted" => $"{Str("service")}: syncing {Str("localPath")} → {Str("containerPath")} (pod {Str("pod")})",
            "initialSyncDone" => $"{Str("service")}: first sync done, app started (pod {Str("pod")})",
            "moving" => $"{e.Subject}: {Str("message")}",
            "image" => ImageLine(Str("service"), Str("step"), Str("image"), Str("digest"), Str("message")),
            _ => null,
        };
    }

    /// <summary>A step of <c>update</c> for one service's image (resolving, changed, pulling …).</summary>
    public static string ImageLine(string service, string step, string image, string digest, string message) => step switch
    {
        "resolving" => $"{service}: resolving {image}",
        "changed" => $"{service}: {image} is new ({Short(digest)}): rolling out",
        "unchanged" => $"{service}: {image} unchanged ({Short(digest)}): nothing to roll",
        "nodePull" => $"{service}: nodes pull {image}: {message}",
        "notFound" => $"{service}: {message}",
        "pulling" or "pulled" => $"{service}: {step} {message}",
        _ => $"{service}: {step} {image}",
    };

    /// <summary>What <c>update</c> did per service's image, with the time of each step; says so when nothing rolled.</summary>
    public static void ImageSummary(TextWriter writer, IReadOnlyList<ServiceImageInfo> images)
    {
        static string Seconds(double? s) => s is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "-";
        foreach (var i in images)
        {
            var via = i.Path == ImagePath.Registry ? "registry" : "node pull";
            var times = $"resolve {Seconds(i.ResolveSeconds)}" + (i.Rolled ? $", pull {Seconds(i.PullSeconds)}, rollout {Seconds(i.RolloutSeconds)}" : string.Empty);
            writer.WriteLine($"image {i.Service}: {YakJson.WireName(i.Outcome)} via {via}{(i.Rolled ? ", rolled" : string.Empty)} ({times}): {i.Reason}");
        }

        if (images.Count > 0 && images.All(i => !i.Rolled))
        {
            writer.WriteLine("nothing rolled: every image is the one already running");
        }
    }

    private static string Short(string digest) => digest.Length >= 19 ? digest[..19] : digest;

    public static string ProgressLine(string service, string state, int ready, int desired) => state switch
    {
        // Old and new pods overlap during a rollout: more ready than wanted is still "all of them", never "2/1".
        "rollingOut" => $"{service}: rolling out ({Math.Min(ready, desired).ToString(CultureInfo.InvariantCulture)} of {desired.ToString(CultureInfo.InvariantCulture)} ready)",
        "ready" => $"{service}: ready {ready.ToString(CultureInfo.InvariantCulture)}/{desired.ToString(CultureInfo.InvariantCulture)}",
        "scaledDown" => $"{service}: scaled down",
        _ => $"{service}: {state}",
    };

    /// <summary>"YAK2001 " before a coded explanation, so the code is what a search or a log grep finds.</summary>
    private static string Coded(string? code) => string.IsNullOrEmpty(code) ? string.Empty : code + " ";

    private static string See(string? code) => string.IsNullOrEmpty(code) ? string.Empty : $"\n        see: yakctl explain {code}";

    private static string Indent(string text) => text.Replace("\n", "\n        ", StringComparison.Ordinal);
}
