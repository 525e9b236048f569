namespace Yak.Cli.Commands;

/// <summary>The caller's KUBECONFIG as yakd must see it.</summary>
internal static class KubeconfigEnvironment
{
    /// <summary>
    /// KUBECONFIG's whole list (yakd merges it as kubectl does), each entry made absolute against this process's folder:
    /// kubectl resolves a relative entry against its working directory, and yakd runs in another. Null when unset.
    /// </summary>
    public static string? List()
    {
        var value = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var files = value.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(Path.PathSeparator, files.Select(Path.GetFullPath));
    }
}
