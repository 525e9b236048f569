using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Telemetry;

/// <summary>
/// The waits yakd measured, one JSON line each in <c>STATE/telemetry/waits.jsonl</c> (0600, in a 0700 folder).
/// Bounded by size and age: past <see cref="MaxBytes"/> the file is rewritten (temp file + rename) keeping the newest
/// records younger than <see cref="MaxAge"/> in half that size. A line that does not parse is skipped and logged.
/// </summary>
internal sealed class WaitStore
{
    public const long MaxBytes = 2 * 1024 * 1024;

    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);

    // The Web defaults the file has always been written with, over compiled metadata (StateJsonContext).
    private static readonly JsonTypeInfo<WaitRecord> Json = (JsonTypeInfo<WaitRecord>)new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = Yak.Daemon.Hosting.StateJsonContext.Default,
    }.GetTypeInfo(typeof(WaitRecord));

    private readonly Lock gate = new();
    private readonly string path;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    public WaitStore(string stateDirectory, TimeProvider time, ILogger<WaitStore> logger)
    {
        var folder = Path.Combine(stateDirectory, "telemetry");
        path = Path.Combine(folder, "waits.jsonl");
        this.time = time;
        this.logger = logger;
        PrivateFiles.CreateDirectory(folder);
    }

    public string FilePath => path;

    public void Append(WaitRecord record)
    {
        var line = JsonSerializer.Serialize(record, Json) + "\n";
        lock (gate)
        {
            try
            {
                using (var stream = PrivateFiles.Open(path, FileMode.Append, FileAccess.Write, FileShare.Read))
                {
                    stream.Write(Encoding.UTF8.GetBytes(line));
                }

                if (new FileInfo(path).Length > MaxBytes)
                {
                    Compact();
                }
            }
            catch (IOException ex)
            {
                TelemetryLog.StoreFailed(logger, path, ex.Message);
            }
        }
    }

    public IReadOnlyList<WaitRecord> Read()
    {
        lock (gate)
        {
            return ReadLocked();
        }
    }

    private List<WaitRecord> ReadLocked()
    {
        var records = new List<WaitRecord>();
        if (!File.Exists(path))
        {
            return records;
        }

        var skipped = 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        long read = 0;
        while (reader.ReadLine() is { } line)
        {
            read += line.Length + 1;
            if (read > 2 * MaxBytes)
            {
                break;
            }

            try
            {
                if (JsonSerializer.Deserialize(line, Json) is { Kind: not null, Subject: not null, Outcome: not null, Phases: not null } record)
                {
                    records.Add(record);
                    continue;
                }
            }
            catch (JsonException)
            {
            }

            skipped++;
        }

        if (skipped > 0)
        {
            TelemetryLog.CorruptLines(logger, path, skipped);
        }

        return records;
    }

    private void Compact()
    {
        var cutoff = time.GetUtcNow() - MaxAge;
        var kept = new List<string>();
        long size = 0;
        // Newest first by position in the file: appends come in the order waits ended.
        foreach (var record in Enumerable.Reverse(ReadLocked()).Where(r => r.Started >= cutoff))
        {
            var line = JsonSerializer.Serialize(record, Json);
            size += line.Length + 1;
            if (size > MaxBytes / 2)
            {
                break;
            }

            kept.Add(line);
        }

        kept.Reverse();
        var temp = path + ".tmp";
        using (var stream = PrivateFiles.Open(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            foreach (var line in kept)
            {
                writer.Write(line);
                writer.Write('\n');
            }
        }

        File.Move(temp, path, overwrite: true);
    }
}
