namespace Yak.Forwarding.Tests.Support;

/// <summary>The pods' test server (python3, port 8080): "WHO" answers the pod name; anything else is echoed until EOF, then half-closed.</summary>
internal static class EchoServer
{
    public const int Port = 8080;

    public static readonly string Script = """
        import os, socket, threading
        def handle(c):
            try:
                first = c.recv(65536)
                if first.startswith(b'WHO'):
                    c.sendall(os.environ.get('HOSTNAME', '?').encode() + b'\n')
                    return
                data = first
                while data:
                    c.sendall(data)
                    data = c.recv(65536)
                c.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            finally:
                c.close()
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', 8080))
        s.listen(512)
        while True:
            conn, _ = s.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
        """;
}
