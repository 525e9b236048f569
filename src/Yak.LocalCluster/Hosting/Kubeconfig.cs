using System.Text;

namespace Yak.LocalCluster.Hosting;

/// <summary>Writes a kubeconfig with cluster, user and context <c>yak-local</c> (current context), atomically.</summary>
public static class Kubeconfig
{
    public const string ContextName = "yak-local";

    public static void Write(string path, Uri server, string? certificateAuthorityPem)
    {
        var builder = new StringBuilder();
        builder.Append("apiVersion: v1\n");
        builder.Append("kind: Config\n");
        builder.Append("# yak-local-cluster: a Kubernetes API emulation running pods as local processes. It is not Kubernetes.\n");
        builder.Append("clusters:\n");
        builder.Append("- name: yak-local\n");
        builder.Append("  cluster:\n");
        builder.Append("    server: ").Append(server.GetLeftPart(UriPartial.Authority)).Append('\n');
        if (certificateAuthorityPem is not null)
        {
            builder.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.ASCII.GetBytes(certificateAuthorityPem))).Append('\n');
        }

        builder.Append("users:\n");
        builder.Append("- name: yak-local\n");
        builder.Append("  user:\n");
        builder.Append("    token: yak-local\n");
        builder.Append("contexts:\n");
        builder.Append("- name: yak-local\n");
        builder.Append("  context:\n");
        builder.Append("    cluster: yak-local\n");
        builder.Append("    user: yak-local\n");
        builder.Append("    namespace: default\n");
        builder.Append("current-context: yak-local\n");

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(builder.ToString()));
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, full, overwrite: true);
    }
}
