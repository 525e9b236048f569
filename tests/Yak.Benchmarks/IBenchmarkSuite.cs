namespace Yak.Benchmarks;

/// <summary>
/// One group of measurements (rpc, sync, forward…). Suites are found by reflection so each concern adds its
/// own folder without touching a shared list.
/// </summary>
public interface IBenchmarkSuite
{
    /// <summary>Short name used on the command line: <c>dotnet run -c Release --project tests/Yak.Benchmarks -- NAME</c>.</summary>
    string Name { get; }

    string Description { get; }

    Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken);
}
