using Yak.Kube.Kubeconfig;
using YamlDotNet.RepresentationModel;

namespace Yak.Kube.Credentials;

/// <summary>
/// Writes renewed OIDC tokens into the user's entry of a kubeconfig, as client-go's persister does: under the lock
/// file kubectl takes (<c>PATH.lock</c>, created exclusively), the whole file replaced by rename so no reader sees half
/// of it, its mode kept. Best effort, like client-go's: when the file is locked or has changed shape, the tokens stay
/// in memory only.
/// </summary>
internal static class KubeconfigTokenWriter
{
    public static bool TryWrite(string path, string user, string idToken, string? refreshToken)
    {
        try
        {
            Write(path, user, idToken, refreshToken);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or InvalidDataException)
        {
            return false;
        }
    }

    public static void Write(string path, string user, string idToken, string? refreshToken)
    {
        // CreateNew fails while kubectl (or another yakd request) holds the lock.
        using var held = new FileStream(path + ".lock", FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        var yaml = new YamlStream();
        // Checked first: the representation model recurses per level of nesting (KubeconfigYaml).
        using (var reader = new StreamReader(new MemoryStream(KubeconfigYaml.Read(path))))
        {
            yaml.Load(reader);
        }

        var config = Config(yaml, user) ?? throw new InvalidDataException($"{path} has no auth-provider config for user '{user}' any more");
        config.Children[new YamlScalarNode("id-token")] = new YamlScalarNode(idToken);
        if (refreshToken is not null)
        {
            config.Children[new YamlScalarNode("refresh-token")] = new YamlScalarNode(refreshToken);
        }

        // A kubeconfig linked from elsewhere (dotfiles) is written where the link points, as kubectl writes it.
        var file = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(file)!, $".{Path.GetFileName(file)}.yak-{Environment.ProcessId}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            File.Delete(temporary); // left by a crash: the new one gets the kubeconfig's mode from creation
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = File.GetUnixFileMode(file);
            }

            using (var writer = new StreamWriter(temporary, System.Text.Encoding.UTF8, options))
            {
                yaml.Save(writer, assignAnchors: false);
            }

            File.Move(temporary, file, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    // users[name == user].user.auth-provider.config
    private static YamlMappingNode? Config(YamlStream yaml, string user)
    {
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("users"), out var users) || users is not YamlSequenceNode entries)
        {
            return null;
        }

        foreach (var entry in entries.OfType<YamlMappingNode>())
        {
            if (entry.Children.TryGetValue(new YamlScalarNode("name"), out var name) && name is YamlScalarNode { Value: var value } && value == user
                && entry.Children.TryGetValue(new YamlScalarNode("user"), out var details) && details is YamlMappingNode credentials
                && credentials.Children.TryGetValue(new YamlScalarNode("auth-provider"), out var provider) && provider is YamlMappingNode providerMap
                && providerMap.Children.TryGetValue(new YamlScalarNode("config"), out var config) && config is YamlMappingNode map)
            {
                return map;
            }
        }

        return null;
    }
}
