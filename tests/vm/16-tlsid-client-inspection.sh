#!/bin/bash
# SSL client inspection end to end with the real daemon: tlsi.ko diverts new
# TLS connections to tlsid, which connects to the server as the client,
# validates its chain against a test CA, and serves the client a leaf forged
# for the server by the signing CA (or by its untrusted CA when the chain is
# invalid), then relays the decrypted stream.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#                                                                  :443  site.test (RSA), other.test (ECDSA)
#                                                                  :8443 bad.test (unknown CA)
#                                                                  :9443 nothing
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

TLSID=$TLSI_REPO/userspace/tlsid/tlsid
[ -x "$TLSID" ] || fail "no $TLSID: make userspace first"
W=/tmp/tlsid-test.$$
mkdir -p "$W"
on_exit "rm -rf $W"

# ---- certificates (openssl CLI; mkca and mkleaf are in tlsi.sh) ----
CERTS=$W
mkca testca "tlsi test CA"
mkca unknownca "Unknown CA"
mkca signca "tlsi test signing CA"
mkleaf site site.test testca rsa:2048
mkleaf other other.test testca "ec -pkeyopt ec_paramgen_curve:P-256"
mkleaf bad bad.test unknownca "ec -pkeyopt ec_paramgen_curve:P-256"
head -c 5M /dev/urandom >"$W/big.bin"
BIG_SHA=$(sha256sum <"$W/big.bin" | cut -d' ' -f1)

# ---- HTTPS server (tools/https_server.py): virtual hosts by SNI ----

tlsi_basic
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0
spawn s python3 "$TLSI_REPO/tests/vm/tools/https_server.py" 443 "$W/big.bin" "site.test=$W/site.crt,$W/site.key" \
	"other.test=$W/other.crt,$W/other.key"
spawn s python3 "$TLSI_REPO/tests/vm/tools/https_server.py" 8443 "$W/big.bin" "bad.test=$W/bad.crt,$W/bad.key"
wait_port s 443
wait_port s 8443

ctl_ok ssl-proxy add web ports 443,8443,9443
ctl_ok ssl-policy add outbound profile p1 proxy web
ctl_ok config set ssl-client on

# curl_c ARGS: curl in the client namespace, the test names resolved.
curl_c() {
	in_c curl -sS --max-time 20 --resolve site.test:443:10.9.0.2 \
		--resolve other.test:443:10.9.0.2 --resolve bad.test:8443:10.9.0.2 \
		--resolve site.test:9443:10.9.0.2 "$@"
}
# leaf HOST PORT: the certificate the client is shown, PEM.
leaf() {
	in_c timeout 10 openssl s_client -connect "10.9.0.2:$2" -servername "$1" </dev/null 2>/dev/null |
		sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
}
# last_log: the inspection log's last session, as "key=value" lines.
last_log() {
	python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = [x for x in s if x["type"] == "session"][-1]
for k, v in s.items():
    if isinstance(v, dict):
        for k2, v2 in v.items():
            print("%s.%s=%s" % (k, k2, v2))
    else:
        print("%s=%s" % (k, v))
' "$W/inspect.log"
}
log_has() { last_log | grep -qxF -- "$1" || fail "inspection log: no '$1' in: $(last_log | tr '\n' ' ')"; }

# Without the daemon (divert-port 0): the real certificate.
assert_eq "$(curl_c --cacert "$W/testca.crt" https://site.test/)" "site.test says hello" "before tlsid"

# start_tlsid ARGS: in the appliance; waits until the kernel diverts to it.
start_tlsid() {
	spawn a "$TLSID" --foreground --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
		--trust "$W/testca.crt" --log "$W/inspect.log" "$@" >>"$W/tlsid.log" 2>&1
	TLSID_PID=$!
	wait_until 60 _diverting 15443 || fail "tlsid did not start: $(cat "$W/tlsid.log")"
	wait_port a 15443
}
_diverting() { tlsictl config show | grep -q "divert-port $1 "; }
# _stopped: tlsid exited (a zombie until reaped: it is our child).
_stopped() { ! grep -qv '^[0-9]* ([^)]*) Z' "/proc/$TLSID_PID/stat" 2>/dev/null; }

start_tlsid
tlsictl config show | grep -q "divert-mark 1957" || fail "divert-mark: $(tlsictl config show)"
in_a ip rule | grep -q "fwmark 0x7a5 lookup 233" || fail "ip rule: $(in_a ip rule)"
in_a ip route show table 233 | grep -q "^local default dev lo" || fail "table 233: $(in_a ip route show table 233)"

# ---- decrypted, with a leaf from the signing CA -------------------------
stats_snapshot
assert_eq "$(curl_c --cacert "$W/signca.crt" https://site.test/)" "site.test says hello" "inspected site.test"
assert_delta ssl_diverted 1
log_has "result=decrypted"
log_has "sni=site.test"
log_has "alpn=http/1.1"
log_has "chain_valid=True"
log_has "issuer=CN=tlsi test signing CA"
log_has "server_issuer=CN=tlsi test CA"
last_log | grep -qE '^client=10\.9\.0\.1:[0-9]+$' || fail "client address: $(last_log | tr '\n' ' ')"
log_has "server=10.9.0.2:443"

leaf site.test 443 >"$W/seen.pem"
info=$(openssl x509 -in "$W/seen.pem" -noout -subject -issuer -ext subjectAltName -text)
echo "$info" | grep -q "subject=CN = site.test" || fail "forged subject: $info"
echo "$info" | grep -q "issuer=CN = tlsi test signing CA" || fail "forged issuer: $info"
echo "$info" | grep -q "DNS:site.test" || fail "forged SAN: $info"
echo "$info" | grep -q "rsaEncryption" || fail "RSA server, RSA leaf: $info"
echo "$info" | grep -q "sha256WithRSAEncryption\|ecdsa-with-SHA256" || fail "SHA-256: $info"
# notAfter: the server's (20 days is below the 397-day cap).
assert_eq "$(openssl x509 -in "$W/seen.pem" -noout -enddate)" \
	"$(openssl x509 -in "$W/site.crt" -noout -enddate)" "forged notAfter"
pass "site.test: leaf for site.test from the signing CA"

# The second virtual host (ECDSA key): its own name and an ECDSA leaf.
assert_eq "$(curl_c --cacert "$W/signca.crt" https://other.test/)" "other.test says hello" "inspected other.test"
leaf other.test 443 | openssl x509 -noout -subject -text >"$W/other.txt"
grep -q "subject=CN = other.test" "$W/other.txt" || fail "other.test subject: $(cat "$W/other.txt")"
grep -q "id-ecPublicKey" "$W/other.txt" || fail "ECDSA server, ECDSA leaf: $(cat "$W/other.txt")"

# 5 MB, byte for byte.
got=$(curl_c --cacert "$W/signca.crt" https://site.test/big | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$BIG_SHA" "5 MB through tlsid"
[ "$(last_log | sed -n 's/^bytes_server_to_client=//p')" -gt $((5 * 1024 * 1024)) ] ||
	fail "bytes counted: $(last_log | tr '\n' ' ')"

# TLS 1.2 and 1.3, on both sides.
assert_eq "$(curl_c --tls-max 1.2 --cacert "$W/signca.crt" https://site.test/)" "site.test says hello" "TLS 1.2"
log_has "client_tls.version=TLSv1.2"
log_has "server_tls.version=TLSv1.2"
assert_eq "$(curl_c --tlsv1.3 --cacert "$W/signca.crt" https://site.test/)" "site.test says hello" "TLS 1.3"
log_has "client_tls.version=TLSv1.3"
log_has "server_tls.version=TLSv1.3"

# ---- a server the trust store does not know: the untrusted CA ------------
rc=0
out=$(curl_c --cacert "$W/signca.crt" https://bad.test:8443/ 2>&1) || rc=$?
assert_eq "$rc" 60 "unknown CA without -k (curl: $(echo "$out" | head -n 1))"
log_has "chain_valid=False"
assert_eq "$(curl_c -k https://bad.test:8443/)" "bad.test says hello" "unknown CA with -k"
log_has "result=decrypted"
last_log | grep -q "^issuer=CN=tlsi untrusted CA," || fail "issuer: $(last_log | tr '\n' ' ')"
leaf bad.test 8443 | openssl x509 -noout -issuer -subject >"$W/bad.txt"
grep -q "CN = tlsi untrusted CA" "$W/bad.txt" || fail "bad.test issuer: $(cat "$W/bad.txt")"
grep -q "subject=CN = bad.test" "$W/bad.txt" || fail "bad.test subject: $(cat "$W/bad.txt")"

# ---- cleartext on a TLS port: dropped -----------------------------------
got=$(in_c python3 -c '
import socket
s = socket.create_connection(("10.9.0.2", 443), timeout=5)
s.sendall(b"GET / HTTP/1.0\r\nHost: site.test\r\n\r\n")
try:
    print("data" if s.recv(100) else "closed")
except ConnectionResetError:
    print("reset")
except socket.timeout:
    print("timeout")
')
assert_eq "$got" "reset" "cleartext client"
log_has "result=blocked"
log_has "reason=not a TLS ClientHello: not a TLS handshake record"

# ---- nothing listens upstream: the client is reset ----------------------
rc=0
out=$(curl_c --cacert "$W/signca.crt" https://site.test:9443/ 2>&1) || rc=$?
echo "$out" | grep -q "Connection reset by peer" || fail "upstream refused: rc $rc: $out"
log_has "reason=upstream unreachable: Connection refused"
pass "nothing on 9443: the client was reset"

# Counters on SIGUSR1, into the inspection log.
kill -USR1 "$TLSID_PID"
wait_until 5 grep -q '"type":"stats"' "$W/inspect.log" || fail "no stats after SIGUSR1"
python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"stats\"" in l][-1]
assert s["not_tls_dropped"] == 1, s
# site, other (curl and s_client each), big, TLS 1.2, TLS 1.3, bad -k, bad s_client
assert s["decrypted"] == 9 and s["chain_invalid"] == 3 and s["client_handshake_failed"] == 1, s
# RSA site.test, ECDSA other.test, bad.test by the untrusted CA; the rest cached
assert s["forged"] == 3 and s["forge_cache_hits"] == 7, s
assert s["upstream_unreachable"] == 1 and s["internal_errors"] == 0, s
' "$W/inspect.log" || fail "stats: $(grep '"stats"' "$W/inspect.log" | tail -1)"
pass "counters on SIGUSR1"

# ---- stopping tlsid: fail open --------------------------------------------
kill -TERM "$TLSID_PID"
wait_until 15 _stopped || fail "tlsid did not stop on SIGTERM"
wait "$TLSID_PID" || fail "tlsid exited with $? on SIGTERM: $(tail -5 "$W/tlsid.log")"
tlsictl config show | grep -q "divert-port 0 " || fail "divert-port after exit: $(tlsictl config show)"
! in_a ip rule | grep -q "fwmark 0x7a5" || fail "ip rule left behind: $(in_a ip rule)"
[ -z "$(in_a ip route show table 233)" ] || fail "table 233 left behind"
stats_snapshot
assert_eq "$(curl_c --cacert "$W/testca.crt" https://site.test/)" "site.test says hello" "after SIGTERM: the real certificate"
assert_delta ssl_diverted 0

# Again with --block-invalid: an invalid chain is refused with an alert.
start_tlsid --block-invalid
rc=0
out=$(curl_c -k https://bad.test:8443/ 2>&1) || rc=$?
if [ "$rc" = 0 ] || ! echo "$out" | grep -q "alert access denied"; then
	fail "block-invalid: rc $rc: $out"
fi
pass "block-invalid: $(echo "$out" | head -n 1)"
log_has "result=blocked"
assert_eq "$(curl_c --cacert "$W/signca.crt" https://site.test/)" "site.test says hello" "valid chain still passes"

# A daemon that dies: divert-port stays, nobody listens, traffic passes.
# (bash reports a killed child when reaping it: not news here)
{ kill -KILL "$TLSID_PID"; wait_until 10 _stopped && wait "$TLSID_PID"; } 2>/dev/null || true
_stopped || fail "tlsid survived SIGKILL"
stats_snapshot
assert_eq "$(curl_c --cacert "$W/testca.crt" https://site.test/)" "site.test says hello" "daemon gone: uninspected"
[ "$(delta ssl_no_daemon_bypassed)" -ge 1 ] || fail "ssl_no_daemon_bypassed did not count"
assert_delta ssl_diverted 0
