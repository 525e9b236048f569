namespace Yak.LocalCluster.Runtime;

/// <summary>Writes a configMap or secret volume's files into its folder, each with its mode from creation; no path leaves the folder.</summary>
internal static class VolumeFiles
{
    public static void Write(string folder, IReadOnlyList<VolumeFile> files)
    {
        var root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        foreach (var file in files)
        {
            var segments = file.Path.Split('/');
            if (file.Path.Length == 0 || Path.IsPathRooted(file.Path) || segments.Any(s => s is "" or "." or ".."))
            {
                throw new InvalidOperationException($"volume file path \"{file.Path}\" must be relative and must not contain '..'");
            }

            var target = Path.GetFullPath(Path.Combine(root, file.Path));
            if (!target.StartsWith(root, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"volume file path \"{file.Path}\" leaves its volume");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // A rerun on the same folder: replace, never write through what is there (it may be a link).
            File.Delete(target);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = file.Mode;
            }

            using (var stream = new FileStream(target, options))
            {
                stream.Write(file.Content);
            }

            // The umask may have narrowed the mode asked for at creation; widen it to exactly what the spec says.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, file.Mode);
            }
        }
    }
}
