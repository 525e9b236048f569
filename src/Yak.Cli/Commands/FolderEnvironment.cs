using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary>
/// The environment of the folder yakctl runs in: the one whose spec lies in this folder or the nearest one above
/// it. Commands that reach a cluster use its cluster and namespace unless told otherwise.
/// </summary>
internal static class FolderEnvironment
{
    public static async Task<EnvironmentInfo?> FindAsync(DaemonClient client, string folder, CancellationToken cancellationToken)
    {
        var all = await client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, new EnvStatusRequest { Name = string.Empty, SpecPath = string.Empty }, cancellationToken);
        var here = Path.GetFullPath(folder);
        return all.Environments
            .Select(e => (Environment: e, Folder: SpecFolder(e.SpecPath)))
            .Where(e => e.Folder is not null && Contains(e.Folder, here))
            .OrderByDescending(e => e.Folder!.Length)
            .Select(e => e.Environment)
            .FirstOrDefault();
    }

    private static string? SpecFolder(string specPath) =>
        specPath.Length == 0 ? null : Directory.Exists(specPath) ? Path.GetFullPath(specPath) : Path.GetDirectoryName(Path.GetFullPath(specPath));

    private static bool Contains(string folder, string path) =>
        path.Equals(folder, StringComparison.Ordinal) ||
        path.StartsWith(folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
