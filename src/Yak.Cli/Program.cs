using Yak.Cli;
using Yak.Cli.Terminal;

using var signals = TerminationSignals.Listen();
CliFailures.InstallLastChance(Console.Error);
return await CliApp.RunAsync(args, Console.Out, Console.Error, signals);
