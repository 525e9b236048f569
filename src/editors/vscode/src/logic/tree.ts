import type { EnvironmentInfo } from "@yak/client";

/** One row of the yak tree view: environments, their services, and each service's pods and ports. */
export interface TreeNode {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly kind: "environment" | "service" | "pod" | "port";
  /** For ports with a forward: the local URL to open. */
  readonly url?: string;
  /** For services and pods: what exec/shell/logs target. */
  readonly target?: { readonly environment: string; readonly service: string; readonly pod?: string };
  readonly problem: boolean;
  readonly children: readonly TreeNode[];
}

export function buildTree(environments: readonly EnvironmentInfo[]): TreeNode[] {
  return environments.map((env) => ({
    id: `env/${env.name}`,
    label: env.name,
    description: `${env.state} · ${env.namespace} on ${env.cluster}`,
    kind: "environment",
    problem: env.state === "error" || env.state === "degraded",
    children: env.services.map((service) => ({
      id: `env/${env.name}/svc/${service.name}`,
      label: service.name,
      description: `${service.state} ${service.readyReplicas}/${service.desiredReplicas}${service.message ? ` · ${service.message}` : ""}`,
      kind: "service",
      target: { environment: env.name, service: service.name },
      problem: service.state === "stuck",
      children: [
        ...service.pods.map((pod): TreeNode => ({
          id: `env/${env.name}/svc/${service.name}/pod/${pod.name}`,
          label: pod.name,
          description: `${pod.phase}${pod.ready ? " ready" : ""}${pod.restarts > 0 ? ` · ${pod.restarts} restarts` : ""}${pod.reason ? ` · ${pod.reason}` : ""}`,
          kind: "pod",
          target: { environment: env.name, service: service.name, pod: pod.name },
          problem: !pod.ready,
          children: [],
        })),
        ...service.ports.map((port): TreeNode => ({
          id: `env/${env.name}/svc/${service.name}/port/${port.name || port.containerPort}`,
          label: `${port.name || port.protocol} ${port.containerPort}`,
          description: port.localPort !== null ? `→ localhost:${port.localPort} (${port.forward})` : port.forward,
          kind: "port",
          url: port.url ?? undefined,
          problem: port.forward === "error" || port.forward === "degraded",
          children: [],
        })),
      ],
    })),
  }));
}
