using System.Text;
using Yak.LocalCluster.Streams;

namespace Yak.LocalCluster.Tests.Streams;

public sealed class ExecLaunchFailureTests
{
    private const string Complaint = "nsenter: failed to execute no-such-program: No such file or directory\r\n";
    private const string RuntimeWords = "OCI runtime exec failed: exec failed: unable to start container process: exec: \"no-such-program\": executable file not found in $PATH: unknown\n";

    [Fact]
    public void Filter_ComplaintInOneChunk_ReplacedByTheRuntimesWords()
    {
        var failure = new ExecLaunchFailure();

        Assert.Equal(RuntimeWords, Text(failure.Filter("stdout", Bytes(Complaint))));
        Assert.True(failure.Release().IsEmpty);
    }

    [Fact]
    public void Filter_ComplaintInPiecesAsErrWritesIt_HeldThenReplaced()
    {
        var failure = new ExecLaunchFailure();

        Assert.True(failure.Filter("stdout", Bytes("nsenter: ")).IsEmpty);
        Assert.True(failure.Filter("stdout", Bytes("failed to execute no-such-program")).IsEmpty);
        Assert.Equal(RuntimeWords, Text(failure.Filter("stdout", Bytes(": No such file or directory\r\n"))));
        Assert.Equal("later output", Text(failure.Filter("stdout", Bytes("later output"))));
    }

    [Fact]
    public void Filter_OrdinaryOutput_ForwardedAsItCame()
    {
        var failure = new ExecLaunchFailure();

        Assert.Equal("hello\n", Text(failure.Filter("stdout", Bytes("hello\n"))));
        Assert.Equal("nsenter: failed to execute x: y\n", Text(failure.Filter("stdout", Bytes("nsenter: failed to execute x: y\n"))));
        Assert.Null(failure.Message);
    }

    [Fact]
    public void Release_OutputThatLookedLikeTheStartOfTheComplaint_ForwardedWhenTheProcessEnds()
    {
        var failure = new ExecLaunchFailure();

        Assert.True(failure.Filter("stderr", Bytes("nsen")).IsEmpty);
        Assert.Equal("stdout passes", Text(failure.Filter("stdout", Bytes("stdout passes"))));

        Assert.Equal("stderr", failure.HeldStream);
        Assert.Equal("nsen", Text(failure.Release()));
        Assert.Null(failure.Message);
    }

    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);
}
