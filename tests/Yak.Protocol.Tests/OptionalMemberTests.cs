using System.Text.Json;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Protocol.Tests;

/// <summary>Members marked [OptionalMember] may be omitted or null on the wire; every other member stays required.</summary>
public sealed class OptionalMemberTests
{
    [Fact]
    public void SyncSessionInfo_FromAYakdBeforeTheLinkLevel_ReadsItAsNull()
    {
        // sync/status as yakd answered before LinkCompressionLevel existed: a newer yakctl still reads it.
        const string Older = """
            {"name":"web","localPath":"/src","endpoint":"pod:default/web:/code","excludes":[],"state":"watching",
             "lastError":null,"lastErrorCode":null,"filesSent":3,"bytesSentRaw":30,"bytesOnWire":20,"filesDeleted":0,
             "deltasSent":0,"lastSyncLatencyMs":null,"lastSyncAt":null,"pendingChanges":0,"localEntries":3,
             "remoteEntries":3,"problems":0,"lastProblem":null,"agentVersion":"0.1.0"}
            """;

        var info = JsonSerializer.Deserialize<SyncSessionInfo>(Older, YakJson.Options)!;

        Assert.Null(info.LinkCompressionLevel);
        Assert.Equal(20, info.BytesOnWire);
        Assert.Equal(3, JsonSerializer.Deserialize<SyncSessionInfo>(Older.Replace("\"agentVersion\"", "\"linkCompressionLevel\":3,\"agentVersion\"", StringComparison.Ordinal), YakJson.Options)!.LinkCompressionLevel);
    }

    [Fact]
    public void SyncSessionInfo_RequiredMemberMissing_StillRefused()
    {
        var withoutName = """{"localPath":"/src","endpoint":"e","excludes":[],"state":"watching","lastError":null,"lastErrorCode":null,"filesSent":0,"bytesSentRaw":0,"bytesOnWire":0,"filesDeleted":0,"deltasSent":0,"lastSyncLatencyMs":null,"lastSyncAt":null,"pendingChanges":0,"localEntries":0,"remoteEntries":0,"problems":0,"lastProblem":null,"agentVersion":null}""";

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<SyncSessionInfo>(withoutName, YakJson.Options));
    }

    [Fact]
    public void SyncCreate_OptionalMembersOmitted_ReadAsEmpty()
    {
        var request = JsonSerializer.Deserialize<SyncCreateRequest>("""{"localPath":"/src","endpoint":"local:/dst"}""", YakJson.Options)!;

        Assert.Equal(string.Empty, request.Name);
        Assert.Empty(request.Excludes);
        Assert.Equal(string.Empty, request.Kubeconfig);
        Assert.Equal(string.Empty, request.Context);
    }

    [Fact]
    public void SyncCreate_OptionalMembersNull_ReadAsEmpty()
    {
        var request = JsonSerializer.Deserialize<SyncCreateRequest>(
            """{"name":null,"localPath":"/src","endpoint":"local:/dst","excludes":null,"kubeconfig":null,"context":null}""", YakJson.Options)!;

        Assert.Equal(string.Empty, request.Name);
        Assert.Empty(request.Excludes);
        Assert.Equal(string.Empty, request.Kubeconfig);
        Assert.Equal(string.Empty, request.Context);
    }

    [Fact]
    public void SyncCreate_OptionalMembersGiven_KeepTheirValues()
    {
        var request = JsonSerializer.Deserialize<SyncCreateRequest>(
            """{"name":"n","localPath":"/src","endpoint":"local:/dst","excludes":["*.o"],"kubeconfig":"/k","context":"c"}""", YakJson.Options)!;

        Assert.Equal("n", request.Name);
        Assert.Equal(["*.o"], request.Excludes);
        Assert.Equal("/k", request.Kubeconfig);
        Assert.Equal("c", request.Context);
    }

    [Fact]
    public void SyncCreate_RequiredMemberMissing_IsRefused()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<SyncCreateRequest>("""{"localPath":"/src"}""", YakJson.Options));
    }

    [Fact]
    public void SyncCreate_RequiredMemberNull_IsRefused()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<SyncCreateRequest>("""{"localPath":null,"endpoint":"local:/dst"}""", YakJson.Options));
    }

    [Fact]
    public void StreamTarget_OnlyPodGiven_OthersReadAsEmpty()
    {
        var target = JsonSerializer.Deserialize<StreamTargetInfo>("""{"pod":"shell"}""", YakJson.Options)!;

        Assert.Equal("shell", target.Pod);
        Assert.Equal(string.Empty, target.Namespace);
        Assert.Equal(string.Empty, target.Kubeconfig);
    }

    [Fact]
    public void SyncCreate_Written_HasEveryMember()
    {
        var json = JsonSerializer.Serialize(
            new SyncCreateRequest { Name = "n", LocalPath = "/s", Endpoint = "local:/d", Excludes = [], Kubeconfig = "", Context = "" },
            YakJson.Options);

        Assert.Equal("""{"name":"n","localPath":"/s","endpoint":"local:/d","excludes":[],"kubeconfig":"","context":""}""", json);
    }
}
