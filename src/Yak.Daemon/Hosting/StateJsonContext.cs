using System.Text.Json;
using System.Text.Json.Serialization;
using Yak.Daemon.Environments;
using Yak.Daemon.Forwards;
using Yak.Daemon.Sharing;
using Yak.Daemon.Sync;
using Yak.Daemon.Telemetry;

namespace Yak.Daemon.Hosting;

/// <summary>
/// Compile-time JSON metadata for yakd's own files (the registries <see cref="StateFile"/> keeps, the waits
/// <see cref="WaitStore"/> appends), as <c>YakJsonContext</c> is for the contract: no reflection over these types at
/// the start that reads them, and nothing a NativeAOT yakd would have to build at run time (a reflection-read
/// <c>List&lt;EnvironmentRecord&gt;</c> is refused there). Metadata only: the options (names, enums, nullability)
/// are <see cref="StateJson"/>'s, so the files read and write as before (a test compares both byte for byte).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(List<EnvironmentRecord>))]
[JsonSerializable(typeof(List<GuestRecord>))]
[JsonSerializable(typeof(List<SyncSessionDefinition>))]
[JsonSerializable(typeof(List<ForwardDefinition>))]
[JsonSerializable(typeof(WaitRecord))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
