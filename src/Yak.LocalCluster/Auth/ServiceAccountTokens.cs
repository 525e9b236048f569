using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Hosting;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Auth;

/// <summary>
/// Bound service-account tokens as the apiserver issues them through the TokenRequest API and accepts them: a JWT
/// (ES256, signed with the cluster's service-account key kept 0600 in <c>pki/sa.key</c>) whose claims name the
/// ServiceAccount by namespace, name and uid, with an expiry. A token authenticates as
/// <c>system:serviceaccount:NS:NAME</c> (groups <c>system:serviceaccounts</c>, <c>system:serviceaccounts:NS</c>) only
/// while it is unexpired by the cluster's clock and its ServiceAccount still exists with the same uid — deleting the
/// ServiceAccount revokes every token issued for it.
/// </summary>
public sealed class ServiceAccountTokens
{
    /// <summary>The issuer and default audience (the apiserver's default <c>--service-account-issuer</c> on kubeadm clusters).</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    /// <summary>The shortest <c>expirationSeconds</c> the apiserver accepts.</summary>
    public const long MinExpirationSeconds = 600;

    /// <summary>The expiry when the request names none (the apiserver's default).</summary>
    public const long DefaultExpirationSeconds = 3600;

    private const long MaxExpirationSeconds = 1L << 32;
    private const int MaxTokenChars = 16 * 1024;
    private static readonly string Header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "ES256", kid = "local-cluster" }));

    private readonly ECDsa key;
    private readonly ObjectStore store;
    private readonly TimeProvider time;

    public ServiceAccountTokens(string stateDirectory, ObjectStore store, TimeProvider time)
    {
        key = LoadOrCreateKey(Path.Combine(stateDirectory, "pki", "sa.key"));
        this.store = store;
        this.time = time;
    }

    public static string UserName(string ns, string name) => $"system:serviceaccount:{ns}:{name}";

    /// <summary>
    /// Answers a TokenRequest for ServiceAccount <paramref name="name"/> in <paramref name="ns"/>: validates it as the
    /// apiserver does, issues the token and returns the TokenRequest with its status.
    /// </summary>
    public JsonObject Issue(string ns, string name, JsonObject request)
    {
        var account = store.Get(ResourceCatalog.ServiceAccounts, ns, name) ?? throw ApiException.NotFound(ResourceCatalog.ServiceAccounts, name);
        var spec = request["spec"] as JsonObject ?? new JsonObject();
        var seconds = Meta.Long(spec["expirationSeconds"]) ?? DefaultExpirationSeconds;
        if (seconds < MinExpirationSeconds)
        {
            throw new ApiException(422, "Invalid", $"TokenRequest.authentication.k8s.io \"{name}\" is invalid: spec.expirationSeconds: Invalid value: {seconds}: may not specify a duration less than 10 minutes");
        }

        if (seconds > MaxExpirationSeconds)
        {
            throw new ApiException(422, "Invalid", $"TokenRequest.authentication.k8s.io \"{name}\" is invalid: spec.expirationSeconds: Invalid value: {seconds}: may not specify a duration larger than 2^32 seconds");
        }

        var audiences = (spec["audiences"] as JsonArray ?? []).Select(a => a?.GetValue<string>()).OfType<string>().ToList();
        if (audiences.Count == 0)
        {
            audiences.Add(Issuer);
        }

        var bound = spec["boundObjectRef"] as JsonObject;
        if (bound is not null && Meta.Str(bound, "kind") is not ("Pod" or "Secret" or "Node"))
        {
            throw new ApiException(400, "BadRequest", $"cannot bind token for serviceaccount \"{name}\" to object of kind \"{Meta.Str(bound, "kind")}\"");
        }

        var now = time.GetUtcNow();
        var expires = now.AddSeconds(seconds);
        var kubernetes = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = Meta.Uid(account) },
        };
        if (bound is not null)
        {
            var kind = Meta.Str(bound, "kind")!.ToLowerInvariant();
            var boundName = Meta.Str(bound, "name") ?? "";
            var target = kind switch
            {
                "pod" => store.Get(ResourceCatalog.Pods, ns, boundName),
                "secret" => store.Get(ResourceCatalog.Secrets, ns, boundName),
                _ => store.Get(ResourceCatalog.Nodes, "", boundName),
            } ?? throw new ApiException(404, "NotFound", $"{kind}s \"{boundName}\" not found");
            kubernetes[kind] = new JsonObject { ["name"] = boundName, ["uid"] = Meta.Uid(target) };
        }

        var claims = new JsonObject
        {
            ["aud"] = new JsonArray([.. audiences.Select(a => (JsonNode)a)]),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = kubernetes,
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["sub"] = UserName(ns, name),
        };
        var signed = Header + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var responseSpec = new JsonObject
        {
            ["audiences"] = new JsonArray([.. audiences.Select(a => (JsonNode)a)]),
            ["expirationSeconds"] = seconds,
        };
        if (bound is not null)
        {
            responseSpec["boundObjectRef"] = bound.DeepClone();
        }
        return new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = Meta.Timestamp(now) },
            ["spec"] = responseSpec,
            ["status"] = new JsonObject { ["token"] = signed + "." + Base64Url(signature), ["expirationTimestamp"] = Meta.Timestamp(expires) },
        };
    }

    /// <summary>The service account a bearer token speaks for, or null: not a token of this cluster, expired, or its account (or bound object) is gone.</summary>
    public ClusterUser? Authenticate(string token)
    {
        if (token.Length > MaxTokenChars || token.Split('.') is not [var header, var payload, var signature])
        {
            return null;
        }

        JsonObject? claims;
        try
        {
            if (!key.VerifyData(Encoding.ASCII.GetBytes(header + "." + payload), FromBase64Url(signature), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                return null;
            }

            claims = JsonNode.Parse(FromBase64Url(payload)) as JsonObject;
        }
        catch (Exception e) when (e is FormatException or JsonException or CryptographicException)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (claims is null || Meta.Str(claims, "iss") != Issuer || !(Meta.Long(claims["exp"]) > now) || Meta.Long(claims["nbf"]) > now)
        {
            return null;
        }

        if (claims["aud"] is not JsonArray audiences || !audiences.Any(a => a is JsonValue v && v.TryGetValue<string>(out var s) && s == Issuer))
        {
            return null;
        }

        var kubernetes = claims["kubernetes.io"] as JsonObject;
        var ns = Meta.Str(kubernetes, "namespace");
        var name = Meta.Str(kubernetes?["serviceaccount"], "name");
        var uid = Meta.Str(kubernetes?["serviceaccount"], "uid");
        if (ns is null || name is null || uid is null || store.Get(ResourceCatalog.ServiceAccounts, ns, name) is not { } account || Meta.Uid(account) != uid || Meta.IsDeleting(account))
        {
            return null;
        }

        foreach (var (kind, type) in new[] { ("pod", ResourceCatalog.Pods), ("secret", ResourceCatalog.Secrets) })
        {
            if (kubernetes![kind] is JsonObject bound && (store.Get(type, ns, Meta.Str(bound, "name") ?? "") is not { } target || Meta.Uid(target) != Meta.Str(bound, "uid")))
            {
                return null;
            }
        }

        return new ClusterUser(UserName(ns, name), uid, ["system:serviceaccounts", $"system:serviceaccounts:{ns}", ClusterUser.AuthenticatedGroup]);
    }

    private static ECDsa LoadOrCreateKey(string path)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            return key;
        }

        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        PrivateFiles.EnsureFolder(Path.GetDirectoryName(path)!);
        PrivateFiles.WriteAtomic(path, key.ExportPkcs8PrivateKeyPem());
        return key;
    }

    private static string Base64Url(byte[] bytes) => TokenFile.Base64Url(bytes);

    private static byte[] FromBase64Url(string value)
    {
        var padded = value.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }
}
