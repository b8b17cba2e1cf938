#!/usr/bin/env python3
"""HTTPS server for the VM tests and the demo: virtual hosts chosen by SNI.

  https_server.py PORT BIGFILE NAME=CERT,KEY ...

GET / answers "NAME says hello", GET /big the contents of BIGFILE; the
first NAME is the default.
"""
import http.server, ssl, sys
# https.py PORT BIGFILE NAME=CERT,KEY ...   (the first name is the default)
port, big = int(sys.argv[1]), sys.argv[2]
ctxs, bodies, first = {}, {}, None
for spec in sys.argv[3:]:
    name, files = spec.split("=", 1)
    cert, key = files.split(",")
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(cert, key)
    c.set_alpn_protocols(["http/1.1"])
    ctxs[name], bodies[id(c)] = c, (name + " says hello\n").encode()
    first = first or c
def sni(sslobj, name, ctx):
    if name in ctxs:
        sslobj.context = ctxs[name]
first.sni_callback = sni
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_GET(self):
        data = open(big, "rb").read() if self.path == "/big" else bodies[id(self.request.context)]
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
class S(http.server.ThreadingHTTPServer):
    daemon_threads = allow_reuse_address = True
    def finish_request(self, request, addr):
        try:
            tls = first.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, addr, self)
        finally:
            tls.close()
S(("0.0.0.0", port), H).serve_forever()
