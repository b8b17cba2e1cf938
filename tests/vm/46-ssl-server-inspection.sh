#!/bin/bash
# SSL server inspection (the guide's chapter 6), driven as a user would:
#   - nginx is the protected server: two virtual hosts by SNI on one
#     address (www.corp.test, *.api.corp.test, RSA) and an ECDSA one on
#     another port; server proxies hold their certificates and keys (in the
#     repository), a server policy uses them;
#   - curl and openssl s_client see the server's own certificate (the same
#     fingerprint), chosen by SNI (exact, wildcard, else the first), and 50
#     MB go each way byte for byte through the kernel relay;
#   - a real ET rule protecting $HOME_NET web servers blocks an attack; the
#     EVE record says the session was server-inspected;
#   - the decrypted service: `other' leaves the ET HTTP rule blind, a
#     raw-stream rule still blocks; on a block the client is reset, the
#     protected server only when its proxy says `reset' (else it gets an
#     access_denied alert and a FIN), as tls_end.py's server reports;
#   - a client policy on the same port: the server policy wins for the
#     protected server, the client policy still forges for other servers,
#     and with ssl-server off the client policy takes the flow;
#   - a source exception passes untouched; cleartext on the tuple is
#     dropped, counted and logged;
#   - `cert replace' reaches new sessions without restarting tlsid;
#   - bad input refused with nothing changed: mixed RSA/ECDSA suites, a
#     certificate without its key, a signing certificate, 1001 names (tlsictl
#     and kernel), a policy name used by a client policy, an unknown proxy,
#     server settings on a client proxy; a certificate in use is not
#     deleted; 1000 long names round-trip through the kernel's dump.
#
#   client 10.9.0.1, .3 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2 (nginx)
#                                                                          10.9.0.4 (site.test)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

ET=${TLSI_ET_OPEN:-build/et-open}
[ -d "$ET" ] || fail "no ET Open rules at $ET"
BIG_MB=${TLSI_SERVER_BIG_MB:-50}
W=/tmp/ssl-server.$$
mkdir -p "$W/www" "$W/ngx"
on_exit "rm -rf $W"
export TLSI_CERT_REPO=$W/repo

CERTS=$W
mkca testca "tlsi test CA"
mkca signca "tlsi test signing CA"
mkleaf www www.corp.test testca rsa:2048
mkleaf www2 www.corp.test testca rsa:2048
mkleaf api '*.api.corp.test' testca rsa:2048
mkleaf ecweb ec.corp.test testca "ec -pkeyopt ec_paramgen_curve:P-256"
mkleaf site site.test testca rsa:2048
head -c "${BIG_MB}M" /dev/urandom >"$W/www/big.bin"
BIG_SHA=$(sha256sum <"$W/www/big.bin" | cut -d' ' -f1)
fp() { openssl x509 -noout -fingerprint -sha256 -in "$1" | cut -d= -f2; }

tlsi_basic
add_addr a br0 10.9.0.254/24
add_addr c eth0 10.9.0.3/24
add_addr s eth0 10.9.0.4/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0

# ---- the protected server: nginx, its own certificates -------------------------
cat >"$W/nginx.conf" <<EOF
daemon off;
master_process off;
user root;
pid $W/ngx/nginx.pid;
error_log $W/ngx/error.log;
events { worker_connections 256; }
http {
	access_log off;
	default_type application/octet-stream;
	client_max_body_size 200m;
	client_body_temp_path $W/ngx/body;
	proxy_temp_path $W/ngx/proxy;
	fastcgi_temp_path $W/ngx/fcgi;
	uwsgi_temp_path $W/ngx/uwsgi;
	scgi_temp_path $W/ngx/scgi;
	server {
		listen 10.9.0.2:443 ssl default_server;
		server_name www.corp.test;
		ssl_certificate $W/www.crt;
		ssl_certificate_key $W/www.key;
		root $W/www;
		location = / { return 200 "www says hello\n"; }
		location /up/ { dav_methods PUT; create_full_put_path on; }
	}
	server {
		listen 10.9.0.2:443 ssl;
		server_name *.api.corp.test;
		ssl_certificate $W/api.crt;
		ssl_certificate_key $W/api.key;
		location = / { return 200 "api says hello\n"; }
	}
	server {
		listen 10.9.0.2:9443 ssl;
		server_name www.corp.test;
		ssl_certificate $W/www.crt;
		ssl_certificate_key $W/www.key;
		location / { return 200 "plain says hello\n"; }
	}
	server {
		listen 10.9.0.2:8443 ssl;
		server_name ec.corp.test;
		ssl_certificate $W/ecweb.crt;
		ssl_certificate_key $W/ecweb.key;
		location = / { return 200 "ec says hello\n"; }
	}
}
EOF
spawn s nginx -c "$W/nginx.conf"
wait_port s 443
wait_port s 8443
# A server the client policy intercepts (not protected).
spawn s python3 "$TOOLS/https_server.py" 4443 "$W/www/big.bin" "site.test=$W/site.crt,$W/site.key"
wait_port s 4443

# ---- configuration --------------------------------------------------------------
ctl_ok cert import www cert "$W/www.crt" key "$W/www.key"
ctl_ok cert import api cert "$W/api.crt" key "$W/api.key"
ctl_ok cert import ecweb cert "$W/ecweb.crt" key "$W/ecweb.key"
ctl_ok cert import-ca testca file "$W/testca.crt"
ctl_ok ssl-proxy add srv role server destination 10.9.0.2 ports 443 certs www,api,www logging \
	description "corp web servers"
ctl_ok ssl-proxy add srvec role server destination 10.9.0.2/32 ports 8443 certs ecweb logging
ctl_ok ssl-policy add inbound profile p1 proxy srv never-decrypt 10.9.0.3
ctl_ok ssl-policy add inbound-ec profile p1 proxy srvec
# A client policy on the same port 443: the server policy must win.
ctl_ok ssl-proxy add web ports 443,4443 logging
ctl_ok ssl-policy add outbound profile p1 proxy web
ctl_ok config set ssl-client on ssl-server on
tlsictl ssl-proxy show | grep -q "^srv role server destination 10.9.0.2/32 certs www,api ports 443 " ||
	fail "show: duplicate not dropped or fields missing: $(tlsictl ssl-proxy show)"
tlsictl save | grep -q "^ssl-proxy add srv role server destination 10.9.0.2/32 certs www,api ports 443 " ||
	fail "save: $(tlsictl save | grep ssl-proxy)"
pass "server proxies configured (duplicate certificate dropped)"

start_tlsid --cert-repo "$W/repo"

# served NAME HOST PORT [ARGS]: the SHA-256 fingerprint of the certificate a
# client asking for NAME at HOST:PORT gets.
served() {
	in_c timeout 120 openssl s_client -connect "$2:$3" -servername "$1" "${@:4}" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2
}
curl_corp() {
	local host=$1 port=$2
	shift 2
	in_c curl -sS --max-time 300 --cacert "$W/testca.crt" --resolve "$host:$port:10.9.0.2" "$@"
}

# ---- the server's own certificate, chosen by SNI ---------------------------------
stats_snapshot
assert_eq "$(curl_corp www.corp.test 443 https://www.corp.test/)" "www says hello" "www via server inspection"
assert_eq "$(served www.corp.test 10.9.0.2 443)" "$(fp "$W/www.crt")" "www: the server's own certificate"
assert_eq "$(served x.api.corp.test 10.9.0.2 443)" "$(fp "$W/api.crt")" "wildcard SAN chosen by SNI"
assert_eq "$(curl_corp x.api.corp.test 443 https://x.api.corp.test/)" "api says hello" "api vhost"
assert_eq "$(served other.test 10.9.0.2 443)" "$(fp "$W/www.crt")" "unknown SNI: the first certificate"
assert_eq "$(served ec.corp.test 10.9.0.2 8443)" "$(fp "$W/ecweb.crt")" "ECDSA proxy"
assert_eq "$(curl_corp ec.corp.test 8443 https://ec.corp.test:8443/)" "ec says hello" "ECDSA vhost"
[ "$(delta ssl_server_diverted)" -ge 7 ] || fail "ssl_server_diverted: $(delta ssl_server_diverted)"
[ "$(delta ssl_server_decrypted)" -ge 7 ] || fail "ssl_server_decrypted: $(delta ssl_server_decrypted)"
# The three curls at least: an s_client that leaves right after its
# handshake may be gone before the hand-off on a loaded machine.
[ "$(delta relay_ktls_sessions)" -ge 3 ] || fail "relay_ktls_sessions: $(delta relay_ktls_sessions)"
log_has "inspection=server"
log_has "outcome=Decrypted"
pass "SNI selection: exact, wildcard, default; RSA and ECDSA; kernel relay"

# ---- bulk, both ways, byte for byte ------------------------------------------------
sum=$(curl_corp www.corp.test 443 https://www.corp.test/big.bin | sha256sum | cut -d' ' -f1)
assert_eq "$sum" "$BIG_SHA" "${BIG_MB} MB download"
curl_corp www.corp.test 443 -T "$W/www/big.bin" https://www.corp.test/up/big.bin >/dev/null
assert_eq "$(sha256sum <"$W/www/up/big.bin" | cut -d' ' -f1)" "$BIG_SHA" "${BIG_MB} MB upload"

# ---- the IPS: an ET rule protecting $HOME_NET web servers ---------------------------
SID=2017807	# ET WEB_SERVER Possible MySQL SQLi User-Dump Attempt ($EXTERNAL_NET -> $HOME_NET)
grep -h "sid:$SID;" "$ET"/*.rules | grep -q 'alert http $EXTERNAL_NET any -> $HOME_NET' ||
	fail "ET rule $SID does not protect \$HOME_NET"
grep -h "sid:$SID;" "$ET"/*.rules | sed 's/^alert /drop /' >"$W/local.rules"
ctl_ok rules load --classification "$ET/classification.config" --var 'HOME_NET=[10.9.0.2/32]' \
	--var 'EXTERNAL_NET=!$HOME_NET' "$W/local.rules"
monitor_start "$W/monitor.out" --eve "$W/eve.json"
stats_snapshot
rc=0
out=$(curl_corp www.corp.test 443 'https://www.corp.test/index.php?id=1+union+select+password+from+mysql.user' 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "attack not blocked: $out"
assert_delta ips_blocks 1
wait_until $T_REACT _eve_has $SID || fail "no EVE record of $SID: $(cat "$W/monitor.out")"
eve_has $SID "alert.action=blocked"
eve_has $SID "ssl_inspected=True"
eve_has $SID "ssl_inspection=server"
eve_has $SID "dest_ip=10.9.0.2"
eve_has $SID "http.hostname=www.corp.test"
assert_eq "$(curl_corp www.corp.test 443 https://www.corp.test/)" "www says hello" "benign request after the block"
pass "attack blocked by ET $SID, EVE says server inspection"

# ---- the decrypted service; who is reset on a block ------------------------------------
# `service other': no application decoder, so the ET HTTP rule above cannot
# see the request; a raw-stream rule still can. A block resets the client
# (outside); the protected server is reset only by a proxy that says
# `reset' (the guide's "send TCP reset to server for blocked sessions"),
# else it gets a fatal access_denied alert and a FIN.
spawn s python3 "$TOOLS/tls_end.py" server 9444 "$W/www.crt" "$W/www.key" --log "$W/end9444.log"
spawn s python3 "$TOOLS/tls_end.py" server 9445 "$W/www.crt" "$W/www.key" --log "$W/end9445.log"
wait_port s 9443
wait_port s 9444
wait_port s 9445
ctl_ok ssl-proxy add rawsrv role server destination 10.9.0.2 ports 9443 certs www service other
ctl_ok ssl-proxy add rstsrv role server destination 10.9.0.2 ports 9444 certs www reset
ctl_ok ssl-proxy add finsrv role server destination 10.9.0.2 ports 9445 certs www service smtp
for px in rawsrv rstsrv finsrv; do ctl_ok ssl-policy add "in-$px" profile p1 proxy "$px"; done
tlsictl ssl-proxy show | grep -q "^rawsrv role server .* service other " ||
	fail "show: $(tlsictl ssl-proxy show | grep rawsrv)"
tlsictl ssl-proxy show | grep -q "^srv role server .* service auto " ||
	fail "show (default service): $(tlsictl ssl-proxy show | grep '^srv ')"
echo 'drop tcp $EXTERNAL_NET any -> $HOME_NET [9443:9445] (msg:"TLSI TEST raw bytes to a protected server"; flow:to_server,established; content:"raw-evil"; classtype:web-application-attack; sid:9104601; rev:1;)' >>"$W/local.rules"
ctl_ok rules load --classification "$ET/classification.config" --var 'HOME_NET=[10.9.0.2/32]' \
	--var 'EXTERNAL_NET=!$HOME_NET' "$W/local.rules"
stats_snapshot
assert_eq "$(curl_corp www.corp.test 9443 'https://www.corp.test:9443/index.php?id=1+union+select+password+from+mysql.user')" \
	"plain says hello" "service other: the HTTP rule does not see the request"
assert_delta ips_blocks 0
rc=0
out=$(curl_corp www.corp.test 9443 https://www.corp.test:9443/raw-evil 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "service other: the raw-stream rule did not block: $out"
assert_delta ips_blocks 1
wait_until $T_REACT _eve_has 9104601 || fail "no EVE record of 9104601: $(tail -n 3 "$W/monitor.out")"
pass "service other: no HTTP decoding, raw-stream rules block"
end_c() {
	in_c python3 "$TOOLS/tls_end.py" client 10.9.0.2 "$1" www.corp.test echo --send raw-evil --timeout 120
}
_logged() { [ -s "$1" ]; }
_why() {
	echo "client: $out; counters: $(tlsictl stats | grep -E '^(relay_|ips_blocks|ssl_server|ssl_handoff)' |
		awk '$2 != 0' | tr -s ' \n' ' '); tlsid: $(tail -n 5 "$W/tlsid.log" | tr '\n' ' ')"
}
out=$(end_c 9444)
echo "$out" | grep -q " end=reset" || fail "client of a blocked session (reset proxy): $(_why)"
wait_until $T_REACT _logged "$W/end9444.log" || fail "the server on 9444 logged no end: $(_why)"
grep -q " end=reset$" "$W/end9444.log" && [ "$(wc -l <"$W/end9444.log")" = 1 ] ||
	fail "the server of a \`reset' proxy: $(cat "$W/end9444.log"); $(_why)"
out=$(end_c 9445)
echo "$out" | grep -q " end=reset" || fail "client of a blocked session: $(_why)"
wait_until $T_REACT _logged "$W/end9445.log" || fail "the server on 9445 logged no end: $(_why)"
grep -q " end=alert detail=TLSV1_ALERT_ACCESS_DENIED$" "$W/end9445.log" &&
	[ "$(wc -l <"$W/end9445.log")" = 1 ] ||
	fail "the server of a proxy without reset: $(cat "$W/end9445.log"); $(_why)"
assert_delta ips_blocks 3
pass "blocks: the client reset; the server reset only with \`reset', else access_denied and FIN"
for px in rawsrv rstsrv finsrv; do ctl_ok ssl-policy del "in-$px" profile p1; ctl_ok ssl-proxy del "$px"; done

# ---- precedence: a client policy on the same port ------------------------------------
assert_eq "$(in_c curl -sS --max-time 120 --cacert "$W/signca.crt" --resolve site.test:4443:10.9.0.4 \
	https://site.test:4443/)" "site.test says hello" "client inspection of another server"
log_has "inspection=client"
ctl_ok config set ssl-server off
served www.corp.test 10.9.0.2 443 -CAfile "$W/signca.crt" >/dev/null
in_c openssl s_client -connect 10.9.0.2:443 -servername www.corp.test </dev/null 2>/dev/null |
	grep -q "issuer=.*tlsi test signing CA" || fail "ssl-server off: the client policy did not take the flow"
ctl_ok config set ssl-server on
assert_eq "$(served www.corp.test 10.9.0.2 443)" "$(fp "$W/www.crt")" "ssl-server on again: the server policy wins"
pass "server policy wins over the client policy; ssl-server off hands the flow to it"

# ---- source exception, cleartext on the tuple ----------------------------------------
stats_snapshot
assert_eq "$(curl_corp www.corp.test 443 --interface 10.9.0.3 https://www.corp.test/)" "www says hello" \
	"never-decrypt source"
assert_delta ssl_server_diverted 0
assert_delta ssl_not_decrypted_source 1
stats_snapshot
got=$(in_c python3 -c '
import socket
s = socket.create_connection(("10.9.0.2", 443), timeout=120)
s.sendall(b"GET / HTTP/1.0\r\nHost: www.corp.test\r\n\r\n")
try:
    print(repr(s.recv(100)))
except ConnectionResetError:
    print("reset")
')
case "$got" in reset | "b''") ;; *) fail "cleartext on a server tuple reached the server: $got" ;; esac
assert_delta ssl_server_cleartext_dropped 1
log_has "result=blocked"
last_log | grep -q "^reason=not a TLS ClientHello" || fail "log: $(last_log | tr '\n' ' ')"
pass "source exception passes untouched; cleartext dropped ($got), counted, logged"

# ---- cert replace reaches new sessions -------------------------------------------------
ctl_ok cert replace www cert "$W/www2.crt" key "$W/www2.key"
_served_new() { [ "$(served www.corp.test 10.9.0.2 443)" = "$(fp "$W/www2.crt")" ]; }
wait_until $T_REACT _served_new || fail "cert replace: still $(served www.corp.test 10.9.0.2 443)"
alive "$TLSID_PID" || fail "tlsid died"
pass "cert replace served to new sessions without a restart"

# ---- bad input ---------------------------------------------------------------------------
before=$(tlsictl ssl-proxy show; tlsictl ssl-policy show)
ctl_ok cert import-ca caonly file "$W/signca.crt"
ctl_ok cert import sign46 cert "$W/signca.crt" key "$W/signca.key" signing
ctl_fail 2 "RSA or ECDSA suites, not both" ssl-proxy add bad role server destination 10.9.0.2 \
	ports 9443 certs www client-ciphers default
ctl_fail 1 "not a certificate with its key" ssl-proxy add bad role server destination 10.9.0.2 \
	ports 9443 certs caonly
ctl_fail 1 "a signing certificate" ssl-proxy add bad role server destination 10.9.0.2 ports 9443 certs sign46
ctl_fail 1 "no such" ssl-proxy add bad role server destination 10.9.0.2 ports 9443 certs nosuchcert
seq -f 'c%04g' 1 1001 >"$W/1001.txt"
ctl_fail 2 "more than 1000 certificates" ssl-proxy add bad role server destination 10.9.0.2 ports 9443 \
	certs-file "$W/1001.txt"
ctl_fail 2 "missing .certs" ssl-proxy add bad role server destination 10.9.0.2 ports 9443
ctl_fail 2 "settings of server proxies" ssl-proxy add bad ports 9443 destination 10.9.0.2
ctl_fail 2 "settings of server proxies" ssl-proxy add bad ports 9443 verify-server
ctl_fail 1 "already exists" ssl-policy add outbound profile p1 proxy srvec
ctl_fail 1 "no SSL proxy" ssl-policy add other profile p1 proxy nope
ctl_fail 1 "used by SSL server proxy .srv" cert del api
NL="python3 $TLSI_REPO/tests/vm/tools/nlraw.py"
nl_fail() {
	local pat=$1 out
	shift
	out=$(ip netns exec "$NS_A" $NL "$@") && fail "accepted: $*"
	echo "$out" | grep -Eq -- "$pat" || fail "nlraw $*: '$out' does not match '$pat'"
	pass "kernel refused: $out"
}
LONG=$(printf 'n%.0s' $(seq 60))
nl_fail "more than 1000" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:bb01bb01 \
	TLSI_A_SSL_ROLE:u8:1 "TLSI_A_DESTINATIONS:cidrs:2,10.9.0.2,32" "TLSI_A_CERT_NAMES:names:1001,c"
nl_fail "needs destinations and certificates" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad \
	TLSI_A_PORTS:hex:bb01bb01 TLSI_A_SSL_ROLE:u8:1 "TLSI_A_CERT_NAMES:names:1,c"
nl_fail "server proxy" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:bb01bb01 \
	"TLSI_A_CERT_NAMES:names:1,c"
DESTS65=$(for i in $(seq 65); do printf '2,10.9.%d.0,24;' "$i"; done)
nl_fail "more than 64 destinations" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:bb01bb01 \
	TLSI_A_SSL_ROLE:u8:1 "TLSI_A_DESTINATIONS:cidrs:${DESTS65%;}" "TLSI_A_CERT_NAMES:names:1,c"
nl_fail "destinations must be nested" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad \
	TLSI_A_PORTS:hex:bb01bb01 TLSI_A_SSL_ROLE:u8:1 TLSI_A_DESTINATIONS:nest:0800010001020304 \
	"TLSI_A_CERT_NAMES:names:1,c"
nl_fail "no signing certificate" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:bb01bb01 \
	TLSI_A_SSL_ROLE:u8:1 "TLSI_A_DESTINATIONS:cidrs:2,10.9.0.2,32" "TLSI_A_CERT_NAMES:names:1,c" \
	TLSI_A_CERT:str:www
nl_fail "range|SERVICE" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:bb01bb01 \
	TLSI_A_SERVICE:u8:6
nl_fail "end with a NUL" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:bb01bb01 \
	TLSI_A_SSL_ROLE:u8:1 "TLSI_A_DESTINATIONS:cidrs:2,10.9.0.2,32" TLSI_A_CERT_NAMES:hex:6162
after=$(tlsictl ssl-proxy show; tlsictl ssl-policy show)
assert_eq "$after" "$before" "nothing changed by the refusals"
# 1000 names of 64 characters: more than one dump message.
ip netns exec "$NS_A" $NL TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:many TLSI_A_PORTS:hex:bb01bb01 \
	TLSI_A_SSL_ROLE:u8:1 "TLSI_A_DESTINATIONS:cidrs:2,10.9.9.0,24" \
	"TLSI_A_CERT_NAMES:names:1000,$LONG" | grep -qx ok || fail "1000 names refused"
n=$(tlsictl -j ssl-proxy show | python3 -c '
import json, sys
print([len(p["certs"].split(",")) for p in json.load(sys.stdin) if p["name"] == "many"][0])')
assert_eq "$n" 1000 "1000 certificate names through the dump"
ctl_ok ssl-proxy del many
pass "bad input refused, nothing changed"

alive "$TLSID_PID" || fail "tlsid died"
echo "46-ssl-server-inspection: all passed"
