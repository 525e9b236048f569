using k8s;
using k8s.Models;
using Yak.Kube.Watching;

namespace Yak.Kube.Tests.Watching;

public sealed class ResourceSetTests
{
    private static V1ConfigMap Map(string name, string version, string uid = "u") =>
        new() { Metadata = new V1ObjectMeta { Name = name, ResourceVersion = version, Uid = uid + name } };

    [Fact]
    public void Replace_FirstList_EverythingAdded()
    {
        var set = new ResourceSet<V1ConfigMap>();

        var changes = set.Replace([Map("a", "1"), Map("b", "2")], "5");

        Assert.Equal(["a:Added", "b:Added"], changes.Select(c => $"{c.Object.Metadata.Name}:{c.Kind}").Order());
        Assert.Equal("5", set.ResourceVersion);
        Assert.Equal(2, set.Count);
    }

    [Fact]
    public void Replace_Relist_ReportsOnlyDifferences()
    {
        var set = new ResourceSet<V1ConfigMap>();
        set.Replace([Map("same", "1"), Map("changed", "2"), Map("gone", "3")], "3");

        var changes = set.Replace([Map("same", "1"), Map("changed", "7"), Map("new", "8")], "8");

        Assert.Equal(["changed:Modified", "gone:Deleted", "new:Added"], changes.Select(c => $"{c.Object.Metadata.Name}:{c.Kind}").Order());
        Assert.Equal(["changed", "new", "same"], set.Snapshot().Select(m => m.Metadata.Name).Order());
    }

    [Fact]
    public void Replace_SameNameNewUid_Modified()
    {
        var set = new ResourceSet<V1ConfigMap>();
        set.Replace([Map("web", "1", uid: "old")], "1");

        var changes = set.Replace([Map("web", "1", uid: "new")], "2");

        Assert.Equal(ChangeKind.Modified, Assert.Single(changes).Kind);
    }

    [Fact]
    public void Apply_AddModifyDelete_TracksSetAndVersion()
    {
        var set = new ResourceSet<V1ConfigMap>();
        set.Replace([], "1");

        Assert.Equal(ChangeKind.Added, set.Apply(WatchEventKind.Added, Map("a", "2"))?.Kind);
        Assert.Equal(ChangeKind.Modified, set.Apply(WatchEventKind.Modified, Map("a", "3"))?.Kind);
        Assert.Equal(ChangeKind.Deleted, set.Apply(WatchEventKind.Deleted, Map("a", "4"))?.Kind);

        Assert.Equal(0, set.Count);
        Assert.Equal("4", set.ResourceVersion);
    }

    [Fact]
    public void Apply_ModifiedOfUnknownName_CountsAsAdded()
    {
        var set = new ResourceSet<V1ConfigMap>();

        Assert.Equal(ChangeKind.Added, set.Apply(WatchEventKind.Modified, Map("late", "9"))?.Kind);
    }

    [Fact]
    public void Apply_BookmarkOrUnknownDelete_NoChangeButVersionMoves()
    {
        var set = new ResourceSet<V1ConfigMap>();
        set.Replace([], "1");

        Assert.Null(set.Apply(WatchEventKind.Bookmark, Map("ignored", "10")));
        Assert.Null(set.Apply(WatchEventKind.Deleted, Map("never-seen", "11")));

        Assert.Equal("11", set.ResourceVersion);
        Assert.Equal(0, set.Count);
    }
}
