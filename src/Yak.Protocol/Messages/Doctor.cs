namespace Yak.Protocol.Messages;

/// <summary><c>daemon/doctor</c>: run the checks that need yakd's state.</summary>
public sealed class DoctorRequest
{
    /// <summary>Absolute folder (or spec file) whose yak.yaml declares local ports to check; empty for none.</summary>
    public required string Folder { get; init; }

    /// <summary>The running local cluster's kubeconfig, checked as a cluster (with its /readyz); empty when it does not run.</summary>
    public required string LocalClusterKubeconfig { get; init; }
}

public sealed class DoctorResponse
{
    public required IReadOnlyList<DoctorCheckInfo> Checks { get; init; }
}

/// <summary>One check: what was checked, what was found, and when it is not a pass, the code and the fix.</summary>
public sealed class DoctorCheckInfo
{
    /// <summary>What was checked, e.g. <c>cluster lab: reachable</c>, <c>inotify watches</c>.</summary>
    public required string Name { get; init; }

    public required DoctorStatus Status { get; init; }

    /// <summary>What was found, with the figures (e.g. 512 folders watched of a budget of 8192).</summary>
    public required string Message { get; init; }

    /// <summary>The error catalogue's code (docs/errors/) when the check warns or fails, else null.</summary>
    public required string? Code { get; init; }

    /// <summary>What to do when the check warns or fails, else null.</summary>
    public required string? Fix { get; init; }
}

public enum DoctorStatus
{
    Pass,
    Warn,
    Fail,
}
