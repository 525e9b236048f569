namespace Yak.LocalCluster.Runtime;

/// <summary>A fully resolved process to start: argv, environment and working folder.</summary>
/// <param name="OwnProcessGroup">The process leads its own process group (started by <c>setsid</c>): signals go to the whole group.</param>
public sealed record LaunchSpec(IReadOnlyList<string> Argv, IReadOnlyDictionary<string, string> Environment, string? WorkingDirectory, bool OwnProcessGroup = false);
