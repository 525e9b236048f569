using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Auth;

/// <summary>Several users, RBAC enforced on resources, subresources and namespaces, refusals as the apiserver words them.</summary>
public sealed class RbacTests
{
    [Theory]
    [MemberData(nameof(KubectlVersions))]
    public async Task UserAdd_BoundToViewInDefault_KubectlReadsThereOnly(string version)
    {
        await using var cluster = await TestCluster.StartAsync();
        using var home = new TempDirectory("yak-alice-");
        var kubeconfig = home.Combine("kubeconfig");
        var added = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(ProcessRunner.DotnetHost,
            [ProcessRunner.BesideTests("yak-local-cluster.dll"), "user", "add", "alice", "--state-dir", cluster.Host.StateDirectory, "--kubeconfig", kubeconfig])).DefaultTimeout();
        Assert.True(added.ExitCode == 0, added.ToString());
        var alice = Support.Kubectl.For(kubeconfig, version == "path" ? null : version);
        var owner = Support.Kubectl.For(cluster.Host.KubeconfigPath, version == "path" ? null : version);
        await owner.OkAsync("run", "web", "--image=busybox", "--", "sleep", "1000");

        var before = await alice.RunAsync("get", "pods");
        var cannot = await alice.RunAsync("auth", "can-i", "list", "pods");
        await owner.OkAsync("create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice", "--namespace=default");
        var after = await alice.OkAsync("get", "pods", "-o", "name");
        var can = await alice.OkAsync("auth", "can-i", "list", "pods");
        var exec = await alice.RunAsync("auth", "can-i", "create", "pods", "--subresource=exec");
        var execRun = await alice.RunAsync("exec", "web", "--", "true");
        var otherNamespace = await alice.RunAsync("get", "pods", "--namespace=kube-system");
        var faults = await alice.RunAsync("get", "--raw", "/local-cluster/faults");
        var ownerAll = await owner.OkAsync("auth", "can-i", "*", "*");

        Assert.NotEqual(0, before.ExitCode);
        Assert.Contains("Error from server (Forbidden): pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"", before.StandardError, StringComparison.Ordinal);
        Assert.Equal(("no", 1), (cannot.StandardOutput.Trim(), cannot.ExitCode));
        Assert.Equal("pod/web", after.Trim());
        Assert.Equal("yes", can.Trim());
        Assert.Equal("no", exec.StandardOutput.Trim());
        Assert.NotEqual(0, execRun.ExitCode);
        Assert.Contains("cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\"", execRun.StandardError, StringComparison.Ordinal);
        Assert.Contains("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"kube-system\"", otherNamespace.StandardError, StringComparison.Ordinal);
        Assert.Contains("forbidden: User \"alice\" cannot get path \"/local-cluster/faults\"", faults.StandardError, StringComparison.Ordinal);
        Assert.Equal("yes", ownerAll.Trim());
    }

    [Fact]
    public async Task RoleAndBindingWrites_PermissionsNotHeld_RefusedAsEscalationUnlessBindOrEscalateAllowed()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var home = new TempDirectory("yak-erin-");
        cluster.Host.Access.AddUser("erin", [], home.Combine("kubeconfig"));
        var erin = Support.Kubectl.For(home.Combine("kubeconfig"));
        var owner = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        // erin may manage roles and bindings in default and read pods there, nothing more.
        await owner.OkAsync("create", "role", "rbac-manager", "--verb=get,list,create,update,patch,delete", "--resource=roles,rolebindings", "--namespace=default");
        await owner.OkAsync("create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "--namespace=default");
        await owner.OkAsync("create", "rolebinding", "erin-rbac", "--role=rbac-manager", "--user=erin", "--namespace=default");
        await owner.OkAsync("create", "rolebinding", "erin-pods", "--role=pod-reader", "--user=erin", "--namespace=default");

        var heldRole = await erin.RunAsync("create", "role", "pod-getter", "--verb=get", "--resource=pods", "--namespace=default");
        var widerRole = await erin.RunAsync("create", "role", "pod-deleter", "--verb=delete", "--resource=pods", "--namespace=default");
        var heldBinding = await erin.RunAsync("create", "rolebinding", "erin-getter", "--role=pod-getter", "--user=erin", "--namespace=default");
        var adminBinding = await erin.RunAsync("create", "rolebinding", "erin-admin", "--clusterrole=admin", "--user=erin", "--namespace=default");
        await owner.OkAsync("create", "clusterrole", "bind-admin", "--verb=bind", "--resource=clusterroles", "--resource-name=admin");
        await owner.OkAsync("create", "rolebinding", "erin-bind-admin", "--clusterrole=bind-admin", "--user=erin", "--namespace=default");
        var adminWithBind = await erin.RunAsync("create", "rolebinding", "erin-admin", "--clusterrole=admin", "--user=erin", "--namespace=default");

        Assert.True(heldRole.ExitCode == 0, heldRole.ToString());
        Assert.True(heldBinding.ExitCode == 0, heldBinding.ToString());
        Assert.NotEqual(0, widerRole.ExitCode);
        Assert.Contains(
            "roles.rbac.authorization.k8s.io \"pod-deleter\" is forbidden: user \"erin\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}",
            widerRole.StandardError, StringComparison.Ordinal);
        Assert.NotEqual(0, adminBinding.ExitCode);
        Assert.Contains("rolebindings.rbac.authorization.k8s.io \"erin-admin\" is forbidden: user \"erin\"", adminBinding.StandardError, StringComparison.Ordinal);
        Assert.True(adminWithBind.ExitCode == 0, adminWithBind.ToString());
    }

    public static TheoryData<string> SupportedKubectlVersions() => Kubectl.KubectlConformanceTests.KubectlVersions();

    [Theory]
    [MemberData(nameof(SupportedKubectlVersions))]
    public async Task AuthCanIList_RoleBoundInOneNamespace_ListsThatRoleThereOnly(string version)
    {
        await using var cluster = await TestCluster.StartAsync();
        using var home = new TempDirectory("yak-dora-");
        cluster.Host.Access.AddUser("dora", [], home.Combine("kubeconfig"));
        var dora = Support.Kubectl.For(home.Combine("kubeconfig"), version);
        var owner = Support.Kubectl.For(cluster.Host.KubeconfigPath, version);
        await owner.OkAsync("create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "--resource-name=web", "--namespace=default");
        await owner.OkAsync("create", "rolebinding", "dora-pods", "--role=pod-reader", "--user=dora", "--namespace=default");

        var inDefault = await dora.OkAsync("auth", "can-i", "--list", "--namespace=default");
        var inKubeSystem = await dora.OkAsync("auth", "can-i", "--list", "--namespace=kube-system");
        var ownerList = await owner.OkAsync("auth", "can-i", "--list");

        Assert.Matches(@"(?m)^pods\s+\[\]\s+\[web\]\s+\[get list\]", inDefault);
        Assert.Matches(@"(?m)^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]", inDefault);
        Assert.Matches(@"(?m)^\s+\[/api\]\s+\[\]\s+\[get\]", inDefault);
        Assert.DoesNotMatch(@"(?m)^pods\s", inKubeSystem);
        Assert.Matches(@"(?m)^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]", ownerList);
    }

    public static TheoryData<string> KubectlVersions()
    {
        var data = new TheoryData<string>();
        var versions = Support.Kubectl.VersionsBesidePath();
        foreach (var version in versions.Count == 0 ? ["path"] : versions)
        {
            data.Add(version);
        }

        return data;
    }

    [Fact]
    public async Task Role_WithResourceNamesAndLogSubresource_AllowsExactlyThat()
    {
        await using var cluster = await TestCluster.StartAsync();
        var token = cluster.Host.Access.Tokens.Add("bob", []);
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "a" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] } }, "default").DefaultTimeout();
        await cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "pod-a" },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods", "pods/log"], ResourceNames = ["a"], Verbs = ["get"] }],
        }, "default").DefaultTimeout();
        await cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "bob-pod-a" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "pod-a" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "bob", ApiGroup = "rbac.authorization.k8s.io" }],
        }, "default").DefaultTimeout();
        using var bob = cluster.Host.Access.CreateHttpClient(token);

        using var get = await bob.GetAsync(new Uri("/api/v1/namespaces/default/pods/a", UriKind.Relative)).DefaultTimeout();
        using var list = await bob.GetAsync(new Uri("/api/v1/namespaces/default/pods", UriKind.Relative)).DefaultTimeout();
        using var delete = await bob.DeleteAsync(new Uri("/api/v1/namespaces/default/pods/a", UriKind.Relative)).DefaultTimeout();
        using var other = await bob.GetAsync(new Uri("/api/v1/namespaces/default/pods/b/log", UriKind.Relative)).DefaultTimeout();
        var refusal = await delete.Content.ReadAsStringAsync().DefaultTimeout();
        var review = await ReviewAsync(bob, new JsonObject { ["namespace"] = "default", ["verb"] = "get", ["resource"] = "pods", ["subresource"] = "log", ["name"] = "a" });

        Assert.Equal(200, (int)get.StatusCode);
        Assert.Equal(403, (int)list.StatusCode);
        Assert.Equal(403, (int)other.StatusCode);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"a\" is forbidden: User \"bob\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"name":"a","kind":"pods"},"code":403}""",
            refusal);
        Assert.True((bool)review["status"]!["allowed"]!);
        Assert.Contains("RoleBinding \"bob-pod-a/default\"", (string?)review["status"]!["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterRoleBinding_ForGroup_GrantsClusterScopeAndKubernetesClientSeesForbidden()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var home = new TempDirectory("yak-carol-");
        cluster.Host.Access.AddUser("carol", ["readers"], home.Combine("kubeconfig"));
        using var carol = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(home.Combine("kubeconfig")));

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => carol.CoreV1.ListNamespaceAsync()).DefaultTimeout();
        await cluster.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "readers-view" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "view" },
            Subjects = [new Rbacv1Subject { Kind = "Group", Name = "readers", ApiGroup = "rbac.authorization.k8s.io" }],
        }).DefaultTimeout();
        var namespaces = await carol.CoreV1.ListNamespaceAsync().DefaultTimeout();
        var secrets = await Assert.ThrowsAsync<HttpOperationException>(() => carol.CoreV1.ListNamespacedSecretAsync("default")).DefaultTimeout();
        var review = await carol.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = "create", Resource = "deployments", Group = "apps", NamespaceProperty = "default" } },
        }).DefaultTimeout();

        Assert.Equal(403, (int)refused.Response.StatusCode);
        Assert.Equal("namespaces is forbidden: User \"carol\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope", (string?)JsonNode.Parse(refused.Response.Content)!["message"]);
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
        Assert.Equal(403, (int)secrets.Response.StatusCode);
        Assert.False(review.Status.Allowed);
    }

    private static async Task<JsonNode> ReviewAsync(HttpClient http, JsonObject attributes)
    {
        var body = new JsonObject { ["apiVersion"] = "authorization.k8s.io/v1", ["kind"] = "SelfSubjectAccessReview", ["spec"] = new JsonObject { ["resourceAttributes"] = attributes } };
        using var content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", UriKind.Relative), content).DefaultTimeout();
        Assert.Equal(201, (int)response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout())!;
    }
}
