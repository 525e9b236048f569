namespace Yak.LocalCluster.Api;

/// <summary>Per-request write options (query parameters of create/update/patch).</summary>
/// <param name="FieldManager">Who is writing; null for internal writes (controllers), which leave managedFields alone.</param>
/// <param name="Admission">Checks the final object before it is stored (throws an <see cref="ApiException"/> to refuse): the RBAC escalation check of the requesting user.</param>
public sealed record WriteOptions(string? FieldManager = null, bool DryRun = false, bool Force = false, Action<ResourceType, System.Text.Json.Nodes.JsonObject>? Admission = null)
{
    public static WriteOptions Internal { get; } = new();
}

/// <summary>DeleteOptions as far as this server honours them.</summary>
public sealed record DeleteOptions(long? GracePeriodSeconds = null, string? PropagationPolicy = null, string? PreconditionUid = null, string? PreconditionResourceVersion = null, bool DryRun = false)
{
    public static DeleteOptions Default { get; } = new();
}
