using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Api;

/// <summary>A failed API call, answered as a <c>Status</c> object with the matching HTTP code.</summary>
public sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public int Code { get; }

    public string Reason { get; }

    public JsonObject? Details { get; }

    /// <summary>When set, the answer carries <c>Retry-After</c> (and <c>details.retryAfterSeconds</c>), as the apiserver's 429s do.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiException TooManyRequests(string message, int retryAfterSeconds) =>
        new(429, "TooManyRequests", message, new JsonObject { ["retryAfterSeconds"] = retryAfterSeconds }) { RetryAfterSeconds = retryAfterSeconds };

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.GroupResource} \"{name}\" not found", DetailsFor(type, name));

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.GroupResource} \"{name}\" already exists", DetailsFor(type, name));

    public static ApiException Conflict(ResourceType type, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": {why}", DetailsFor(type, name));

    public static ApiException Invalid(ResourceType type, string name, string why) =>
        new(422, "Invalid", $"{type.Kind} \"{name}\" is invalid: {why}", DetailsFor(type, name));

    /// <summary>422 as the API server words it: <c>Deployment.apps "web" is invalid: [a, b]</c>, each error a <c>details.causes</c> entry.</summary>
    internal static ApiException Invalid(ResourceType type, string name, IReadOnlyList<FieldError> errors)
    {
        var qualifiedKind = type.Group.Length == 0 ? type.Kind : $"{type.Kind}.{type.Group}";
        var list = errors.Count == 1 ? errors[0].ToString() : $"[{string.Join(", ", errors)}]";
        var details = new JsonObject
        {
            ["name"] = name,
            ["group"] = type.Group,
            ["kind"] = type.Kind,
            ["causes"] = new JsonArray(errors.Select(e => (JsonNode)new JsonObject
            {
                ["reason"] = e.Type,
                ["message"] = e.Detail,
                ["field"] = e.Field,
            }).ToArray()),
        };
        return new(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {list}", details);
    }

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException Expired(string message) => new(410, "Expired", message);

    public static ApiException Forbidden(ResourceType type, string name, string why) =>
        new(403, "Forbidden", $"{type.GroupResource} \"{name}\" is forbidden: {why}", DetailsFor(type, name));

    public JsonObject ToStatus() => Status(Code, Reason, Message, Details);

    public static JsonObject Status(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }
        else if (code == 404)
        {
            // The API server always sends details with a 404 (kubectl debug reads details.name without a nil check).
            status["details"] = new JsonObject();
        }

        status["code"] = code;
        return status;
    }

    public static JsonObject Success(ResourceType type, string name, string? uid)
    {
        var details = DetailsFor(type, name);
        if (uid is not null)
        {
            details["uid"] = uid;
        }

        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    private static JsonObject DetailsFor(ResourceType type, string name) => new()
    {
        ["name"] = name,
        ["group"] = type.Group,
        ["kind"] = type.Plural,
    };
}
