using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Hosting;

/// <summary>
/// <c>yak-local-cluster user add NAME --kubeconfig PATH [--group G]... [--state-dir DIR]</c>: adds a user (a new
/// random token; re-running re-keys) to the state folder's token file and writes a kubeconfig for them, usable by
/// any client on this machine. A running cluster takes the user on its next request. Prints one JSON line.
/// Without groups the user may do nothing until a RoleBinding or ClusterRoleBinding grants it.
/// </summary>
public static class UserCommand
{
    private const string Usage = "usage: yak-local-cluster user add NAME --kubeconfig PATH [--group GROUP]... [--state-dir DIR]";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["add", var name, .. var rest] || name.StartsWith('-'))
        {
            await Console.Error.WriteLineAsync($"yak-local-cluster: expected `user add NAME`\n{Usage}");
            return 2;
        }

        string? stateDir = null;
        string? kubeconfig = null;
        var groups = new List<string>();
        for (var i = 0; i < rest.Length; i++)
        {
            var value = i + 1 < rest.Length ? rest[i + 1] : null;
            switch (rest[i])
            {
                case "--state-dir" when value is not null:
                    stateDir = value;
                    i++;
                    break;
                case "--kubeconfig" when value is not null:
                    kubeconfig = value;
                    i++;
                    break;
                case "--group" when value is not null:
                    groups.Add(value);
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync($"yak-local-cluster: unknown or incomplete option {rest[i]}\n{Usage}");
                    return 2;
            }
        }

        if (kubeconfig is null)
        {
            await Console.Error.WriteLineAsync($"yak-local-cluster: --kubeconfig PATH is required (where to write the new user's kubeconfig)\n{Usage}");
            return 2;
        }

        try
        {
            var access = ClusterAccess.FromStateDirectory(Path.GetFullPath(stateDir ?? ClusterCommandLine.DefaultStateDirectory()));
            access.AddUser(name, groups, kubeconfig);
            var result = new JsonObject { ["user"] = name, ["groups"] = new JsonArray([.. groups.Select(g => (JsonNode)g)]), ["kubeconfig"] = Path.GetFullPath(kubeconfig), ["server"] = access.Server.GetLeftPart(UriPartial.Authority) };
            await Console.Out.WriteLineAsync(result.ToJsonString());
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"yak-local-cluster: {e.Message}");
            return 1;
        }
    }
}
