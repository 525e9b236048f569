using Microsoft.Extensions.Options;
using Yak.Daemon.Environments;

namespace Yak.Daemon.Configuration;

/// <summary>Fills the options from config.yaml (the monitor calls this at first use and after every change).</summary>
internal sealed class ConfigFileOptions(ConfigFilePath file) : IConfigureOptions<ClusterConfig>
{
    public void Configure(ClusterConfig options)
    {
        var read = ConfigFileReader.Read(file.Path);
        options.Owner = read.Owner;
        options.SidecarCommand = read.SidecarCommand;
        options.Agent = read.Agent;
        options.Clusters = read.Clusters;
    }
}

/// <summary>What the file's shape cannot say: cluster names are unique, capacities are not negative.</summary>
internal sealed class ClusterConfigValidation(ConfigFilePath file) : IValidateOptions<ClusterConfig>
{
    public ValidateOptionsResult Validate(string? name, ClusterConfig options)
    {
        var failures = new List<string>();
        foreach (var duplicate in options.Clusters.GroupBy(c => c.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            failures.Add($"{file.Path}: cluster '{duplicate.Key}' is named {duplicate.Count()} times; give each cluster its own name.");
        }

        foreach (var cluster in options.Clusters.Where(c => c.Capacity < 0))
        {
            failures.Add($"{file.Path}: cluster '{cluster.Name}' has capacity {cluster.Capacity}; use 0 for no limit or a positive number.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
