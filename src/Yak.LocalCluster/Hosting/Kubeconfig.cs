using System.Text;

namespace Yak.LocalCluster.Hosting;

/// <summary>Writes a kubeconfig with cluster, user and context <c>yak-local</c> (current context): 0600 from creation, atomically.</summary>
public static class Kubeconfig
{
    public const string ContextName = "yak-local";

    public static void Write(string path, Uri server, string certificateAuthorityPem, string token)
    {
        var builder = new StringBuilder();
        builder.Append("apiVersion: v1\n");
        builder.Append("kind: Config\n");
        builder.Append("# A Kubernetes API emulation running pods as local processes. It is not Kubernetes.\n");
        builder.Append("clusters:\n");
        builder.Append("- name: ").Append(ContextName).Append('\n');
        builder.Append("  cluster:\n");
        builder.Append("    server: ").Append(server.GetLeftPart(UriPartial.Authority)).Append('\n');
        builder.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.ASCII.GetBytes(certificateAuthorityPem))).Append('\n');
        builder.Append("users:\n");
        builder.Append("- name: ").Append(ContextName).Append('\n');
        builder.Append("  user:\n");
        builder.Append("    token: ").Append(token).Append('\n');
        builder.Append("contexts:\n");
        builder.Append("- name: ").Append(ContextName).Append('\n');
        builder.Append("  context:\n");
        builder.Append("    cluster: ").Append(ContextName).Append('\n');
        builder.Append("    user: ").Append(ContextName).Append('\n');
        builder.Append("    namespace: default\n");
        builder.Append("current-context: ").Append(ContextName).Append('\n');
        PrivateFiles.WriteAtomic(path, builder.ToString());
    }
}
