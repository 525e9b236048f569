namespace Yak.Environments.Compose;

/// <summary>The docker-compose keys yak reads, and the ones it knows but ignores (warned about by name).</summary>
internal static class ComposeKeys
{
    public static readonly string[] TopSupported = ["name", "services", "volumes"];

    public static readonly string[] TopIgnored = ["version", "networks", "configs", "secrets", "include", "models"];

    public static readonly string[] ServiceSupported =
        [
            "image", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes", "depends_on", "healthcheck", "working_dir",
            "deploy", "profiles", "scale",
        ];

    public static readonly string[] ServiceIgnored =
    [
        "build", "networks", "privileged", "container_name", "restart", "labels", "hostname", "user", "cap_add",
        "cap_drop", "devices", "dns", "dns_search", "dns_opt", "extra_hosts", "logging", "network_mode", "pid", "ipc",
        "security_opt", "stdin_open", "tty", "ulimits", "platform", "secrets", "configs", "links",
        "external_links", "init", "mem_limit", "mem_reservation", "memswap_limit", "cpus", "cpu_shares", "cpuset",
        "shm_size", "sysctls", "tmpfs", "stop_signal", "stop_grace_period", "pull_policy", "domainname",
        "mac_address", "group_add", "read_only", "userns_mode", "volumes_from", "runtime", "cgroup_parent", "isolation",
        "annotations", "attach", "develop", "extends", "post_start", "pre_stop", "oom_score_adj", "oom_kill_disable",
        "storage_opt", "blkio_config", "credential_spec", "device_cgroup_rules", "gpus", "label_file", "pids_limit",
        "uts", "mem_swappiness", "provider", "use_api_socket",
    ];

    public static readonly string[] PortLong = ["target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"];

    public static readonly string[] VolumeLong = ["type", "source", "target", "read_only", "bind", "volume", "tmpfs", "consistency"];

    public static readonly string[] DependsOnLong = ["condition", "required", "restart"];

    /// <summary>compose <c>depends_on</c> conditions, in the order of <see cref="Spec.DependencyCondition"/>.</summary>
    public static readonly string[] Conditions = ["service_started", "service_healthy", "service_completed_successfully"];

    public static readonly string[] DeploySupported = ["replicas", "resources"];

    public static readonly string[] DeployIgnored =
        ["mode", "endpoint_mode", "labels", "placement", "restart_policy", "rollback_config", "update_config"];

    public static readonly string[] DeployResources = ["limits", "reservations"];

    public static readonly string[] DeployResourceValues = ["cpus", "memory", "pids", "devices", "generic_resources"];

    public static readonly string[] Healthcheck = ["test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"];

    /// <summary>Keys of a service's <c>x-yak</c> extension: sync options for every bind mount of the service.</summary>
    public static readonly string[] YakExtension = ["initialSync", "exclude"];

    public static readonly string[] TopVolume = ["driver", "driver_opts", "external", "labels", "name", "x-yak-size"];
}
