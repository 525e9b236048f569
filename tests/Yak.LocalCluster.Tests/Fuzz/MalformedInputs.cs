using System.Text;

namespace Yak.LocalCluster.Tests.Fuzz;

/// <summary>
/// Seeded generators of malformed API input: bodies (mutated objects, deep nesting, YAML aliases and alias bombs,
/// garbage protobuf, oversize), raw HTTP requests (bad request lines, headers, framing), paths and queries, and
/// WebSocket frames. The same seed yields the same inputs, so a failure can be replayed.
/// </summary>
internal sealed class MalformedInputs(int seed)
{
    private const string Pod = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"fuzz","labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"busybox","command":["sh","-c","true"],"volumeMounts":[{"name":"v","mountPath":"/v","subPath":"x"}]}],"volumes":[{"name":"v","emptyDir":{}}]}}""";
    private const string PodYaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: fuzz\nspec:\n  containers:\n  - name: c\n    image: busybox\n";

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "application/merge-patch+json",
        "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml",
        "application/json; charset=utf-16", "application/json;;;", "text/plain", "", "multipart/form-data; boundary=x",
    ];

    private static readonly string[] Targets =
    [
        "POST /api/v1/namespaces/default/pods", "POST /api/v1/namespaces/default/configmaps", "PUT /api/v1/namespaces/default/pods/fuzz",
        "PATCH /api/v1/namespaces/default/pods/fuzz", "PATCH /api/v1/namespaces/default/configmaps/fuzz?fieldManager=f&force=true",
        "POST /apis/apps/v1/namespaces/default/deployments", "DELETE /api/v1/namespaces/default/pods/fuzz", "POST /api/v1/namespaces",
        "PUT /apis/apps/v1/namespaces/default/deployments/fuzz/scale", "POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        "POST /api/v1/namespaces/default/pods?dryRun=All",
    ];

    private static readonly string[] Segments =
    [
        "api", "apis", "v1", "apps", "namespaces", "default", "pods", "fuzz", "status", "log", "exec", "scale", "..", ".", "%2e%2e",
        "%00", "%2F", "configmaps", "deployments", "kube-system", "..%2f..%2fetc", "", "openapi", "v2", "v3", "version", "local-cluster",
        "\u00e9", "%ff%fe", "a b", "x;y", "~", "*", "apis/apps", "events.k8s.io", "nodes", "services", "proxy",
    ];

    private static readonly string[] QueryKeys =
    [
        "labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "timeoutSeconds", "dryRun", "fieldManager",
        "gracePeriodSeconds", "propagationPolicy", "container", "tailLines", "sinceSeconds", "command", "pretty", "includeObject",
        "resourceVersionMatch", "allowWatchBookmarks", "limitBytes",
    ];

    private readonly Random _random = new(seed);

    public (string Method, string Path, byte[] Body, string ContentType) Body()
    {
        var target = Pick(Targets).Split(' ');
        var body = _random.Next(14) switch
        {
            0 => Truncate(Pod),
            1 => Flip(Pod),
            2 => Nest("[", "]", _random.Next(50, 20_000)),
            3 => Nest("{\"a\":", "}", _random.Next(50, 20_000)),
            4 => "&a {x: *a}",
            5 => AliasBomb(),
            6 => NestYaml(_random.Next(50, 2_000)),
            7 => "k8s\0" + RandomText(_random.Next(0, 300)),
            8 => Flip(PodYaml),
            9 => Pick(["", "null", "[]", "\"s\"", "1e999999", "{\"metadata\":[]}", "{\"metadata\":{\"name\":{}}}", "- a\n- b", "? [a]\n: b", "{a: 1, a: 2}", "--- !!binary AAAA", "x: !!int abc", "[{\"op\":\"move\",\"from\":\"/spec\",\"path\":\"/spec/x\"}]", "{\"spec\":{\"containers\":[{\"name\":\"../../etc\",\"image\":\"busybox\"}]}}"]),
            10 => RandomText(_random.Next(0, 2_000)),
            11 => Pod.Replace("\"c\"", "\"" + Pick(["../x", "a/b", "", "A", new string('a', 300), "..", "x\u0000y"]) + "\"", StringComparison.Ordinal),
            12 => _random.Next(40) == 0 ? "{\"a\":\"" + new string('x', 4 * 1024 * 1024) + "\"}" : Pod,
            _ => Pod.Insert(_random.Next(Pod.Length), RandomText(_random.Next(1, 20))),
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        if (bytes.Length > 0 && _random.Next(10) == 0)
        {
            bytes[_random.Next(bytes.Length)] = (byte)_random.Next(0x80, 0x100); // invalid UTF-8
        }

        return (target[0], target[1], bytes, Pick(ContentTypes));
    }

    /// <summary>A raw HTTP/1.1 request with something wrong in its line, headers or framing; <paramref name="token"/> is sometimes sent.</summary>
    public byte[] RawRequest(string authority, string token)
    {
        var auth = _random.Next(2) == 0 ? $"Authorization: Bearer {token}\r\n" : "";
        var request = _random.Next(12) switch
        {
            0 => $"GET /api/v1/namespaces HTTP/1.1\r\nHost: {authority}\r\n{auth}X-Big: {new string('a', _random.Next(10_000, 100_000))}\r\n\r\n",
            1 => $"GET /api/v1/namespaces HTTP/1.1\r\nHost: {authority}\r\n{auth}{string.Concat(Enumerable.Range(0, _random.Next(90, 400)).Select(i => $"X-H{i}: v\r\n"))}\r\n",
            2 => $"POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: {authority}\r\n{auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{RandomText(20)}\r\n",
            3 => $"POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: {authority}\r\n{auth}Content-Type: application/json\r\nContent-Length: {_random.Next(100, 1000)}\r\n\r\n{{\"a\":1}}",
            4 => $"{Pick(["GET", "BREW", "", "G\u00e9T", "CONNECT"])} {Pick(["/", "*", "http://evil/", "/api/v1/../../x", "//", "/%"])} HTTP/{Pick(["1.1", "1.0", "9.9", "x"])}\r\nHost: {authority}\r\n{auth}\r\n",
            5 => RandomText(_random.Next(1, 500)) + "\r\n\r\n",
            6 => $"GET /api/v1/namespaces HTTP/1.1\r\nHost: {authority}\r\n{auth}Content-Length: -1\r\nContent-Length: 5\r\n\r\n",
            7 => $"GET /api/v1/namespaces HTTP/1.1\r\nHost: {authority}\r\nAuthorization: {Pick(["Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer " + new string('x', 5000), "bearer \u0000"])}\r\n\r\n",
            8 => $"GET /api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1 HTTP/1.1\r\nHost: {authority}\r\n{auth}Accept: {Pick(["application/json;as=Table;g=meta.k8s.io;v=v1", "*/*;q=x", "application/vnd.kubernetes.protobuf;stream=watch", RandomText(30)])}\r\n\r\n",
            9 => $"GET /api/v1/namespaces/default/pods/p/exec?command=x HTTP/1.1\r\nHost: {authority}\r\n{auth}Connection: Upgrade\r\nUpgrade: {Pick(["websocket", "SPDY/3.1", "h2c", RandomText(5)])}\r\nSec-WebSocket-Version: {Pick(["13", "8", ""])}\r\nSec-WebSocket-Key: {Pick(["dGhlIHNhbXBsZSBub25jZQ==", "", "!!"])}\r\nSec-WebSocket-Protocol: {Pick(["v5.channel.k8s.io", "base64url.bearer.authorization.k8s.io.!!!", RandomText(10)])}\r\n\r\n",
            10 => $"GET /api/v1/namespaces HTTP/1.1\r\nHost: {Pick(["", "evil", authority + authority, "[::1", "127.0.0.1:99999"])}\r\n{auth}Origin: {Pick(["null", "http://x", ""])}\r\n\r\n",
            _ => $"GET /{RandomText(_random.Next(1, 9000)).Replace("\r", "").Replace("\n", "")} HTTP/1.1\r\nHost: {authority}\r\n{auth}\r\n",
        };
        return Encoding.UTF8.GetBytes(request);
    }

    public string Path()
    {
        var segments = Enumerable.Range(0, _random.Next(1, 9)).Select(_ => _random.Next(8) == 0 ? Uri.EscapeDataString(RandomText(_random.Next(1, 40))) : Pick(Segments));
        var query = string.Join('&', Enumerable.Range(0, _random.Next(0, 4)).Select(_ => $"{Pick(QueryKeys)}={Uri.EscapeDataString(Pick(["", "-1", "0", "99999999999999999999", "a=b,,c", "!", "in (", "notin (a", "metadata.name=", "x==y", RandomText(10)]))}"));
        return "/" + string.Join('/', segments) + (query.Length > 0 ? "?" + query : "");
    }

    /// <summary>One WebSocket frame from a client (masked or not), often wrong: bad opcodes, reserved bits, lying lengths, oversize.</summary>
    public byte[] Frame()
    {
        var opcode = _random.Next(6) switch
        {
            0 => (byte)_random.Next(3, 8),
            1 => (byte)_random.Next(11, 16),
            2 => (byte)0x8,
            3 => (byte)0x9,
            _ => (byte)0x2,
        };
        var fin = _random.Next(4) != 0;
        var rsv = _random.Next(8) == 0 ? (byte)0x70 : (byte)0;
        var payload = _random.Next(30) == 0 ? new byte[2 * 1024 * 1024] : Encoding.UTF8.GetBytes(RandomText(_random.Next(0, 200)));
        if (payload.Length > 0 && _random.Next(2) == 0)
        {
            payload[0] = (byte)_random.Next(0, 6); // a channel byte: stdin, resize (4) with garbage JSON, close (255) ...
        }

        var masked = _random.Next(10) != 0;
        using var frame = new MemoryStream();
        frame.WriteByte((byte)((fin ? 0x80 : 0) | rsv | opcode));
        var lie = _random.Next(10) == 0;
        var length = lie ? (ulong)_random.NextInt64(0, long.MaxValue) : (ulong)payload.Length;
        var maskBit = masked ? 0x80 : 0;
        if (length < 126)
        {
            frame.WriteByte((byte)(maskBit | (int)length));
        }
        else if (length <= ushort.MaxValue)
        {
            frame.WriteByte((byte)(maskBit | 126));
            frame.Write([(byte)(length >> 8), (byte)length]);
        }
        else
        {
            frame.WriteByte((byte)(maskBit | 127));
            for (var shift = 56; shift >= 0; shift -= 8)
            {
                frame.WriteByte((byte)(length >> shift));
            }
        }

        var mask = new byte[4];
        if (masked)
        {
            _random.NextBytes(mask);
            frame.Write(mask);
        }

        for (var i = 0; i < payload.Length; i++)
        {
            frame.WriteByte((byte)(payload[i] ^ mask[i % 4]));
        }

        return frame.ToArray();
    }

    public int Next(int max) => _random.Next(max);

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    private string Truncate(string text) => text[.._random.Next(text.Length)];

    private string Flip(string text)
    {
        var chars = text.ToCharArray();
        for (var i = _random.Next(1, 6); i > 0; i--)
        {
            chars[_random.Next(chars.Length)] = "{}[]\":,'&*!|>-#\\\n\t \u0000"[_random.Next(20)];
        }

        return new string(chars);
    }

    private static string Nest(string open, string close, int depth) =>
        new StringBuilder(depth * (open.Length + close.Length)).Insert(0, open, depth).Insert(depth * open.Length, close, depth).ToString();

    private static string NestYaml(int depth)
    {
        var text = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            text.Append(' ', i).Append("a:\n");
        }

        return text.ToString();
    }

    private string AliasBomb()
    {
        var text = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        var levels = _random.Next(3, 10);
        for (var i = 1; i < levels; i++)
        {
            var previous = (char)('a' + i - 1);
            var name = (char)('a' + i);
            text.Append(name).Append(": &").Append(name).Append(" [").AppendJoin(',', Enumerable.Repeat("*" + previous, 9)).Append("]\n");
        }

        return text.ToString();
    }

    private string RandomText(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = _random.Next(4) == 0 ? (char)_random.Next(0, 0x800) : (char)_random.Next(0x20, 0x7f);
        }

        return new string(chars);
    }
}
