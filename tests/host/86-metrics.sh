#!/bin/bash
# Host-side half of 86-metrics: tlslogd's traffic graph page in headless
# Chromium, natively (under TCG one Chromium start takes minutes). The VM
# test left the page's data as tlslogd served it (graph-hour.json,
# graph-day.json) and the kernel counters' totals in DIR; here the page
# and its uPlot files (userspace/tlslogd/web, what tlslogd serves) are
# served with that data from 127.0.0.1, and tools/graph_check.py checks
# what the page plotted against the totals and that the screenshot shows a
# drawn chart.
#
#   tests/host/86-metrics.sh DIR
set -euo pipefail
DIR=${1:?usage: $0 DIR}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
command -v chromium >/dev/null || { echo "FAIL: no chromium (scripts/install-deps.sh)"; exit 1; }
for f in graph-hour.json graph-day.json totals; do
	[ -s "$DIR/$f" ] || { echo "FAIL: the VM test left no $f in $DIR"; exit 1; }
done
T=$(mktemp -d)
trap 'kill "$SRV" 2>/dev/null || true; rm -rf "$T"' EXIT

# tlslogd's routes: /graph (graph.html), its two static files, and
# /graph.json?range=hour|day.
python3 - "$REPO/userspace/tlslogd/web" "$DIR" "$T/port" <<'PY' &
import http.server, os, sys, urllib.parse
web, data, portfile = sys.argv[1:4]
files = {"/graph": ("graph.html", "text/html; charset=utf-8"),
         "/uPlot.iife.min.js": ("uPlot.iife.min.js", "text/javascript"),
         "/uPlot.min.css": ("uPlot.min.css", "text/css")}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/graph.json":
            r = urllib.parse.parse_qs(u.query).get("range", ["hour"])[0]
            path, ctype = os.path.join(data, "graph-%s.json" % r), "application/json"
        elif u.path in files:
            path, ctype = os.path.join(web, files[u.path][0]), files[u.path][1]
        else:
            path = None
        if not path or not os.path.exists(path):
            self.send_error(404)
            return
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
SRV=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || { echo "FAIL: the page server did not start"; exit 1; }
URL=http://127.0.0.1:$(cat "$T/port")

SECONDS=0
# (--single-process crashes Chromium at start.)
env HOME="$T" DBUS_SESSION_BUS_ADDRESS=disabled: timeout 300 chromium \
	--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
	--no-first-run --disable-extensions --window-size=1000,700 \
	--virtual-time-budget=5000 --screenshot="$T/graph.png" --dump-dom "$URL/graph" \
	>"$T/dom.html" 2>"$T/chromium.err" || { echo "FAIL: chromium: $(tail -5 "$T/chromium.err")"; exit 1; }
echo "ok: chromium: ${SECONDS}s"
cp "$T/graph.png" "$DIR/graph.png"
python3 "$REPO/tests/vm/tools/graph_check.py" "$T/dom.html" "$T/graph.png" "$(cat "$DIR/totals")" ||
	{ echo "FAIL: the page in Chromium (screenshot: $DIR/graph.png)"; exit 1; }
