using Yak.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C cancels the running command; a second one ends yakctl the hard way.
    if (!cancel.IsCancellationRequested)
    {
        e.Cancel = true;
        cancel.Cancel();
    }
};

return await CliApp.RunAsync(args, Console.Out, Console.Error, cancel.Token);
