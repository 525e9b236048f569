using Microsoft.AspNetCore.Http;

namespace Yak.LocalCluster.Auth;

/// <summary>
/// What a request asks to do, in the authorizer's terms (the apiserver's RequestInfo): a verb on a resource (group,
/// resource, subresource, namespace, name) or on a non-resource path.
/// </summary>
public sealed record RequestAttributes(string Verb, bool IsResource, string Group, string Resource, string Subresource, string Namespace, string Name, string Path)
{
    /// <summary>The resource as RBAC rules name it, e.g. <c>pods/exec</c>.</summary>
    public string ResourceWithSubresource => Subresource.Length == 0 ? Resource : $"{Resource}/{Subresource}";

    public static RequestAttributes NonResource(string verb, string path) => new(verb, false, "", "", "", "", "", path);

    public static RequestAttributes From(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method.ToUpperInvariant();
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group;
        string[] rest;
        if (segments is ["api", "v1", .. var core] && core.Length > 0)
        {
            (group, rest) = ("", core);
        }
        else if (segments is ["apis", var g, _, .. var named] && named.Length > 0)
        {
            (group, rest) = (g, named);
        }
        else
        {
            return NonResource(method.ToLowerInvariant(), path);
        }

        var watch = false;
        if (rest is ["watch", .. var watched])
        {
            // The legacy /watch/ prefix.
            (watch, rest) = (true, watched);
        }

        var ns = "";
        if (rest is ["namespaces", var n, _, ..])
        {
            (ns, rest) = (n, rest[2..]);
        }

        var resource = rest[0];
        var name = rest.Length > 1 ? rest[1] : "";
        var subresource = rest.Length > 2 ? string.Join('/', rest[2..]) : "";
        if (resource == "namespaces" && name.Length > 0)
        {
            // A namespace is in itself, as the apiserver sees it (so a RoleBinding in "shop" can grant get on namespace "shop").
            ns = name;
        }

        watch |= Flag(context, "watch");
        var verb = subresource is "exec" or "attach" or "portforward" or "proxy"
            ? "create" // connect requests need create, whether they come as a GET (WebSocket) or a POST (SPDY)
            : method switch
            {
                "GET" or "HEAD" => name.Length == 0 ? (watch ? "watch" : "list") : (watch ? "watch" : "get"),
                "POST" => "create",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => name.Length == 0 ? "deletecollection" : "delete",
                _ => method.ToLowerInvariant(),
            };
        return new RequestAttributes(verb, true, group, resource, subresource, ns, name, path);
    }

    private static bool Flag(HttpContext context, string name)
    {
        var value = context.Request.Query[name].ToString();
        return value.Length > 0 && value != "0" && !value.Equals("false", StringComparison.OrdinalIgnoreCase);
    }
}
