using Yak.Daemon.Environments;

namespace Yak.Daemon.Tests.Environments;

public sealed class SocketTableTests
{
    // proc(5) format, as cat /proc/net/tcp /proc/net/tcp6 prints it: 4711 = 0x1267, 8080 = 0x1F90.
    private const string Tables = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
           1: 0100007F:1267 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 20 4 30 10 -1
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 100 0 0 10 0
        """;

    [Theory]
    [InlineData(8080, true)]
    [InlineData(22, true)]
    [InlineData(4711, false)]
    [InlineData(9229, false)]
    public void Listens_ProcNetTables_OnlyListeningSocketsOfThePortCount(int port, bool expected) =>
        Assert.Equal(expected, SocketTable.Listens(Tables, port));
}
