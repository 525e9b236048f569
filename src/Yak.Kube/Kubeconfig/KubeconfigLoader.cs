using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.Core;

namespace Yak.Kube.Kubeconfig;

/// <summary>A kubeconfig as read from one or more files, and which file each user came from (for writing renewed tokens back).</summary>
public sealed record LoadedKubeconfig(K8SConfiguration Config, IReadOnlyList<string> Files, IReadOnlyDictionary<string, string> UserFiles)
{
    /// <summary>The files for messages: one path, or the list as KUBECONFIG gave it.</summary>
    public string Description => string.Join(Path.PathSeparator, Files);
}

/// <summary>
/// Reads kubeconfigs as kubectl does (client-go's clientcmd loader): a KUBECONFIG-style list of files is merged, the
/// first file to define a cluster, user or context name wins, the current-context is the first one set; files of the
/// list that do not exist are skipped (a single named file must exist); relative paths are resolved against the file
/// that holds them (client-go's ResolveLocalPaths; KubernetesClient's own merge resolves all against the first file).
/// Bounded, because yakd reads whatever path a client names: a file over <see cref="MaxFileBytes"/> or a list of more
/// than <see cref="MaxFiles"/> is refused, as is YAML nested deeper than <see cref="KubeconfigYaml.MaxDepth"/>, and a YAML
/// error names the file and line.
/// </summary>
public static class KubeconfigLoader
{
    /// <summary>Larger files are refused (<see cref="KubeconfigYaml"/>).</summary>
    public const long MaxFileBytes = KubeconfigYaml.MaxFileBytes;

    /// <summary>More files than this in one KUBECONFIG list is refused.</summary>
    public const int MaxFiles = 64;

    /// <summary>The files of a KUBECONFIG-style list, empty entries and repeats dropped, in order.</summary>
    public static IReadOnlyList<string> Files(string list) =>
        list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The list with each file made absolute (against the current folder), for storing beside a record.</summary>
    public static string FullPaths(string list) => string.Join(Path.PathSeparator, Files(list).Select(Path.GetFullPath));

    /// <exception cref="KubeConnectionException">No file exists, one is too large or unreadable, or its YAML is invalid.</exception>
    public static LoadedKubeconfig Load(string list)
    {
        var files = Files(list);
        if (files.Count > MaxFiles)
        {
            throw new KubeConnectionException($"The kubeconfig list names {files.Count} files; yak reads at most {MaxFiles}. Check KUBECONFIG.");
        }

        var existing = files.Where(File.Exists).ToList();
        if (existing.Count == 0)
        {
            throw new KubeConnectionException(
                $"No kubeconfig at {string.Join(" or ", files)}. Point KUBECONFIG (or --kubeconfig) at one, or start the local cluster with 'yakctl cluster local start'.");
        }

        K8SConfiguration? merged = null;
        var userFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in existing)
        {
            var config = Read(file);
            ResolvePaths(config, Path.GetDirectoryName(Path.GetFullPath(file))!);
            foreach (var user in config.Users ?? [])
            {
                if (user.Name is not null)
                {
                    userFiles.TryAdd(user.Name, file);
                }
            }

            merged = merged is null ? config : Merge(merged, config);
        }

        return new LoadedKubeconfig(merged!, existing, userFiles);
    }

    private static K8SConfiguration Read(string file)
    {
        try
        {
            var config = KubernetesClientConfiguration.LoadKubeConfig(new MemoryStream(KubeconfigYaml.Read(file)));
            config.FileName = Path.GetFullPath(file);
            return config;
        }
        catch (InvalidDataException ex)
        {
            throw new KubeConnectionException($"Kubeconfig {file}{ex.Message}. Check that KUBECONFIG (or --kubeconfig) names a kubeconfig.", ex);
        }
        catch (YamlException ex)
        {
            var line = ex.Start.Line > 0 ? $", line {ex.Start.Line}" : string.Empty;
            throw new KubeConnectionException(
                $"Kubeconfig {file}{line}: {Describe(ex)}. Fix the file there ('kubectl config view --kubeconfig {file}' checks it).", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubeConnectionException($"Kubeconfig {file} cannot be read ({ex.Message}). Check its permissions.", ex);
        }
    }

    // YamlDotNet's own message starts with the position, already said; the innermost cause is what went wrong.
    private static string Describe(YamlException ex)
    {
        Exception inner = ex;
        while (inner.InnerException is YamlException or FormatException or InvalidCastException && inner.InnerException is { } next)
        {
            inner = next;
        }

        var message = inner is YamlException yaml && yaml.Message.StartsWith("(Line", StringComparison.Ordinal)
            ? yaml.Message[(yaml.Message.IndexOf("): ", StringComparison.Ordinal) is var at and >= 0 ? at + 3 : 0)..]
            : inner.Message;
        // The deserializer names the model type it wanted ("... into type k8s.KubeConfigModels.ClusterEndpoint, KubernetesClient.Aot, ..."): say it in kubeconfig terms.
        const string WrongShape = "No node deserializer was able to deserialize the node into type ";
        if (message.StartsWith(WrongShape, StringComparison.Ordinal))
        {
            var type = message[WrongShape.Length..].Split(',')[0];
            var what = type[(type.LastIndexOf('.') + 1)..] switch
            {
                "ClusterEndpoint" => "a cluster's fields (server, certificate-authority, ...)",
                "UserCredentials" => "a user's credentials (token, exec, client-certificate, ...)",
                "ContextDetails" => "a context's fields (cluster, user, namespace)",
                "Cluster" or "User" or "Context" => "a named entry (name plus its fields)",
                var other => $"a {other}",
            };
            return $"expected {what} here, found another kind of value";
        }

        return message.TrimEnd('.');
    }

    /// <summary>Makes the file's relative paths absolute against its own folder, as client-go does before merging.</summary>
    private static void ResolvePaths(K8SConfiguration config, string folder)
    {
        foreach (var cluster in config.Clusters ?? [])
        {
            if (cluster.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Resolve(endpoint.CertificateAuthority, folder);
            }
        }

        foreach (var user in config.Users ?? [])
        {
            if (user.UserCredentials is not { } credentials)
            {
                continue;
            }

            credentials.ClientCertificate = Resolve(credentials.ClientCertificate, folder);
            credentials.ClientKey = Resolve(credentials.ClientKey, folder);
            // A bare command name is looked up on PATH; only one with a separator is relative to the kubeconfig.
            if (credentials.ExternalExecution is { Command: { } command } exec && command.IndexOfAny(['/', Path.DirectorySeparatorChar]) >= 0)
            {
                exec.Command = Resolve(command, folder);
            }
        }
    }

    private static string Resolve(string path, string folder) =>
        string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(folder, path));

    /// <summary>client-go's merge: the first file to set a name keeps it; the first current-context set wins.</summary>
    private static K8SConfiguration Merge(K8SConfiguration first, K8SConfiguration next)
    {
        first.CurrentContext = string.IsNullOrEmpty(first.CurrentContext) ? next.CurrentContext : first.CurrentContext;
        first.Clusters = MergeByName(first.Clusters, next.Clusters, c => c.Name);
        first.Users = MergeByName(first.Users, next.Users, u => u.Name);
        first.Contexts = MergeByName(first.Contexts, next.Contexts, c => c.Name);
        return first;
    }

    private static List<T> MergeByName<T>(List<T>? first, List<T>? next, Func<T, string?> name)
    {
        var merged = first ?? [];
        var names = merged.Select(name).Where(n => n is not null).ToHashSet(StringComparer.Ordinal);
        foreach (var item in next ?? [])
        {
            if (name(item) is { } key && names.Add(key))
            {
                merged.Add(item);
            }
        }

        return merged;
    }
}
