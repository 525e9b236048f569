using System.Text;

namespace Yak.Benchmarks.Sync;

/// <summary>Deterministic trees that look like source code (text that compresses about 3–4×, as real repos do).</summary>
internal static class TreeGenerator
{
    private static readonly string[] Words =
    [
        "public", "static", "void", "return", "var", "if", "else", "for", "while", "class", "namespace", "using", "string",
        "int", "await", "async", "Task", "new", "null", "true", "false", "this", "readonly", "private", "const", "=>",
        "{", "}", "(", ")", ";", "count", "index", "value", "result", "buffer", "offset", "length", "session", "file",
    ];

    public static string SourceText(Random random, int length)
    {
        var builder = new StringBuilder(length + 100);
        while (builder.Length < length)
        {
            builder.Append(' ', random.Next(0, 4) * 4);
            var words = random.Next(3, 12);
            for (var i = 0; i < words; i++)
            {
                builder.Append(random.Next(6) == 0 ? random.Next(100000).ToString(System.Globalization.CultureInfo.InvariantCulture) : Words[random.Next(Words.Length)]).Append(' ');
            }

            builder.Append('\n');
        }

        return builder.ToString(0, length);
    }

    /// <summary>Writes <paramref name="files"/> files totalling about <paramref name="totalBytes"/> in folders of 50.</summary>
    public static long Generate(string root, int files, long totalBytes, int seed, bool ageMtimes = false, bool textContent = true)
    {
        var average = (int)(totalBytes / files);
        long written = 0;
        var old = DateTime.UtcNow.AddHours(-1);
        Parallel.For(0, (files + 49) / 50, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, folder =>
        {
            var random = new Random(seed + folder);
            var directory = Directory.CreateDirectory(Path.Combine(root, $"pkg{folder / 20:000}", $"mod{folder:0000}")).FullName;
            for (var i = folder * 50; i < Math.Min(files, (folder + 1) * 50); i++)
            {
                var size = random.Next(average / 4, (average * 7 / 4) + 1);
                var path = Path.Combine(directory, $"file{i:00000}.cs");
                if (textContent)
                {
                    File.WriteAllText(path, SourceText(random, size));
                }
                else
                {
                    var bytes = new byte[size];
                    random.NextBytes(bytes);
                    File.WriteAllBytes(path, bytes);
                }

                if (ageMtimes)
                {
                    File.SetLastWriteTimeUtc(path, old);
                }

                Interlocked.Add(ref written, size);
            }
        });
        return written;
    }
}
