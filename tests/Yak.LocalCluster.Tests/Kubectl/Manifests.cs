namespace Yak.LocalCluster.Tests.Kubectl;

/// <summary>Manifests the kubectl conformance tests apply.</summary>
internal static class Manifests
{
    public static string WebApp(string ns = "default", string value = "1") => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {{ns}}
          labels: {app: web}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: main
                image: busybox
                command: ["sleep", "3600"]
                ports:
                - containerPort: 8080
                  name: http
                env:
                - name: VALUE
                  value: "{{value}}"
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: {{ns}}
        spec:
          selector: {app: web}
          ports:
          - port: 80
            targetPort: http
        """;

    public static string Namespace(string name) => $$"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {{name}}
        """;

    public static string ConfigMap(string name, string value) => $$"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{name}}
        data:
          key: "{{value}}"
        """;
}
