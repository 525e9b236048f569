using System.CommandLine;

namespace Yak.Cli.Commands.Streams;

/// <summary>
/// <c>yakctl logs|exec|test|shell|attach</c>: byte streams through yakd. Each command asks the daemon to prepare
/// the stream on the main connection, then claims it on a side connection that carries frames (docs/streams.md).
/// </summary>
internal static class StreamCommands
{
    public static void AddTo(Command root)
    {
        foreach (var command in (Command[])[LogsCommand.Create(), ExecCommands.Exec(), ExecCommands.Test(), ExecCommands.Shell(), AttachCommand.Create()])
        {
            root.Subcommands.Add(command);
        }
    }
}
