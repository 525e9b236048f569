using System.Reflection;
using Yak.Benchmarks;

// Usage: dotnet run -c Release --project tests/Yak.Benchmarks -- [suite…] [--option value…]   (no suite: all of them)
var suites = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmarkSuite).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmarkSuite)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();
var names = BenchmarkOptions.Extract(args);

if (args.Contains("--list") || args.Contains("--help"))
{
    foreach (var suite in suites)
    {
        Console.WriteLine($"{suite.Name,-12} {suite.Description}");
    }

    return 0;
}

var unknown = names.Where(a => suites.All(s => s.Name != a)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown suite(s): {string.Join(", ", unknown)}; known: {string.Join(", ", suites.Select(s => s.Name))}");
    return 2;
}

var selected = names.Count == 0 ? suites : suites.Where(s => names.Contains(s.Name)).ToList();
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

var report = new BenchmarkReport();
foreach (var suite in selected)
{
    Console.WriteLine($"== {suite.Name}: {suite.Description}");
    await suite.RunAsync(report, cts.Token);
}

Console.WriteLine();
report.Print(Console.Out);
return 0;
