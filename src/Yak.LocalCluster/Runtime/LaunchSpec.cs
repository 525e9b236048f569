namespace Yak.LocalCluster.Runtime;

/// <summary>A fully resolved process to start: argv, environment and working folder.</summary>
public sealed record LaunchSpec(IReadOnlyList<string> Argv, IReadOnlyDictionary<string, string> Environment, string? WorkingDirectory);
