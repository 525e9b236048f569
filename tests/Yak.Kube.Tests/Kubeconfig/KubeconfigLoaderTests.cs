using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yak.Kube.Kubeconfig;
using Yak.Testing;

namespace Yak.Kube.Tests.Kubeconfig;

/// <summary>Kubeconfigs read as kubectl reads them (KUBECONFIG lists merged, paths per file), bounded, with errors naming file and line.</summary>
public sealed class KubeconfigLoaderTests
{
    [Fact]
    public void Create_KubeconfigList_MergesWithTheFirstDefinitionWinning()
    {
        using var work = new TempDirectory("yak-kubeconfig-");
        var first = Write(work, "first", """
            apiVersion: v1
            kind: Config
            clusters: [{name: shared, cluster: {server: "https://first.example:6443"}}]
            users: [{name: me, user: {token: one}}]
            contexts: [{name: dev, context: {cluster: shared, user: me}}]
            current-context: dev
            """);
        var second = Write(work, "second", """
            apiVersion: v1
            kind: Config
            clusters:
            - {name: shared, cluster: {server: "https://second.example:6443"}}
            - {name: staging, cluster: {server: "https://staging.example:6443"}}
            users: [{name: me, user: {token: two}}]
            contexts:
            - {name: dev, context: {cluster: staging, user: me}}
            - {name: stage, context: {cluster: staging, user: me}}
            current-context: stage
            """);
        var list = first + Path.PathSeparator + second;

        using var current = KubeClientFactory.Create(new KubeTarget(list, null));
        using var staging = KubeClientFactory.Create(new KubeTarget(list, "stage"));
        var merged = KubeconfigLoader.Load(list);

        Assert.Equal(("https://first.example:6443", "dev"), (current.Server.TrimEnd('/'), current.Context));
        Assert.Equal(("https://staging.example:6443", "stage"), (staging.Server.TrimEnd('/'), staging.Context));
        Assert.Equal("one", Assert.Single(merged.Config.Users!).UserCredentials.Token);
        Assert.Equal(["shared", "staging"], merged.Config.Clusters!.Select(c => c.Name));
        Assert.Equal(first, merged.UserFiles["me"]);
    }

    [Fact]
    public void Load_UserDefinedOnlyInALaterFile_IsKnownToComeFromIt()
    {
        using var work = new TempDirectory("yak-kubeconfig-");
        var first = Write(work, "first", "apiVersion: v1\nkind: Config\nusers: [{name: other, user: {token: a}}]\n");
        var second = Write(work, "second", "apiVersion: v1\nkind: Config\nusers: [{name: me, user: {token: b}}]\n");

        var loaded = KubeconfigLoader.Load(first + Path.PathSeparator + second);

        Assert.Equal((first, second), (loaded.UserFiles["other"], loaded.UserFiles["me"]));
    }

    [Fact]
    public void Create_MissingFilesInTheList_AreSkippedAsKubectlDoes()
    {
        using var work = new TempDirectory("yak-kubeconfig-");
        var existing = Write(work, "config", Single("https://only.example:6443"));
        var list = Path.Combine(work.Path, "absent") + Path.PathSeparator + existing;

        using var connection = KubeClientFactory.Create(new KubeTarget(list, null));

        Assert.Equal("https://only.example:6443", connection.Server.TrimEnd('/'));
    }

    [Fact]
    public void Create_NoFileOfTheListExists_NamesThemAll()
    {
        var error = Assert.Throws<KubeConnectionException>(() => KubeClientFactory.Create(new KubeTarget($"/nonexistent/a{Path.PathSeparator}/nonexistent/b", null)));

        Assert.Contains("/nonexistent/a or /nonexistent/b", error.Message, StringComparison.Ordinal);
        Assert.Contains("KUBECONFIG", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_RelativeCertificateAuthority_IsResolvedAgainstTheFileThatNamesIt()
    {
        using var work = new TempDirectory("yak-kubeconfig-");
        var first = Write(work, "config", "apiVersion: v1\nkind: Config\npreferences: {}\n");
        var other = Directory.CreateDirectory(Path.Combine(work.Path, "team")).FullName;
        using var authority = Authority();
        File.WriteAllText(Path.Combine(other, "ca.crt"), authority.ExportCertificatePem());
        var second = Path.Combine(other, "config");
        File.WriteAllText(second, """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://team.example:6443", certificate-authority: ca.crt}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: team, context: {cluster: c, user: u}}]
            """);

        var configuration = KubeClientFactory.Configuration(new KubeTarget(first + Path.PathSeparator + second, "team"));

        Assert.Equal(authority.Thumbprint, Assert.Single(configuration.SslCaCerts!).Thumbprint);
    }

    [Fact]
    public void Load_ExecCommands_OnlyOnesWithAFolderAreResolvedAgainstTheFile()
    {
        using var work = new TempDirectory("yak-kubeconfig-");
        var path = Write(work, "config", """
            apiVersion: v1
            kind: Config
            users:
            - {name: local, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/get-token}}}
            - {name: onpath, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: aws}}}
            """);

        var users = KubeconfigLoader.Load(path).Config.Users!.ToDictionary(u => u.Name, u => u.UserCredentials.ExternalExecution.Command);

        Assert.Equal(Path.Combine(work.Path, "bin", "get-token"), users["local"]);
        Assert.Equal("aws", users["onpath"]);
    }

    [Theory]
    [InlineData("clusters:\n- name: c\n  cluster: {server: [unclosed\n", "line 6: While parsing a flow sequence")]
    [InlineData("clusters:\n- name: c\n  cluster: [not, a, mapping]\n", "line 5: expected a cluster's fields")]
    [InlineData("users:\n- name: u\n\tuser: {}\n", "line 4: While scanning a plain scalar, found a tab character")]
    public void Create_BrokenKubeconfig_NamesTheFileLineAndHowToCheckIt(string yaml, string where)
    {
        using var work = new TempDirectory("yak-kubeconfig-");
        var path = Write(work, "config", "apiVersion: v1\nkind: Config\n" + yaml);

        var error = Assert.Throws<KubeConnectionException>(() => KubeClientFactory.Create(new KubeTarget(path, null)));

        Assert.Contains($"Kubeconfig {path}, {where}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'kubectl config view --kubeconfig {path}' checks it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NestedTwoHundredThousandDeep_IsRefusedWithTheFileAndLine()
    {
        using var work = new TempDirectory("yak-kubeconfig-");
        var path = Write(work, "config", "apiVersion: v1\nkind: Config\npreferences: " + new string('[', 200_000) + new string(']', 200_000) + "\n");

        var error = Assert.Throws<KubeConnectionException>(() => KubeClientFactory.Create(new KubeTarget(path, null)));

        Assert.Contains($"Kubeconfig {path}, line 3: nested deeper than {KubeconfigYaml.MaxDepth} levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NestedAsDeepAsAllowed_IsRead()
    {
        using var work = new TempDirectory("yak-kubeconfig-");
        // The document's own mapping is the first level.
        var nested = new string('[', KubeconfigYaml.MaxDepth - 1) + new string(']', KubeconfigYaml.MaxDepth - 1);
        var path = Write(work, "config", Single("https://deep.example:6443") + "\npreferences: " + nested + "\n");

        using var connection = KubeClientFactory.Create(new KubeTarget(path, null));

        Assert.Equal("https://deep.example:6443", connection.Server.TrimEnd('/'));
    }

    [Fact]
    public void Create_FileOverTheLimit_IsRefusedBeforeParsing()
    {
        using var work = new TempDirectory("yak-kubeconfig-");
        var path = Path.Combine(work.Path, "config");
        using (var file = File.Create(path))
        {
            file.SetLength(KubeconfigLoader.MaxFileBytes + 1);
        }

        var error = Assert.Throws<KubeConnectionException>(() => KubeClientFactory.Create(new KubeTarget(path, null)));

        Assert.Contains($"Kubeconfig {path} is larger than 16 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TooManyFiles_IsRefused()
    {
        var list = string.Join(Path.PathSeparator, Enumerable.Range(0, KubeconfigLoader.MaxFiles + 1).Select(i => $"/nonexistent/{i}"));

        var error = Assert.Throws<KubeConnectionException>(() => KubeconfigLoader.Load(list));

        Assert.Contains($"at most {KubeconfigLoader.MaxFiles}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_EmptyEntriesAndRepeats_AreDropped() =>
        Assert.Equal(["/a", "/b"], KubeconfigLoader.Files($"/a{Path.PathSeparator}{Path.PathSeparator}/b{Path.PathSeparator}/a"));

    private static string Write(TempDirectory work, string name, string yaml)
    {
        var path = Path.Combine(work.Path, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Single(string server) => $$$"""
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "{{{server}}}"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: here, context: {cluster: c, user: u}}]
        current-context: here
        """;

    private static X509Certificate2 Authority()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=team-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
