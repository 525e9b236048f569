namespace Yak.Protocol;

/// <summary>
/// A request member a client may omit or send as <c>null</c>: yakd reads it as empty (<c>""</c> or <c>[]</c>), which the
/// member's documentation gives a meaning ("empty means the current context"). Clients in other languages then need
/// not spell out every default (<see cref="Transport.YakJson"/> applies it; docs/protocol.md and the TypeScript types
/// mark it). On a nullable value (<c>int?</c>, …) it marks a response member added after protocol version 1's first
/// release: an older yakd does not send it, and a newer client reads its absence as <c>null</c> instead of refusing
/// the whole answer.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class OptionalMemberAttribute : Attribute;
