using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using StreamJsonRpc;

namespace Yak.Protocol.Transport;

/// <summary>
/// How both ends frame and encode messages: JSON-RPC 2.0, Content-Length headers (as LSP), System.Text.Json.
/// Daemon and clients must build their handlers here so the two can never drift apart.
/// </summary>
public static class RpcWire
{
    /// <summary>Largest message either side accepts; a header announcing more closes the connection.</summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>Largest header block (all header lines) accepted before the body.</summary>
    public const int MaxHeaderBytes = 8 * 1024;

    /// <summary>
    /// The handler over a connection's streams, which it owns (closing the handler closes them). The pipes read and
    /// write the streams directly: StreamJsonRpc's own stream constructor puts a pipe and a copying pump task on each
    /// side, one more buffer and hand-over per message each way (daemon/status round trip p50 ~15 % lower without).
    /// </summary>
    public static IJsonRpcMessageHandler CreateHandler(Stream sending, Stream receiving) =>
        new ContentLengthMessageHandler(
            PipeWriter.Create(sending, new StreamPipeWriterOptions(leaveOpen: false)),
            PipeReader.Create(receiving, new StreamPipeReaderOptions(leaveOpen: false)),
            CreateFormatter());

    /// <remarks>
    /// StreamJsonRpc marks the formatter as not hardened for NativeAOT as a whole; its NativeAOT guide
    /// (docs/nativeAOT.md: "partially NativeAOT safe") names what makes it safe, which is all yak uses: System.Text.Json
    /// with compiled metadata for every payload (<see cref="YakJson"/>: reflection only where the runtime allows it),
    /// named arguments as a dictionary (DaemonClient), targets added with their metadata, no proxies, no
    /// IProgress/IAsyncEnumerable, no marshalled objects. The NativeAOT yakctl's packaging tests hold it to that.
    /// </remarks>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Configured as StreamJsonRpc's NativeAOT guide says; see remarks.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Configured as StreamJsonRpc's NativeAOT guide says; see remarks.")]
    public static SystemTextJsonFormatter CreateFormatter() => new() { JsonSerializerOptions = new(YakJson.Options) };
}
