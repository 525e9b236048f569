namespace Yak.Daemon.Telemetry;

/// <summary>
/// config.yaml's <c>telemetry</c> section. Without it nothing leaves the machine; waits are only stored locally.
/// <code>
/// telemetry:
///   otlp:
///     endpoint: https://otel.corp:4318     # the collector's OTLP base URL (4318: http/protobuf, 4317: grpc)
///     protocol: http/protobuf              # or grpc
///     headers: { x-team-token: abc }       # sent with every export
///     signals: [traces, metrics]           # default both
///     exportIntervalSeconds: 30            # default 30
/// </code>
/// Read when yakd starts (`yakctl daemon restart` applies a change).
/// </summary>
internal sealed class TelemetryConfig
{
    public OtlpConfig? Otlp { get; set; }
}

internal sealed class OtlpConfig
{
    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";

    public string Endpoint { get; set; } = string.Empty;

    public string? Protocol { get; set; }

    public Dictionary<string, string>? Headers { get; set; }

    public List<string>? Signals { get; set; }

    public int? ExportIntervalSeconds { get; set; }

    public bool Traces => Signals is null || Signals.Contains("traces", StringComparer.Ordinal);

    public bool Metrics => Signals is null || Signals.Contains("metrics", StringComparer.Ordinal);

    public TimeSpan ExportInterval => TimeSpan.FromSeconds(ExportIntervalSeconds ?? 30);

    public void Validate(string where)
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"{where}.endpoint: '{Endpoint}' is not an http(s) URL (e.g. https://otel.corp:4318).");
        }

        if (Protocol is not (null or HttpProtobuf or Grpc))
        {
            throw new InvalidOperationException($"{where}.protocol: '{Protocol}' is not one of {HttpProtobuf}, {Grpc}.");
        }

        foreach (var signal in Signals ?? [])
        {
            if (signal is not ("traces" or "metrics"))
            {
                throw new InvalidOperationException($"{where}.signals: '{signal}' is not one of traces, metrics.");
            }
        }

        if (ExportIntervalSeconds is < 1 or > 3600)
        {
            throw new InvalidOperationException($"{where}.exportIntervalSeconds: {ExportIntervalSeconds} is outside 1..3600.");
        }

        foreach (var (name, value) in Headers ?? [])
        {
            if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or '=') || value.Any(c => char.IsControl(c) || c == ','))
            {
                throw new InvalidOperationException($"{where}.headers: '{name}' is not a header name and value yak can send (no spaces, ',' or '=' in names, no ',' in values).");
            }
        }
    }
}
