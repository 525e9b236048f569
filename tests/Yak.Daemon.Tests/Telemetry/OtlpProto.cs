using System.Text;

namespace Yak.Daemon.Tests.Telemetry;

internal sealed record OtlpSpan(string Name, string SpanId, string ParentSpanId, IReadOnlyDictionary<string, string> Attributes, IReadOnlyDictionary<string, string> Resource);

internal sealed record OtlpMetricPoint(string Metric, string Unit, IReadOnlyDictionary<string, string> Attributes, IReadOnlyDictionary<string, string> Resource);

/// <summary>
/// Just enough of the protobuf wire format (varints and length-delimited fields) to read OTLP exports: the field
/// numbers are those of opentelemetry-proto's trace/v1, metrics/v1 and common/v1 messages.
/// </summary>
internal static class OtlpProto
{
    public static IEnumerable<OtlpSpan> Spans(byte[] request)
    {
        foreach (var resourceSpans in Messages(request, 1))
        {
            var resource = Resource(resourceSpans);
            foreach (var scopeSpans in Messages(resourceSpans, 2))
            {
                foreach (var span in Messages(scopeSpans, 2))
                {
                    yield return new OtlpSpan(
                        Text(span, 5),
                        Convert.ToHexStringLower(Bytes(span, 2)),
                        Convert.ToHexStringLower(Bytes(span, 4)),
                        Attributes(Messages(span, 9)),
                        resource);
                }
            }
        }
    }

    public static IEnumerable<OtlpMetricPoint> MetricPoints(byte[] request)
    {
        foreach (var resourceMetrics in Messages(request, 1))
        {
            var resource = Resource(resourceMetrics);
            foreach (var scopeMetrics in Messages(resourceMetrics, 2))
            {
                foreach (var metric in Messages(scopeMetrics, 2))
                {
                    var name = Text(metric, 1);
                    var unit = Text(metric, 3);

                    // gauge 5, sum 7, histogram 9, exponential histogram 10: each holds data points in field 1,
                    // whose attributes are field 7 (number points) or 9 (histogram points).
                    foreach (var (field, attributesField) in new[] { (5, 7), (7, 7), (9, 9), (10, 1) })
                    {
                        foreach (var data in Messages(metric, field))
                        {
                            foreach (var point in Messages(data, 1))
                            {
                                yield return new OtlpMetricPoint(name, unit, Attributes(Messages(point, attributesField)), resource);
                            }
                        }
                    }
                }
            }
        }
    }

    private static Dictionary<string, string> Resource(byte[] parent) =>
        Attributes(Messages(parent, 1).SelectMany(r => Messages(r, 1)));

    private static Dictionary<string, string> Attributes(IEnumerable<byte[]> keyValues)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in keyValues)
        {
            var value = Messages(keyValue, 2).FirstOrDefault();
            attributes[Text(keyValue, 1)] = value is null ? string.Empty : AnyValue(value);
        }

        return attributes;
    }

    private static string AnyValue(byte[] value)
    {
        foreach (var (field, wire, bytes, number) in Fields(value))
        {
            return (field, wire) switch
            {
                (1, 2) => Encoding.UTF8.GetString(bytes),
                (2, 0) => number != 0 ? "true" : "false",
                (3, 0) => ((long)number).ToString(System.Globalization.CultureInfo.InvariantCulture),
                (4, 1) => BitConverter.Int64BitsToDouble((long)number).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => string.Empty,
            };
        }

        return string.Empty;
    }

    private static IEnumerable<byte[]> Messages(byte[] message, int field) =>
        Fields(message).Where(f => f.Field == field && f.Wire == 2).Select(f => f.Bytes);

    private static byte[] Bytes(byte[] message, int field) => Messages(message, field).FirstOrDefault() ?? [];

    private static string Text(byte[] message, int field) => Encoding.UTF8.GetString(Bytes(message, field));

    private static List<(int Field, int Wire, byte[] Bytes, ulong Number)> Fields(byte[] message)
    {
        var fields = new List<(int, int, byte[], ulong)>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            switch (wire)
            {
                case 0:
                    fields.Add((field, wire, [], Varint(message, ref position)));
                    break;
                case 1:
                    fields.Add((field, wire, [], BitConverter.ToUInt64(message, position)));
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    fields.Add((field, wire, message[position..(position + length)], 0));
                    position += length;
                    break;
                case 5:
                    fields.Add((field, wire, [], BitConverter.ToUInt32(message, position)));
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {wire} at {position}");
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
