using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Yak.LocalCluster.Networking;

/// <summary>
/// Answers one DNS query (RFC 1035, UDP wire format) the way cluster DNS does for a pod in namespace
/// <c>ns</c>: <c>svc</c>, <c>svc.ns</c>, <c>svc.ns.svc</c> and <c>svc.ns.svc.cluster.local</c> have A records (the
/// ClusterIP; a headless Service's ready pod IPs); every other name is NXDOMAIN at once (there is no upstream).
/// Pure: bytes in, bytes out; null for input not worth an answer.
/// </summary>
public static class DnsResponder
{
    private const int HeaderLength = 12;
    private const ushort TypeA = 1;
    private const ushort ClassIn = 1;
    private const uint Ttl = 5;

    public static byte[]? Answer(ReadOnlySpan<byte> query, string podNamespace, ServiceDirectory directory)
    {
        if (query.Length < HeaderLength || query.Length > 512)
        {
            return null;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(query[2..]);
        var questions = BinaryPrimitives.ReadUInt16BigEndian(query[4..]);
        if ((flags & 0x8000) != 0)
        {
            return null; // A response, not a query.
        }

        var opcode = (flags >> 11) & 0xF;
        if (opcode != 0 || questions != 1 || !TryReadName(query, HeaderLength, out var name, out var end) || end + 4 > query.Length)
        {
            return Reply(query, opcode == 0 ? 1 : 4, end: HeaderLength, withQuestion: false, []); // FORMERR / NOTIMP
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(query[end..]);
        var questionEnd = end + 4;
        var addresses = Resolve(name, podNamespace, directory);
        if (addresses is null)
        {
            return Reply(query, 3, questionEnd, withQuestion: true, []); // NXDOMAIN
        }

        // The name exists: A gets its addresses, any other type an empty NOERROR (e.g. AAAA: no IPv6 here).
        return Reply(query, 0, questionEnd, withQuestion: true, type == TypeA ? addresses : []);
    }

    /// <summary>The addresses of a service name, or null when the cluster has no such name.</summary>
    internal static IReadOnlyList<IPAddress>? Resolve(string name, string podNamespace, ServiceDirectory directory)
    {
        var labels = name.TrimEnd('.').ToLowerInvariant().Split('.');
        var suffix = ("svc." + ServiceDirectory.ClusterDomain).Split('.');
        string? ns = null;
        string? service = null;
        if ((labels.Length == 2 + suffix.Length && labels[2..].SequenceEqual(suffix)) || (labels.Length == 3 && labels[2] == "svc"))
        {
            (service, ns) = (labels[0], labels[1]);
        }
        else if (labels.Length == 2)
        {
            (service, ns) = (labels[0], labels[1]);
        }
        else if (labels.Length == 1)
        {
            (service, ns) = (labels[0], podNamespace);
        }

        var entry = service is null || ns is null ? null : directory.Find(ns, service);
        if (entry is null)
        {
            return null;
        }

        var ips = entry.ClusterIp is { } clusterIp ? [clusterIp] : entry.ReadyIps;
        var addresses = ips.Select(ip => IPAddress.TryParse(ip, out var a) ? a : null).OfType<IPAddress>().ToList();
        return addresses.Count == 0 && entry.ClusterIp is null ? null : addresses;
    }

    private static bool TryReadName(ReadOnlySpan<byte> message, int offset, out string name, out int end)
    {
        var builder = new StringBuilder();
        name = "";
        end = offset;
        while (end < message.Length)
        {
            int length = message[end];
            if (length == 0)
            {
                end++;
                name = builder.ToString();
                return builder.Length <= 253;
            }

            // Queries carry no compression pointers; labels are at most 63 bytes.
            if (length > 63 || end + 1 + length > message.Length)
            {
                return false;
            }

            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(Encoding.ASCII.GetString(message.Slice(end + 1, length)));
            end += 1 + length;
        }

        return false;
    }

    private static byte[] Reply(ReadOnlySpan<byte> query, int rcode, int end, bool withQuestion, IReadOnlyList<IPAddress> answers)
    {
        var question = withQuestion ? query[HeaderLength..end] : [];
        var reply = new byte[HeaderLength + question.Length + (answers.Count * 16)];
        query[..2].CopyTo(reply); // id
        var queryFlags = BinaryPrimitives.ReadUInt16BigEndian(query[2..]);
        // QR, the query's opcode and RD, AA (authoritative for the cluster domain), RA, the rcode.
        var flags = (ushort)(0x8000 | (queryFlags & 0x7900) | 0x0400 | 0x0080 | rcode);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(2), flags);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(4), (ushort)(withQuestion ? 1 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(6), (ushort)answers.Count);
        question.CopyTo(reply.AsSpan(HeaderLength));
        var at = HeaderLength + question.Length;
        foreach (var address in answers)
        {
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(at), 0xC00C); // the name: a pointer to the question's
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(at + 2), TypeA);
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(at + 4), ClassIn);
            BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(at + 6), Ttl);
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(at + 10), 4);
            address.MapToIPv4().GetAddressBytes().CopyTo(reply.AsSpan(at + 12));
            at += 16;
        }

        return reply;
    }
}
