namespace Yak.Kube;

/// <summary>A cluster that cannot be reached or configured, said in terms a person can act on.</summary>
public sealed class KubeConnectionException(string message, Exception? inner = null) : Exception(message, inner);
