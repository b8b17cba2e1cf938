#!/bin/bash
# IPS on HTTP/2 without downgrading it: nginx (Debian's, "listen 443 ssl
# http2") behind TLS, tlsid decrypting, tlsi.ko's relay running the engine's
# HTTP/2 decoder with all of ET Open. curl --http2 and nghttp keep HTTP/2
# (curl reports version 2) and a benign download passes byte for byte; a real
# ET http.uri rule (curl) and a real ET http.header rule (nghttp), made drop
# rules, reset the attack; the EVE records say app_proto http2 with the
# request's URL and host; a response rule (status + body) matches h2
# responses. Malformed HTTP/2 (HPACK index out of range, a table size
# attack, endless CONTINUATION, bad Huffman) is counted in
# ips_http2_anomalies and leaves the kernel log clean.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#                                                                  :443 nginx h2
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

[ -e /dev/tlsi ] || fail "no /dev/tlsi: the module has no kernel relay"
command -v nginx >/dev/null || fail "no nginx (scripts/install-deps.sh)"
command -v nghttp >/dev/null || fail "no nghttp (nghttp2-client, scripts/install-deps.sh)"
ET=${TLSI_ET_OPEN:-build/et-open}
[ -d "$ET" ] || fail "no ET Open rules at $ET"
W=/tmp/ips-http2.$$
on_exit "rm -rf $W"
tlsid_setup "$W" 443 reset	# a blocked client gets a reset
printf "site.test says hello over h2" >"$W/www/index.html"

# ---- nginx with HTTP/2 in the server namespace ---------------------------------------
mkdir -p "$W/nginx/logs"
chmod 755 "$W" "$W/www"
cat >"$W/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log info;
events { worker_connections 256; }
http {
	access_log $W/nginx/logs/access.log;
	client_body_temp_path $W/nginx/body;
	proxy_temp_path $W/nginx/proxy;
	fastcgi_temp_path $W/nginx/fastcgi;
	uwsgi_temp_path $W/nginx/uwsgi;
	scgi_temp_path $W/nginx/scgi;
	server {
		listen 10.9.0.2:443 ssl http2;
		server_name site.test;
		ssl_certificate $W/site.crt;
		ssl_certificate_key $W/site.key;
		root $W/www;
		location / { try_files \$uri /index.html; }
	}
}
EOF
spawn s nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -g "daemon off; user root;"
wait_port s 443
# before tlsid: straight to nginx, HTTP/2 negotiated
assert_eq "$(curl_site 443 --http2 --cacert "$W/testca.crt" -w ' %{http_version}' https://site.test/)" \
	"site.test says hello over h2 2" "nginx speaks HTTP/2"

start_tlsid

# ---- rules: ET Open, two real web-attack rules made drop rules ---------------------
SID_URI=2017807		# ET WEB_SERVER Possible MySQL SQLi User-Dump Attempt (http.uri)
SID_HDR=2013939		# ET WEB_SERVER Weevely PHP backdoor detected (http.header)
for sid in $SID_URI $SID_HDR; do
	grep -h "sid:$sid;" "$ET"/*.rules | grep -q '^alert http' || fail "ET has no enabled rule $sid"
done
cat "$ET"/*.rules | grep -v -e "sid:$SID_URI;" -e "sid:$SID_HDR;" >"$W/et.rules"
grep -h -e "sid:$SID_URI;" -e "sid:$SID_HDR;" "$ET"/*.rules | sed 's/^alert /drop /' >"$W/local.rules"
cat >>"$W/local.rules" <<'EOF'
alert http any any -> any any (msg:"TLSI TEST h2 response"; flow:to_client; http.stat_code; content:"200"; file.data; content:"says hello over h2"; classtype:misc-activity; sid:9100201; rev:1;)
alert http any any -> any any (msg:"TLSI TEST h2 user agent"; flow:to_server; http.user_agent; content:"tlsi-h2-probe"; classtype:misc-activity; sid:9100202; rev:1;)
EOF
out=$(tlsictl rules load --pcre=prefilter --classification "$ET/classification.config" \
	--var 'HOME_NET=[10.9.0.2/32]' "$W/et.rules" "$W/local.rules")
pass "ET Open + local rules: $(echo "$out" | tail -n 1)"
monitor_start "$W/monitor.out" --eve "$W/eve.json"

# ---- benign: HTTP/2 kept, byte for byte, inspected ---------------------------------
stats_snapshot
got=$(curl_site 443 --http2 --cacert "$W/signca.crt" -A tlsi-h2-probe -w ' %{http_version}' \
	https://site.test/)
assert_eq "$got" "site.test says hello over h2 2" "curl --http2 through tlsi: HTTP/2 kept"
got=$(curl_site 443 --http2 --cacert "$W/signca.crt" https://site.test/m.bin | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$M_SHA" "1 MB over HTTP/2 through tlsi, byte for byte"
# (nghttp verifies no certificate: it warns and goes on)
got=$(in_c nghttp https://10.9.0.2/index.html 2>/dev/null) || fail "nghttp: $got"
assert_eq "$got" "site.test says hello over h2" "nghttp through tlsi"
[ "$(delta ips_flows_inspected)" -ge 3 ] || fail "ips_flows_inspected: $(delta ips_flows_inspected)"
[ "$(delta ips_bytes_inspected)" -gt $((1024 * 1024)) ] || fail "ips_bytes_inspected: $(delta ips_bytes_inspected)"
assert_delta ips_blocks 0
assert_delta ips_http2_anomalies 0
wait_until $T_REACT _eve_has 9100201 || fail "no EVE record of 9100201: $(cat "$W/monitor.out")"
eve_has 9100201 "app_proto=http2"
eve_has 9100201 "direction=to_client"
eve_has 9100201 "http.status=200"
wait_until $T_REACT _eve_has 9100202 || fail "no EVE record of 9100202: $(cat "$W/monitor.out")"
eve_has 9100202 "app_proto=http2"
eve_has 9100202 "http.hostname=site.test"
eve_has 9100202 "http.http_user_agent=tlsi-h2-probe"
pass "benign h2: passed, response and user-agent rules matched the h2 streams"

# ---- curl --http2: the http.uri attack ----------------------------------------------
stats_snapshot
URL='https://site.test/index.php?id=1+union+select+password+from+mysql.user'
rc=0
out=$(curl_site 443 --http2 --cacert "$W/signca.crt" "$URL" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "h2 attack passed: $out"
pass "curl --http2 attack: blocked (curl $rc: $out)"
assert_delta ips_blocks 1
assert_delta relay_inspection_blocked 1
wait_until $T_REACT _eve_has $SID_URI || fail "no EVE record of $SID_URI: $(cat "$W/monitor.out")"
eve_has $SID_URI "alert.action=blocked"
eve_has $SID_URI "app_proto=http2"
eve_has $SID_URI "ssl_inspected=True"
eve_has $SID_URI "http.hostname=site.test"
eve_has $SID_URI "http.url=/index.php?id=1+union+select+password+from+mysql.user"
eve_has $SID_URI "http.http_method=GET"
eve_has $SID_URI "tls.sni=site.test"
grep -q "mysql.user" "$W/nginx/logs/access.log" && fail "the attack reached nginx"

# ---- nghttp: the http.header attack ------------------------------------------------
stats_snapshot
rc=0
out=$(in_c nghttp -H 'x-session: aGVsbF9leGVjKCk=' https://10.9.0.2/ 2>&1) || rc=$?
echo "$out" | grep -q "says hello" && fail "h2 header attack answered: $out"
pass "nghttp header attack: blocked (nghttp $rc: $(echo "$out" | head -n 1))"
assert_delta ips_blocks 1
wait_until $T_REACT _eve_has $SID_HDR || fail "no EVE record of $SID_HDR: $(cat "$W/monitor.out")"
eve_has $SID_HDR "alert.action=blocked"
eve_has $SID_HDR "app_proto=http2"
eve_has $SID_HDR "http.http_method=GET"
grep -q "aGVsbF9l" "$W/nginx/logs/access.log" && fail "the header attack reached nginx"


# ---- malformed HTTP/2: counted, the kernel unharmed --------------------------------
# One connection per kind (TLS with ALPN h2, through tlsid): the decoder
# reports each flow's anomaly once; the raw stream stays inspected.
stats_snapshot
got=$(in_c python3 - index tablesize continuation huffman <<'EOF'
import socket, ssl, sys
def fr(t, fl, sid, p=b""):
    return len(p).to_bytes(3, "big") + bytes([t, fl]) + sid.to_bytes(4, "big") + p
pre = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + fr(4, 0, 0)
bad = {
    "index": pre + fr(1, 5, 1, b"\x82\xff\x40"),
    "tablesize": pre + fr(1, 5, 1, b"\x3f\xe1\xff\x03\x82"),
    "continuation": pre + fr(1, 0, 1, b"\x82") + b"".join(fr(9, 0, 1) for _ in range(40)),
    "huffman": pre + fr(1, 5, 1, b"\x82\x40\x81\xff\x01\x61"),
}
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["h2"])
for kind in sys.argv[1:]:
    s = ctx.wrap_socket(socket.create_connection(("10.9.0.2", 443), timeout=60),
                        server_hostname="site.test")
    alpn = s.selected_alpn_protocol()
    s.sendall(bad[kind])
    s.settimeout(3)	# nginx may wait for the rest of a block
    try:
        while s.recv(4096):
            pass
    except Exception:
        pass
    print(kind, alpn)
    s.close()
EOF
)
assert_eq "$(echo $got)" "index h2 tablesize h2 continuation h2 huffman h2" "malformed h2 over TLS with ALPN h2"
_anomalies_counted() { [ "$(delta ips_http2_anomalies)" -ge 4 ]; }
wait_until $T_REACT _anomalies_counted || fail "ips_http2_anomalies grew by $(delta ips_http2_anomalies), expected 4"
assert_delta ips_blocks 0
pass "malformed HTTP/2 counted in ips_http2_anomalies: index, table size, CONTINUATION, Huffman"
assert_eq "$(curl_site 443 --http2 --cacert "$W/signca.crt" -w ' %{http_version}' https://site.test/)" \
	"site.test says hello over h2 2" "benign request after the blocks and malformed h2"

# ---- the guide's option: downgrade HTTP/2 to HTTP/1.1 ----------------------------------
ctl_ok ssl-policy del outbound profile p1
ctl_ok ssl-proxy del web
ctl_ok ssl-proxy add web ports 443 reset logging downgrade-http2
ctl_ok ssl-policy add outbound profile p1 proxy web
tlsictl ssl-proxy show | grep -q "downgrade-http2" || fail "ssl-proxy show: $(tlsictl ssl-proxy show)"
assert_eq "$(curl_site 443 --http2 --cacert "$W/signca.crt" -w ' %{http_version}' https://site.test/)" \
	"site.test says hello over h2 1.1" "curl --http2 through a downgrading proxy: HTTP/1.1"
log_has "alpn=http/1.1"
[ "$(tlsid_stat http2_downgraded)" -ge 1 ] || fail "http2_downgraded not counted"
rc=0
out=$(curl_site 443 --http2 --cacert "$W/signca.crt" "$URL" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "downgraded attack not blocked: $out"
pass "downgrade-http2: the client and the server speak HTTP/1.1, the attack is blocked by the HTTP/1 decoder"
pass "HTTP/2 inspection end to end in $SECONDS s"
