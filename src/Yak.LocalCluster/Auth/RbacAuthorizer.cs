using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Auth;

/// <summary>
/// Role-based access control as the apiserver's RBAC authorizer decides it: a request is allowed when a rule of a
/// Role or ClusterRole bound (RoleBinding in the request's namespace, or ClusterRoleBinding) to the user or one of
/// its groups matches its verb, API group, resource (with subresource), and name. Members of <c>system:masters</c>
/// may do everything; every authenticated user may read discovery, health and version, and ask what it may do
/// (the default <c>system:discovery</c>, <c>system:public-info-viewer</c> and <c>system:basic-user</c> roles).
/// </summary>
public sealed class RbacAuthorizer(ObjectStore store)
{
    /// <summary>The objects the rules are read from (the escalation check reads the role a binding names).</summary>
    internal ObjectStore Store => store;

    private static readonly string[] PublicPaths = ["/api", "/api/*", "/apis", "/apis/*", "/version", "/version/*", "/healthz", "/healthz/*", "/readyz", "/readyz/*", "/livez", "/livez/*", "/openapi/*"];

    /// <summary>Null when allowed (with why in <paramref name="reason"/>), else the refusal.</summary>
    public bool Allows(ClusterUser user, RequestAttributes request, out string reason)
    {
        if (user.IsMaster)
        {
            reason = $"RBAC: allowed by membership in group \"{ClusterUser.MastersGroup}\"";
            return true;
        }

        if (!request.IsResource && request.Verb is "get" or "head" && PublicPaths.Any(p => PathMatches(p, request.Path)))
        {
            reason = "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\"";
            return true;
        }

        if (request.IsResource && request.Group == "authorization.k8s.io" && request.Resource is "selfsubjectaccessreviews" or "selfsubjectrulesreviews" && request.Verb == "create")
        {
            reason = "RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\"";
            return true;
        }

        if (request.IsResource && request.Group == "authentication.k8s.io" && request.Resource == "selfsubjectreviews" && request.Verb == "create")
        {
            reason = "RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\"";
            return true;
        }

        foreach (var binding in store.List(ResourceCatalog.ClusterRoleBindings, null, _ => true).Items)
        {
            if (Binds(binding, user, out var subject) && RulesOf(binding, "") is { } rules && rules.Any(r => RuleAllows(r, request)))
            {
                reason = $"RBAC: allowed by ClusterRoleBinding \"{Meta.Name(binding)}\" of ClusterRole \"{Meta.Str(binding["roleRef"], "name")}\" to {subject}";
                return true;
            }
        }

        if (request.IsResource && request.Namespace.Length > 0)
        {
            foreach (var binding in store.List(ResourceCatalog.RoleBindings, request.Namespace, _ => true).Items)
            {
                if (Binds(binding, user, out var subject) && RulesOf(binding, request.Namespace) is { } rules && rules.Any(r => RuleAllows(r, request)))
                {
                    reason = $"RBAC: allowed by RoleBinding \"{Meta.Name(binding)}/{request.Namespace}\" of {Meta.Str(binding["roleRef"], "kind")} \"{Meta.Str(binding["roleRef"], "name")}\" to {subject}";
                    return true;
                }
            }
        }

        reason = "";
        return false;
    }

    /// <summary>
    /// What the user may do in <paramref name="ns"/> (a SelfSubjectRulesReview, <c>kubectl auth can-i --list</c>): the
    /// rules of every ClusterRoleBinding and of the namespace's RoleBindings naming the user or its groups, after the
    /// ones every authenticated user has.
    /// </summary>
    public (JsonArray ResourceRules, JsonArray NonResourceRules) RulesFor(ClusterUser user, string ns)
    {
        var resourceRules = new JsonArray();
        var nonResourceRules = new JsonArray();
        if (user.IsMaster)
        {
            resourceRules.Add(new JsonObject { ["verbs"] = new JsonArray("*"), ["apiGroups"] = new JsonArray("*"), ["resources"] = new JsonArray("*") });
            nonResourceRules.Add(new JsonObject { ["verbs"] = new JsonArray("*"), ["nonResourceURLs"] = new JsonArray("*") });
            return (resourceRules, nonResourceRules);
        }

        resourceRules.Add(new JsonObject
        {
            ["verbs"] = new JsonArray("create"),
            ["apiGroups"] = new JsonArray("authorization.k8s.io"),
            ["resources"] = new JsonArray("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
        });
        nonResourceRules.Add(new JsonObject
        {
            ["verbs"] = new JsonArray("get"),
            ["nonResourceURLs"] = new JsonArray(PublicPaths.Select(p => (JsonNode)p).ToArray()),
        });
        var bindings = store.List(ResourceCatalog.ClusterRoleBindings, null, _ => true).Items.Select(b => (Binding: b, Namespace: ""));
        if (ns.Length > 0)
        {
            bindings = bindings.Concat(store.List(ResourceCatalog.RoleBindings, ns, _ => true).Items.Select(b => (Binding: b, Namespace: ns)));
        }

        foreach (var (binding, bindingNamespace) in bindings)
        {
            if (!Binds(binding, user, out _) || RulesOf(binding, bindingNamespace) is not { } rules)
            {
                continue;
            }

            foreach (var rule in rules.OfType<JsonObject>())
            {
                if (rule["nonResourceURLs"] is JsonArray urls && urls.Count > 0)
                {
                    nonResourceRules.Add(new JsonObject { ["verbs"] = rule["verbs"]?.DeepClone() ?? new JsonArray(), ["nonResourceURLs"] = urls.DeepClone() });
                }
                else
                {
                    var copy = new JsonObject
                    {
                        ["verbs"] = rule["verbs"]?.DeepClone() ?? new JsonArray(),
                        ["apiGroups"] = rule["apiGroups"]?.DeepClone() ?? new JsonArray(),
                        ["resources"] = rule["resources"]?.DeepClone() ?? new JsonArray(),
                    };
                    if (rule["resourceNames"] is JsonArray names && names.Count > 0)
                    {
                        copy["resourceNames"] = names.DeepClone();
                    }

                    resourceRules.Add(copy);
                }
            }
        }

        return (resourceRules, nonResourceRules);
    }

    /// <summary>The apiserver's 403 for a refused request, word for word.</summary>
    public static ApiException Forbidden(ClusterUser user, RequestAttributes request)
    {
        if (!request.IsResource)
        {
            return new ApiException(403, "Forbidden", $"forbidden: User \"{user.Name}\" cannot {request.Verb} path \"{request.Path}\"", new JsonObject());
        }

        var subject = request.Name.Length > 0 ? $"{request.ResourceWithSubresource} \"{request.Name}\"" : request.ResourceWithSubresource;
        var scope = request.Namespace.Length > 0 ? $"in the namespace \"{request.Namespace}\"" : "at the cluster scope";
        var details = new JsonObject();
        if (request.Name.Length > 0)
        {
            details["name"] = request.Name;
        }

        if (request.Group.Length > 0)
        {
            details["group"] = request.Group;
        }

        details["kind"] = request.Resource;
        return new ApiException(403, "Forbidden",
            $"{subject} is forbidden: User \"{user.Name}\" cannot {request.Verb} resource \"{request.ResourceWithSubresource}\" in API group \"{request.Group}\" {scope}", details);
    }

    private static bool Binds(JsonObject binding, ClusterUser user, out string subject)
    {
        foreach (var s in binding["subjects"] as JsonArray ?? [])
        {
            var kind = Meta.Str(s, "kind");
            var name = Meta.Str(s, "name");
            if ((kind == "User" && name == user.Name) || (kind == "Group" && name is not null && user.EffectiveGroups.Contains(name)) ||
                (kind == "ServiceAccount" && name is not null && ServiceAccountTokens.UserName(Meta.Str(s, "namespace") ?? "", name) == user.Name))
            {
                subject = $"{kind} \"{name}\"";
                return true;
            }
        }

        subject = "";
        return false;
    }

    private IEnumerable<JsonNode?>? RulesOf(JsonObject binding, string ns)
    {
        var kind = Meta.Str(binding["roleRef"], "kind");
        var name = Meta.Str(binding["roleRef"], "name");
        if (name is null)
        {
            return null;
        }

        var role = kind switch
        {
            "ClusterRole" => store.Get(ResourceCatalog.ClusterRoles, "", name),
            "Role" when ns.Length > 0 => store.Get(ResourceCatalog.Roles, ns, name),
            _ => null,
        };
        return role?["rules"] as JsonArray;
    }

    private static bool RuleAllows(JsonNode? rule, RequestAttributes request)
    {
        if (!Contains(rule?["verbs"], request.Verb))
        {
            return false;
        }

        if (!request.IsResource)
        {
            return (rule?["nonResourceURLs"] as JsonArray ?? []).Any(u => u?.GetValue<string>() is { } url && PathMatches(url, request.Path));
        }

        if (!Contains(rule?["apiGroups"], request.Group))
        {
            return false;
        }

        var resources = (rule?["resources"] as JsonArray ?? []).Select(r => r?.GetValue<string>()).ToList();
        var wanted = request.ResourceWithSubresource;
        var resourceMatches = resources.Any(r => r == "*" || r == wanted ||
            (request.Subresource.Length > 0 && (r == $"{request.Resource}/*" || r == $"*/{request.Subresource}")));
        if (!resourceMatches)
        {
            return false;
        }

        var names = rule?["resourceNames"] as JsonArray ?? [];
        return names.Count == 0 || (request.Name.Length > 0 && names.Any(n => n?.GetValue<string>() == request.Name));
    }

    private static bool Contains(JsonNode? list, string value) =>
        (list as JsonArray ?? []).Any(v => v?.GetValue<string>() is { } s && (s == "*" || s == value));

    private static bool PathMatches(string rule, string path) =>
        rule == "*" || rule == path || (rule.EndsWith('*') && path.StartsWith(rule[..^1], StringComparison.Ordinal));
}
