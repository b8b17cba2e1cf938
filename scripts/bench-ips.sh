#!/bin/bash
# make bench-ips: the IPS's cost on real traffic, in one VM run
# (Documentation/performance.md, "IPS"):
#
#   1. cleartext HTTP through the bridge with no rules loaded (nothing is
#      inspected: the bridge path) and through tlsi with all of ET Open
#      that loads by default (every connection relayed by the kernel and
#      inspected): one 64 MiB download, and the request rate of parallel
#      keep-alive clients;
#   2. the same 64 MiB download over TLS through tlsi (tlsid intercepting,
#      ET loaded) with HTTP/2 and with HTTP/1.1.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid] eth1 -- server 10.9.0.2 nginx :80, :443 (h2)
#
# BENCH_BULK_MB (64), BENCH_CLIENTS (8), BENCH_SECONDS (8), BENCH_ROUNDS (1;
# the best round counts). Results are the TCG VM's: only ratios mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/vm/lib.sh
. tests/vm/tlsi.sh
. tests/vm/tlsid.sh

BULK_MB=${BENCH_BULK_MB:-64}
CLIENTS=${BENCH_CLIENTS:-8}
SECS=${BENCH_SECONDS:-8}
ROUNDS=${BENCH_ROUNDS:-1}
ET=${TLSI_ET_OPEN:-build/et-open}
[ -d "$ET" ] || fail "no ET Open at $ET"
W=/tmp/bench-ips.$$
mkdir -p "$W"
on_exit "rm -rf $W"

tlsid_setup "$W" 443
chmod 755 "$W" "$W/www"
head -c "${BULK_MB}M" /dev/urandom >"$W/www/big.bin"
BIG_SHA=$(sha256sum <"$W/www/big.bin" | cut -d' ' -f1)
printf "small page\n" >"$W/www/small.html"
mkdir -p "$W/nginx/logs"
cat >"$W/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $W/nginx/body;
	proxy_temp_path $W/nginx/proxy;
	fastcgi_temp_path $W/nginx/fastcgi;
	uwsgi_temp_path $W/nginx/uwsgi;
	scgi_temp_path $W/nginx/scgi;
	server {
		listen 10.9.0.2:80;
		listen 10.9.0.2:443 ssl http2;
		server_name site.test;
		ssl_certificate $W/site.crt;
		ssl_certificate_key $W/site.key;
		root $W/www;
	}
}
EOF
spawn s nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -g "daemon off; user root;"
wait_port s 80
wait_port s 443

# bulk URL [CURL ARGS]: bytes/s of one download (checked whole).
bulk() {
	local out sha speed
	out=$(in_c curl -sS --max-time 600 -o "$W/dl.bin" -w '%{speed_download}' "$@")
	sha=$(sha256sum <"$W/dl.bin" | cut -d' ' -f1)
	[ "$sha" = "$BIG_SHA" ] || fail "download $*: content differs"
	speed=${out%.*}
	echo "$speed"
}
# rate: requests/s of CLIENTS keep-alive clients over SECS seconds.
rate() {
	in_c python3 - "$CLIENTS" "$SECS" <<'EOF'
import http.client, sys, threading, time
n, secs = int(sys.argv[1]), float(sys.argv[2])
counts = [0] * n
def client(i):
    c = http.client.HTTPConnection("10.9.0.2", 80, timeout=60)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        c.request("GET", "/small.html")
        r = c.getresponse()
        assert r.status == 200 and r.read() == b"small page\n"
        counts[i] += 1
t = [threading.Thread(target=client, args=(i,)) for i in range(n)]
t0 = time.monotonic()
for x in t: x.start()
for x in t: x.join()
print(int(sum(counts) / (time.monotonic() - t0)))
EOF
}
best() { sort -n | tail -1; }
# measure NAME CMD...: the best of ROUNDS.
measure() {
	local name=$1 r v
	shift
	for r in $(seq "$ROUNDS"); do
		v=$("$@")
		echo "  $name round $r: $v" >&2
		echo "$v"
	done | best
}
URL=http://10.9.0.2/big.bin
TLS_URL=https://site.test/big.bin
TLS_ARGS=(--resolve site.test:443:10.9.0.2 --cacert "$W/signca.crt")

echo "== cleartext through the bridge, no rules (nothing inspected)"
start_tlsid
bulk_bare=$(measure bulk-bridge bulk "$URL")
rate_bare=$(measure rate-bridge rate)

echo "== loading ET Open"
t0=$SECONDS
out=$(tlsictl rules load "$ET"/*.rules)
NRULES=$(echo "$out" | sed -n 's/^loaded into tlsi.ko: \([0-9]*\) rules.*/\1/p')
[ -n "$NRULES" ] || fail "ET load: $out"
echo "  $NRULES rules in $((SECONDS - t0)) s"

echo "== cleartext through tlsi, ET loaded (relayed and inspected)"
stats_snapshot
bulk_tlsi=$(measure bulk-tlsi bulk "$URL")
rate_tlsi=$(measure rate-tlsi rate)
[ "$(delta cleartext_relayed)" -ge $((ROUNDS + CLIENTS)) ] ||
	fail "the cleartext connections were not relayed: $(delta cleartext_relayed)"
[ "$(delta ips_bytes_inspected)" -ge $((ROUNDS * BULK_MB * 1048576)) ] ||
	fail "ips_bytes_inspected: $(delta ips_bytes_inspected)"

echo "== TLS through tlsi, ET loaded: HTTP/2 and HTTP/1.1"
stats_snapshot
bulk_h2=$(measure bulk-h2 bulk "$TLS_URL" --http2 "${TLS_ARGS[@]}")
bulk_h1=$(measure bulk-h1 bulk "$TLS_URL" --http1.1 "${TLS_ARGS[@]}")
[ "$(delta ssl_decrypted)" -ge $((2 * ROUNDS)) ] || fail "TLS not decrypted: $(delta ssl_decrypted)"

ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / max(float(sys.argv[2]), 1)))" "$1" "$2"; }
mb() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) / 1048576))" "$1"; }
echo
echo "| measurement | bridge, no rules | tlsi, $NRULES ET rules | ratio |"
echo "|---|---|---|---|"
echo "| cleartext ${BULK_MB} MiB download | $(mb "$bulk_bare") MiB/s | $(mb "$bulk_tlsi") MiB/s | $(ratio "$bulk_tlsi" "$bulk_bare") |"
echo "| keep-alive requests, $CLIENTS clients | $rate_bare /s | $rate_tlsi /s | $(ratio "$rate_tlsi" "$rate_bare") |"
echo
echo "| TLS through tlsi, ET loaded | HTTP/1.1 | HTTP/2 | h2 / h1.1 |"
echo "|---|---|---|---|"
echo "| ${BULK_MB} MiB download | $(mb "$bulk_h1") MiB/s | $(mb "$bulk_h2") MiB/s | $(ratio "$bulk_h2" "$bulk_h1") |"
