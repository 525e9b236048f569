using System.Security.Cryptography;
using k8s.Models;
using Yak.LocalCluster.Tests.Runtime;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>Pods the stream tests share.</summary>
internal static class PodFixtures
{
    /// <summary>A python web server on 8080 serving a volume that holds <c>big.bin</c> (10 MB of random bytes).</summary>
    public static (V1Pod Pod, byte[] Hash) BigFileServer(string stateDirectory, string name)
    {
        var site = Path.Combine(stateDirectory, "mnt", name);
        var app = new V1Container
        {
            Name = "web",
            Image = "python:3.12",
            Command = ["python3", "-m", "http.server", "8080", "--bind", "127.0.0.1", "--directory", site],
            VolumeMounts = [new V1VolumeMount { Name = "site", MountPath = site }],
            ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 8080 }, PeriodSeconds = 1 },
        };
        var pod = TestPods.Pod(name, app);
        pod.Spec.Volumes = [new V1Volume { Name = "site", EmptyDir = new V1EmptyDirVolumeSource() }];
        var folder = Path.Combine(stateDirectory, "pods", pod.Metadata.Uid, "volumes", "site");
        Directory.CreateDirectory(folder);
        var data = RandomNumberGenerator.GetBytes(10 * 1024 * 1024);
        File.WriteAllBytes(Path.Combine(folder, "big.bin"), data);
        return (pod, SHA256.HashData(data));
    }
}
