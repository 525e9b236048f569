"""The shop's web front: serves index.html from this folder (re-read on every request, so a saved edit shows at
once) and counts visits in the store service."""
import http.server
import os
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STORE_URL = os.environ.get("STORE_URL", "http://store:7070")
PORT = int(os.environ.get("PORT", "8080"))


def count_visit():
    try:
        with urllib.request.urlopen(urllib.request.Request(STORE_URL + "/visits", method="POST"), timeout=2) as response:
            return response.read().decode().strip()
    except OSError:
        return "? (store unavailable)"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            self.reply(200, "text/plain", b"ok\n")
            return
        if self.path not in ("/", "/index.html"):
            self.reply(404, "text/plain", b"not found\n")
            return
        with open(os.path.join(HERE, "index.html"), encoding="utf-8") as page:
            html = page.read().replace("{{visits}}", count_visit())
        self.reply(200, "text/html; charset=utf-8", html.encode())

    def reply(self, code, content_type, body):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    print(f"shop web on :{PORT}, store at {STORE_URL}", flush=True)
    http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
