using Yak.Environments.Yaml;

namespace Yak.Environments.Spec;

/// <summary>
/// Compose profiles: a service with <c>profiles</c> runs only when one of them is active (<c>yakctl up --profile P</c>);
/// a service without runs always. <c>*</c> activates every profile, as <c>COMPOSE_PROFILES=*</c> does.
/// </summary>
public static class ProfileSelection
{
    public const string All = "*";

    /// <summary>Every profile some service declares, sorted.</summary>
    public static IReadOnlyList<string> Declared(EnvironmentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return [.. spec.Services.SelectMany(s => s.Profiles).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public static bool IsActive(ServiceSpec service, IReadOnlyCollection<string> active)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(active);
        return service.Profiles.Count == 0 || active.Contains(All) || service.Profiles.Any(active.Contains);
    }

    /// <summary>
    /// The spec with only the services the active profiles run. An active service that requires one left out, or a
    /// profile no service declares, is a problem (a sentence with its fix); a dependency with <c>required: false</c>
    /// on a service left out is dropped.
    /// </summary>
    public static EnvironmentSpec Select(EnvironmentSpec spec, IReadOnlyCollection<string> active, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(active);
        var found = new List<string>();
        var declared = Declared(spec);
        foreach (var profile in active.Where(p => p != All && !declared.Contains(p)))
        {
            var hint = DidYouMean.Hint(profile, declared);
            found.Add(declared.Count == 0
                ? $"no service of {spec.SourceFile} has profiles, so --profile {profile} selects nothing; run without --profile."
                : $"no service of {spec.SourceFile} has the profile \"{profile}\"{hint} (profiles: {string.Join(", ", declared)}).");
        }

        var running = spec.Services.Where(s => IsActive(s, active)).ToList();
        var names = running.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var selected = new List<ServiceSpec>();
        foreach (var service in running)
        {
            var kept = new List<string>();
            foreach (var dependency in service.DependsOn)
            {
                if (names.Contains(dependency))
                {
                    kept.Add(dependency);
                }
                else if (service.DependencyOn(dependency).Required && spec[dependency] is { } left)
                {
                    found.Add($"{service.Name} depends on {dependency}, which runs only with --profile {string.Join(" or --profile ", left.Profiles)}; add one of those, or make the dependency 'required: false'.");
                }
            }

            selected.Add(kept.Count == service.DependsOn.Count
                ? service
                : service with { DependsOn = kept, Dependencies = service.Dependencies?.Where(d => kept.Contains(d.Service)).ToList() });
        }

        if (selected.Count == 0)
        {
            found.Add($"every service of {spec.SourceFile} has profiles and none of them is active; add --profile with one of: {string.Join(", ", declared)}.");
        }

        problems = found;
        return spec with { Services = selected };
    }
}
