using Yak.Cli;
using Yak.Cli.Terminal;

using var signals = TerminationSignals.Listen();
CliFailures.InstallLastChance(Console.Error);

// The everyday read commands skip building the command tree; everything else is parsed in full.
return await QuickReads.TryRunAsync(args, Console.Out, Console.Error, signals) ?? await CliApp.RunAsync(args, Console.Out, Console.Error, signals);
