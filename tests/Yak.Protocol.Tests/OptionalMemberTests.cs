using System.Text.Json;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Protocol.Tests;

/// <summary>Members marked [OptionalMember] may be omitted or null on the wire; every other member stays required.</summary>
public sealed class OptionalMemberTests
{
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
