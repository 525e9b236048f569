using System.Text;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Serialization;

/// <summary>
/// Decodes <c>application/vnd.kubernetes.protobuf</c> request bodies (the "k8s\0" envelope around runtime.Unknown)
/// into JSON, for the kinds in <see cref="ProtobufSchema"/>. kubectl's typed clients send protobuf and do not fall
/// back to JSON, so <c>kubectl create namespace</c> and friends need this. Responses are always JSON.
/// </summary>
internal static class ProtobufDecoder
{
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    /// <summary>The object as JSON, or null when the kind is not one this decoder knows.</summary>
    public static JsonObject? Decode(byte[] body)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw ApiException.BadRequest("protobuf body without the k8s envelope");
        }

        var unknown = new Reader(body, Magic.Length, body.Length);
        string apiVersion = "", kind = "";
        ReadOnlyMemory<byte> raw = default;
        while (unknown.More)
        {
            var (field, wire) = unknown.Key();
            if (field == 1 && wire == 2)
            {
                var typeMeta = unknown.Sub();
                while (typeMeta.More)
                {
                    var (f, w) = typeMeta.Key();
                    if (f == 1 && w == 2)
                    {
                        apiVersion = typeMeta.String();
                    }
                    else if (f == 2 && w == 2)
                    {
                        kind = typeMeta.String();
                    }
                    else
                    {
                        typeMeta.Skip(w);
                    }
                }
            }
            else if (field == 2 && wire == 2)
            {
                raw = unknown.Bytes();
            }
            else
            {
                unknown.Skip(wire);
            }
        }

        if (!ProtobufSchema.Messages.ContainsKey(kind))
        {
            return null;
        }

        var bytes = raw.ToArray();
        var obj = Message(new Reader(bytes, 0, bytes.Length), kind);
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private static JsonObject Message(Reader reader, string message)
    {
        var schema = ProtobufSchema.Messages[message];
        var obj = new JsonObject();
        while (reader.More)
        {
            var (number, wire) = reader.Key();
            if (!schema.TryGetValue(number, out var field))
            {
                reader.Skip(wire);
                continue;
            }

            JsonNode? value = field.Kind switch
            {
                ProtoKind.String => reader.String(),
                ProtoKind.Int => (long)reader.Varint(),
                ProtoKind.Bool => reader.Varint() != 0,
                ProtoKind.Bytes => Convert.ToBase64String(reader.Bytes().Span),
                ProtoKind.Message => Message(reader.Sub(), field.Message!),
                ProtoKind.IntOrString => IntOrString(reader.Sub()),
                ProtoKind.Quantity => Quantity(reader.Sub()),
                _ => null,
            };
            if (field.Kind is ProtoKind.MapStringString or ProtoKind.MapStringBytes or ProtoKind.MapStringQuantity)
            {
                var map = obj[field.Json] as JsonObject ?? new JsonObject();
                var (key, entry) = MapEntry(reader.Sub(), field.Kind);
                map[key] = entry;
                obj[field.Json] = map;
            }
            else if (field.Repeated)
            {
                var list = obj[field.Json] as JsonArray ?? new JsonArray();
                list.Add(value);
                obj[field.Json] = list;
            }
            else if (!IsZero(value))
            {
                // gogo-protobuf writes every non-pointer field, zero or not; JSON omits them (omitempty).
                obj[field.Json] = value;
            }
        }

        return obj;
    }

    private static bool IsZero(JsonNode? value) => value switch
    {
        null => true,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0,
        JsonValue v when v.TryGetValue<long>(out var l) => l == 0,
        JsonValue v when v.TryGetValue<bool>(out var b) => !b,
        _ => false,
    };

    private static (string Key, JsonNode? Value) MapEntry(Reader reader, ProtoKind kind)
    {
        var key = "";
        JsonNode? value = kind == ProtoKind.MapStringQuantity ? "0" : "";
        while (reader.More)
        {
            var (number, wire) = reader.Key();
            if (number == 1 && wire == 2)
            {
                key = reader.String();
            }
            else if (number == 2 && wire == 2)
            {
                value = kind switch
                {
                    ProtoKind.MapStringBytes => Convert.ToBase64String(reader.Bytes().Span),
                    ProtoKind.MapStringQuantity => Quantity(reader.Sub()),
                    _ => reader.String(),
                };
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (key, value);
    }

    private static JsonNode? IntOrString(Reader reader)
    {
        long type = 0, intVal = 0;
        var strVal = "";
        while (reader.More)
        {
            var (number, wire) = reader.Key();
            switch (number)
            {
                case 1 when wire == 0:
                    type = (long)reader.Varint();
                    break;
                case 2 when wire == 0:
                    intVal = (long)reader.Varint();
                    break;
                case 3 when wire == 2:
                    strVal = reader.String();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return type == 1 ? strVal : intVal;
    }

    private static JsonNode? Quantity(Reader reader)
    {
        var text = "0";
        while (reader.More)
        {
            var (number, wire) = reader.Key();
            if (number == 1 && wire == 2)
            {
                text = reader.String();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return text;
    }

    private sealed class Reader(byte[] buffer, int position, int end)
    {
        private int _position = position;

        public bool More => _position < end;

        public (int Field, int Wire) Key()
        {
            var key = Varint();
            return ((int)(key >> 3), (int)(key & 7));
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= end)
                {
                    throw ApiException.BadRequest("truncated protobuf varint");
                }

                var b = buffer[_position++];
                result |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw ApiException.BadRequest("malformed protobuf varint");
        }

        public ReadOnlyMemory<byte> Bytes()
        {
            var length = (int)Varint();
            if (length < 0 || _position + length > end)
            {
                throw ApiException.BadRequest("truncated protobuf field");
            }

            var slice = new ReadOnlyMemory<byte>(buffer, _position, length);
            _position += length;
            return slice;
        }

        public string String() => Encoding.UTF8.GetString(Bytes().Span);

        public Reader Sub()
        {
            var length = (int)Varint();
            if (length < 0 || _position + length > end)
            {
                throw ApiException.BadRequest("truncated protobuf message");
            }

            var sub = new Reader(buffer, _position, _position + length);
            _position += length;
            return sub;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    _position += 8;
                    break;
                case 2:
                    Bytes();
                    break;
                case 5:
                    _position += 4;
                    break;
                default:
                    throw ApiException.BadRequest($"unsupported protobuf wire type {wire}");
            }
        }
    }
}
