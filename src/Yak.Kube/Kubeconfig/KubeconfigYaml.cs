using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Yak.Kube.Kubeconfig;

/// <summary>
/// Bounds on a kubeconfig's YAML, checked before a recursive reader sees it: its size, and its nesting, counted by
/// YamlDotNet's parser (a loop over events, no recursion). Needed because YamlDotNet's representation model (what the
/// token writer edits) builds nodes recursively: a file nested 10,000 deep under a key the loader skips overflows the
/// stack, which no handler catches — yakd would die writing back a renewed token.
/// </summary>
internal static class KubeconfigYaml
{
    /// <summary>A kubeconfig with embedded certificates for a hundred clusters is well under 1 MiB.</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>A kubeconfig nests fewer than ten levels (users → user → exec → env → entry).</summary>
    public const int MaxDepth = 64;

    /// <summary>The file's bytes, once checked.</summary>
    /// <exception cref="InvalidDataException">Too large or nested too deep; the message continues "Kubeconfig PATH".</exception>
    public static byte[] Read(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        // Read at most one byte past the limit: a FIFO or a growing file has no trustworthy length.
        using var content = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            content.Write(buffer, 0, read);
            if (content.Length > MaxFileBytes)
            {
                throw new InvalidDataException($" is larger than {MaxFileBytes >> 20} MiB, which no kubeconfig needs");
            }
        }

        var bytes = content.ToArray();
        CheckDepth(bytes);
        return bytes;
    }

    /// <exception cref="InvalidDataException">Nested deeper than <see cref="MaxDepth"/>, naming the line.</exception>
    /// <exception cref="YamlException">Not YAML.</exception>
    public static void CheckDepth(byte[] yaml)
    {
        using var reader = new StreamReader(new MemoryStream(yaml));
        var parser = new Parser(reader);
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart when ++depth > MaxDepth:
                    throw new InvalidDataException($", line {parser.Current.Start.Line}: nested deeper than {MaxDepth} levels, which no kubeconfig needs");
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
    }
}
