using Yak.Testing;

namespace Yak.Forwarding.Tests.Support;

/// <summary>Waits on a forward's events (state and target changes), never on the clock.</summary>
internal static class ForwardWaits
{
    public static async Task<ForwardStatus> WaitForAsync(this PortForward forward, Func<ForwardStatus, bool> condition, string what)
    {
        var done = new TaskCompletionSource<ForwardStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            var status = forward.GetStatus();
            if (condition(status))
            {
                done.TrySetResult(status);
            }
        }

        EventHandler<ForwardStateChangedEventArgs> onState = (_, _) => Check();
        EventHandler<ForwardTargetChangedEventArgs> onTarget = (_, _) => Check();
        EventHandler<ForwardConnectionsChangedEventArgs> onConnections = (_, _) => Check();
        forward.StateChanged += onState;
        forward.TargetChanged += onTarget;
        forward.ConnectionsChanged += onConnections;
        try
        {
            Check();
            try
            {
                return await done.Task.DefaultTimeout();
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"timed out waiting for {what}; forward status: {forward.GetStatus()}");
            }
        }
        finally
        {
            forward.StateChanged -= onState;
            forward.TargetChanged -= onTarget;
            forward.ConnectionsChanged -= onConnections;
        }
    }

    public static Task<ForwardStatus> WaitListeningAsync(this PortForward forward) =>
        forward.WaitForAsync(s => s.State == ForwardState.Listening && s.TargetPod is not null, "the forward to listen with a target pod");
}
