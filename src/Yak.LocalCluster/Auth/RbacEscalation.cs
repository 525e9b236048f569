using System.Text;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Auth;

/// <summary>
/// The RBAC escalation checks the apiserver makes on every write of a role or binding: a user may write a Role or
/// ClusterRole only with permissions it already holds there (or the <c>escalate</c> verb on it), and bind a role only
/// when it holds the role's permissions in the binding's scope (or the <c>bind</c> verb on that role). A rule is
/// held when each of its verb × group × resource (× name) and verb × URL is allowed by the authorizer; a wildcard is
/// held only through a wildcard.
/// </summary>
internal static class RbacEscalation
{
    public static void Check(RbacAuthorizer authorizer, ClusterUser user, ResourceType type, JsonObject obj)
    {
        if (user.IsMaster)
        {
            return;
        }

        var ns = type.Namespaced ? Meta.Namespace(obj) : "";
        if (type == ResourceCatalog.Roles || type == ResourceCatalog.ClusterRoles)
        {
            var escalate = new RequestAttributes("escalate", true, "rbac.authorization.k8s.io", type.Plural, "", ns, Meta.Name(obj), "");
            if (!authorizer.Allows(user, escalate, out _))
            {
                Require(authorizer, user, type, obj, obj["rules"] as JsonArray ?? [], ns);
            }
        }
        else if (type == ResourceCatalog.RoleBindings || type == ResourceCatalog.ClusterRoleBindings)
        {
            var roleKind = Meta.Str(obj["roleRef"], "kind") ?? "";
            var roleName = Meta.Str(obj["roleRef"], "name") ?? "";
            var roleType = roleKind == "Role" ? ResourceCatalog.Roles : ResourceCatalog.ClusterRoles;
            var bind = new RequestAttributes("bind", true, "rbac.authorization.k8s.io", roleType.Plural, "", roleKind == "Role" ? ns : "", roleName, "");
            var bindInNamespace = bind with { Namespace = ns };
            if (authorizer.Allows(user, bind, out _) || (ns.Length > 0 && authorizer.Allows(user, bindInNamespace, out _)))
            {
                return;
            }

            var role = roleKind == "Role" ? authorizer.Store.Get(ResourceCatalog.Roles, ns, roleName) : authorizer.Store.Get(ResourceCatalog.ClusterRoles, "", roleName);
            if (role is not null)
            {
                Require(authorizer, user, type, obj, role["rules"] as JsonArray ?? [], ns);
            }
        }
    }

    private static void Require(RbacAuthorizer authorizer, ClusterUser user, ResourceType type, JsonObject obj, JsonArray rules, string ns)
    {
        var missing = rules.OfType<JsonObject>().Where(rule => !Holds(authorizer, user, rule, ns)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var groups = string.Join(',', user.EffectiveGroups.Select(g => $"\"{g}\""));
        var text = new StringBuilder($"{type.GroupResource} \"{Meta.Name(obj)}\" is forbidden: user \"{user.Name}\" (groups=[{groups}]) is attempting to grant RBAC permissions not currently held:");
        foreach (var rule in missing)
        {
            text.Append('\n').Append(Describe(rule));
        }

        var details = new JsonObject { ["name"] = Meta.Name(obj), ["group"] = type.Group, ["kind"] = type.Plural };
        throw new ApiException(403, "Forbidden", text.ToString(), details);
    }

    private static bool Holds(RbacAuthorizer authorizer, ClusterUser user, JsonObject rule, string ns)
    {
        var verbs = Strings(rule["verbs"]);
        if (Strings(rule["nonResourceURLs"]) is { Count: > 0 } urls)
        {
            return verbs.All(v => urls.All(u => authorizer.Allows(user, RequestAttributes.NonResource(v, u), out _)));
        }

        var names = Strings(rule["resourceNames"]);
        foreach (var verb in verbs)
        {
            foreach (var group in Strings(rule["apiGroups"]))
            {
                foreach (var resource in Strings(rule["resources"]))
                {
                    var slash = resource.IndexOf('/', StringComparison.Ordinal);
                    var (name, sub) = slash < 0 ? (resource, "") : (resource[..slash], resource[(slash + 1)..]);
                    foreach (var resourceName in names.Count == 0 ? [""] : names)
                    {
                        if (!authorizer.Allows(user, new RequestAttributes(verb, true, group, name, sub, ns, resourceName, ""), out _))
                        {
                            return false;
                        }
                    }
                }
            }
        }

        return true;
    }

    private static List<string> Strings(JsonNode? node) =>
        (node as JsonArray ?? []).Select(v => v is JsonValue value && value.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToList();

    /// <summary>As the apiserver prints a PolicyRule in the refusal.</summary>
    private static string Describe(JsonObject rule)
    {
        static string List(IEnumerable<string> values) => "[" + string.Join(' ', values.Select(v => $"\"{v}\"")) + "]";
        var parts = new List<string>();
        if (Strings(rule["apiGroups"]) is { Count: > 0 } groups)
        {
            parts.Add("APIGroups:" + List(groups));
        }

        if (Strings(rule["resources"]) is { Count: > 0 } resources)
        {
            parts.Add("Resources:" + List(resources));
        }

        if (Strings(rule["resourceNames"]) is { Count: > 0 } names)
        {
            parts.Add("ResourceNames:" + List(names));
        }

        if (Strings(rule["nonResourceURLs"]) is { Count: > 0 } urls)
        {
            parts.Add("NonResourceURLs:" + List(urls));
        }

        parts.Add("Verbs:" + List(Strings(rule["verbs"])));
        return "{" + string.Join(", ", parts) + "}";
    }
}
