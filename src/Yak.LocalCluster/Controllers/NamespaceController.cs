using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// Namespaces: a Terminating namespace has everything in it deleted (pods gracefully), and is removed once empty;
/// every active namespace has a <c>default</c> service account.
/// </summary>
internal sealed class NamespaceController(ClusterApi api)
{
    public void Reconcile()
    {
        foreach (var ns in api.Store.List(ResourceCatalog.Namespaces, null).Items)
        {
            var name = Meta.Name(ns);
            if (!Meta.IsDeleting(ns))
            {
                EnsureDefaultServiceAccount(name);
                continue;
            }

            var remaining = 0;
            foreach (var type in ResourceCatalog.All.Where(t => t.Namespaced))
            {
                foreach (var obj in api.Store.List(type, name).Items)
                {
                    remaining++;
                    if (Meta.IsDeleting(obj) && type != ResourceCatalog.Pods)
                    {
                        // Finalizers are not ours to wait for in a namespace being torn down.
                        api.Modify(type, name, Meta.Name(obj), o =>
                        {
                            Meta.Metadata(o).Remove("finalizers");
                            return true;
                        });
                        continue;
                    }

                    if (!Meta.IsDeleting(obj))
                    {
                        try
                        {
                            api.Delete(type, name, Meta.Name(obj), DeleteOptions.Default);
                        }
                        catch (ApiException)
                        {
                            // Gone meanwhile.
                        }
                    }
                }
            }

            if (remaining == 0)
            {
                api.FinishNamespaceDeletion(name);
            }
        }
    }

    private void EnsureDefaultServiceAccount(string ns)
    {
        if (api.TryGet(ResourceCatalog.ServiceAccounts, ns, "default") is not null)
        {
            return;
        }

        try
        {
            api.Create(ResourceCatalog.ServiceAccounts, ns, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }, WriteOptions.Internal);
        }
        catch (ApiException)
        {
            // Created meanwhile, or the namespace is going away.
        }
    }
}
