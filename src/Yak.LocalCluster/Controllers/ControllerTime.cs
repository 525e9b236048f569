namespace Yak.LocalCluster.Controllers;

/// <summary>The clock the controllers run on (a type of its own so the host's other services keep the system clock).</summary>
public sealed record ControllerTime(TimeProvider Provider);
