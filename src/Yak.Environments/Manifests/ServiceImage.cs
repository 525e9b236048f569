namespace Yak.Environments.Manifests;

/// <summary>
/// How a service's app container gets its image when <c>yakctl update</c> fetched it: <see cref="Image"/> replaces the
/// spec's reference (the same tag pinned to a digest, <c>repo:tag@sha256:…</c>, so a node that cached the tag pulls
/// the new content); <see cref="AlwaysPull"/> sets <c>imagePullPolicy: Always</c> (the nodes ask the registry on every
/// start, when yakd could not).
/// </summary>
public sealed record ServiceImage(string Image, bool AlwaysPull);
