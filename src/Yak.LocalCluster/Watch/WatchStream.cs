using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Serialization;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Watch;

/// <summary>
/// A watch: a chunked stream of newline-delimited <c>{"type","object"}</c> events, filtered by namespace and selectors,
/// starting after the requested resourceVersion (or with synthetic ADDED events for the current state).
/// </summary>
public static class WatchStream
{
    public static async Task Serve(HttpContext context, ObjectStore store, RequestTarget target)
    {
        if (HttpJson.Flag(context, "sendInitialEvents"))
        {
            throw new ApiException(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled");
        }

        var settings = context.RequestServices.GetService<WatchSettings>() ?? new WatchSettings();
        var lifetime = context.RequestServices.GetService<IHostApplicationLifetime>();
        var type = target.Type;
        var ns = type.Namespaced ? target.Namespace : null;
        var filter = ResourceEndpoints.Filter(context);
        var bookmarks = HttpJson.Flag(context, "allowWatchBookmarks");
        var timeout = long.TryParse(HttpJson.Query(context, "timeoutSeconds"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : settings.DefaultTimeout;

        var requested = HttpJson.Query(context, "resourceVersion");
        List<JsonObject> initial = [];
        ObjectStore.Subscription subscription;
        long lastRv;
        try
        {
            if (requested is null or "0")
            {
                var (items, rv) = store.List(type, ns, filter);
                initial = items;
                subscription = store.Subscribe(rv);
                lastRv = rv;
            }
            else if (long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
            {
                subscription = store.Subscribe(from);
                lastRv = from;
            }
            else
            {
                throw ApiException.BadRequest($"invalid resource version \"{requested}\"");
            }
        }
        catch (ApiException e) when (e.Code == 410)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await WriteLine(context, new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() });
            return;
        }

        IDisposable? slot;
        try
        {
            slot = ClientLimits.EnterWatch(context);
        }
        catch
        {
            subscription.Dispose();
            throw;
        }

        using (slot)
        using (subscription)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = TableConverter.Wanted(context.Request.Headers.Accept.ToString()) ? TableConverter.ContentType : "application/json";
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            foreach (var obj in initial)
            {
                await WriteEvent(context, "ADDED", obj);
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime?.ApplicationStopping ?? default);
            cts.CancelAfter(timeout);
            try
            {
                lastRv = await Pump(context, subscription.Reader, type, ns, filter, bookmarks, settings.BookmarkInterval, lastRv, cts.Token);
                if (lastRv < 0 && subscription.Overflowed)
                {
                    // The client read too slowly and its queue filled: tell it to re-list, as the apiserver does for a watcher it drops.
                    await WriteLine(context, new JsonObject { ["type"] = "ERROR", ["object"] = ApiException.Expired("the watch fell too far behind the store and was closed; list again and watch from the new resourceVersion").ToStatus() });
                }
                else if (lastRv < 0)
                {
                    // The subscription was closed under us (fault injection: drop streams): cut the connection.
                    context.Abort();
                }
            }
            catch (OperationCanceledException)
            {
                // Timeout, client gone, or shutdown: end the stream cleanly.
            }
        }
    }

    private static async Task<long> Pump(HttpContext context, ChannelReader<StoreEvent> reader, ResourceType type, string? ns, Func<JsonObject, bool> filter,
        bool bookmarks, TimeSpan bookmarkInterval, long lastRv, CancellationToken cancellationToken)
    {
        var nextBookmark = DateTime.UtcNow + bookmarkInterval;
        Task<bool>? pending = null;
        while (true)
        {
            var wait = pending ?? reader.WaitToReadAsync(cancellationToken).AsTask();
            pending = wait;
            if (bookmarks)
            {
                var delay = nextBookmark - DateTime.UtcNow;
                var timer = Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, cancellationToken);
                if (await Task.WhenAny(wait, timer) == timer)
                {
                    await timer;
                    while (reader.TryRead(out var queued))
                    {
                        lastRv = await Deliver(context, queued, type, ns, filter, lastRv);
                    }

                    await WriteEvent(context, "BOOKMARK", new JsonObject
                    {
                        ["kind"] = type.Kind,
                        ["apiVersion"] = type.GroupVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = lastRv.ToString(CultureInfo.InvariantCulture) },
                    });
                    nextBookmark = DateTime.UtcNow + bookmarkInterval;
                    continue;
                }
            }

            pending = null;
            if (!await wait)
            {
                return -1;
            }

            while (reader.TryRead(out var e))
            {
                lastRv = await Deliver(context, e, type, ns, filter, lastRv);
            }
        }
    }

    private static async Task<long> Deliver(HttpContext context, StoreEvent e, ResourceType type, string? ns, Func<JsonObject, bool> filter, long lastRv)
    {
        if (e.Resource != type || (ns is not null && Meta.Namespace(e.Object) != ns))
        {
            return Math.Max(lastRv, e.ResourceVersion);
        }

        var matchesNow = e.Type != StoreEventType.Deleted && filter(e.Object);
        var matchedBefore = e.Previous is not null && filter(e.Previous);
        string? wireType = e.Type switch
        {
            StoreEventType.Added when matchesNow => "ADDED",
            StoreEventType.Modified when matchesNow && matchedBefore => "MODIFIED",
            StoreEventType.Modified when matchesNow => "ADDED",
            StoreEventType.Modified when matchedBefore => "DELETED",
            StoreEventType.Deleted when matchedBefore => "DELETED",
            _ => null,
        };
        if (wireType is not null)
        {
            await WriteEvent(context, wireType, e.Object);
        }

        return Math.Max(lastRv, e.ResourceVersion);
    }

    private static Task WriteEvent(HttpContext context, string type, JsonObject obj)
    {
        JsonNode payload = obj.DeepClone();
        if (type != "BOOKMARK" && TableConverter.Wanted(context.Request.Headers.Accept.ToString()) &&
            ResourceCatalog.FindByKind(Meta.Str(obj, "apiVersion") ?? "", Meta.Str(obj, "kind") ?? "") is { } resource)
        {
            // kubectl get --watch asks for Tables: each event carries a one-row Table.
            payload = TableConverter.Table(resource, [obj], Meta.Str(obj["metadata"], "resourceVersion") ?? "");
        }

        return WriteLine(context, new JsonObject { ["type"] = type, ["object"] = payload });
    }

    private static async Task WriteLine(HttpContext context, JsonObject line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString(HttpJson.SerializerOptions) + "\n");
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
