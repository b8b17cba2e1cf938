#!/bin/bash
# Failure actions per SSL proxy, with real openssl clients and servers:
#   proxy "web" (client-cert, unsupported, pinned, timeout: bypass) and
#   proxy "strict" (all block, the default):
#   - `openssl s_server -Verify 1' (client certificate required), TLS 1.2
#     and TLS 1.3: through web, `openssl s_client -cert' completes its
#     mutual TLS with the real server (Bypassed, the reason named); through
#     strict it is refused, the log naming the client certificate;
#   - a server that speaks only TLS 1.0: bypassed through web;
#   - a server that answers its handshake late: bypassed after tlsid's
#     handshake timeout, the client reaches it;
#   - a pinned client (`s_client -verify_return_error' trusting only the
#     real CA): its first session fails, the name enters the
#     pinned-application cache (`tlsictl pinned-cache show'), the second
#     passes through and verifies ("Decrypted but not inspected"); clear,
#     add by hand; through strict no name is cached;
#   - the kernel's and tlsid's counters.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

W=/tmp/decrypt-failures.$$
mkdir -p "$W"
chmod 755 "$W"
on_exit "rm -rf $W"
export TLSI_PINNED_CACHE=$W/pinned-cache

tlsid_setup "$W" 443,4431-4434 client-cert bypass unsupported bypass pinned bypass \
	timeout bypass
mkleaf client client.test testca "ec -pkeyopt ec_paramgen_curve:P-256"
ctl_ok ssl-proxy add strict ports 5443-5444 logging
ctl_ok ssl-policy add strictpol profile p1 proxy strict
tlsictl ssl-proxy show | grep -q "^web .*client-cert bypass unsupported bypass pinned bypass timeout bypass" ||
	fail "ssl-proxy show: $(tlsictl ssl-proxy show)"
tlsictl ssl-proxy show | grep -q "^strict .*client-cert block unsupported block pinned block timeout block" ||
	fail "ssl-proxy show: $(tlsictl ssl-proxy show)"
ctl_fail 2 "timeout .sometimes.: must be block or bypass" ssl-proxy add x ports 7000 timeout sometimes

# Servers: HTTPS site.test on 443 and 5443; mutual TLS 1.2 (4431) and 1.3
# (4432, 5444); TLS 1.0 only (4433); a late handshake (4434).
for p in 443 5443; do
	spawn s python3 "$TOOLS/https_server.py" $p "$W/www/m.bin" "site.test=$W/site.crt,$W/site.key"
done
mtls() {
	spawn s openssl s_server -quiet -accept "$1" -cert "$W/site.crt" -key "$W/site.key" \
		-CAfile "$W/testca.crt" -Verify 1 "${@:2}" -www
}
mtls 4431 -tls1_2
mtls 4432 -tls1_3
mtls 5444 -tls1_3
spawn s openssl s_server -quiet -accept 4433 -cert "$W/site.crt" -key "$W/site.key" \
	-tls1 -cipher 'DEFAULT:@SECLEVEL=0' -www
spawn s python3 -c '
import socket, ssl, sys, threading, time
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
c.load_cert_chain(sys.argv[1], sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 4434))
s.listen(16)
def serve(conn):
    try:
        time.sleep(8)
        t = c.wrap_socket(conn, server_side=True)
        t.recv(1024)
        t.sendall(b"HTTP/1.0 200 ok\r\n\r\nlate says hello\n")
        t.close()
    except (OSError, ssl.SSLError):
        conn.close()
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
' "$W/site.crt" "$W/site.key"
for p in 443 5443 4431 4432 4433 4434 5444; do
	wait_port s $p tcp 120
done
start_tlsid --pinned-cache "$TLSI_PINNED_CACHE" --handshake-timeout 5

# s_client_get PORT ARGS: a GET through the bridge; the whole transcript.
s_client_get() {
	printf 'GET / HTTP/1.0\r\n\r\n' | in_c timeout 120 openssl s_client -connect "10.9.0.2:$1" \
		-servername site.test -ign_eof "${@:2}" 2>&1 || true
}
has() {
	grep -q -- "$2" <<<"$1" ||
		fail "$3: no '$2' in: $(head -30 <<<"$1"); log: $(last_log | tr '\n' ' '); tlsid: $(tail -5 "$W/tlsid.log")"
}

# ---- client certificate required ----
stats_snapshot
for p in 4431 4432; do
	out=$(s_client_get $p -cert "$W/client.crt" -key "$W/client.key" -CAfile "$W/testca.crt" \
		-verify_return_error)
	has "$out" "Verify return code: 0 (ok)" "mutual TLS on $p: the real server certificate"
	has "$out" "HTTP/1.0 200 ok" "mutual TLS on $p: the server answered"
	has "$out" "Client certificate" "mutual TLS on $p: the server saw the client certificate"
	log_has "outcome=Bypassed"
	last_log | grep -q "^reason=bypassed: server requested a client certificate" ||
		fail "log: $(last_log | tr '\n' ' ')"
	pass "client certificate required on $p: bypassed end to end"
done
assert_delta ssl_fail_server_client_cert_requested 2
assert_delta ssl_not_decrypted 2
assert_eq 2 "$(tlsid_stat bypassed_client_cert)" "tlsid counted the bypasses"
out=$(s_client_get 5444 -cert "$W/client.crt" -key "$W/client.key" -CAfile "$W/testca.crt")
grep -q "HTTP/1.0 200 ok" <<<"$out" && fail "client-cert block: the request went through"
log_has "outcome=Blocked"
last_log | grep -q "^reason=server requested a client certificate (TLSv1.3; client-cert block)" ||
	fail "log: $(last_log | tr '\n' ' ')"
pass "client-cert block refuses the session before the client is answered, and says why"

# ---- a server tlsid cannot talk to ----
# The client offers TLS 1.0 to 1.3 (a TLS 1.0-only client is below the
# proxy's floor, refused before the server hears of it): the server's
# version is what tlsid cannot speak.
out=$(s_client_get 4433 -cipher 'DEFAULT:@SECLEVEL=0' -CAfile "$W/testca.crt")
has "$out" "HTTP/1.0 200 ok" "TLS 1.0 server"
has "$out" "Verify return code: 0 (ok)" "TLS 1.0 server: the real certificate"
log_has "outcome=Bypassed"
last_log | grep -q "^reason=bypassed: no version or cipher suite in common" ||
	fail "log: $(last_log | tr '\n' ' ')"
pass "unsupported server version bypassed"

# ---- a late server ----
out=$(s_client_get 4434 -CAfile "$W/testca.crt")
has "$out" "late says hello" "late server"
has "$out" "Verify return code: 0 (ok)" "late server: the real certificate"
log_has "outcome=Bypassed"
log_has "reason=bypassed: server handshake timed out after 5s"
pass "a server handshake timeout bypassed"

# ---- pinned client ----
pinned_client() {
	in_c timeout 120 openssl s_client -connect "10.9.0.2:$1" -servername site.test \
		-CAfile "$W/testca.crt" -verify_return_error </dev/null >"$W/pin.out" 2>&1
}
cached() { tlsictl pinned-cache show | grep -q "^site.test expires "; }
pinned_client 443 && fail "the pinned client accepted a forged certificate"
wait_until $T_REACT cached || fail "site.test not cached: $(tlsictl pinned-cache show)"
last_log | grep -q "^reason=client handshake failed: .*unknown ca.*pinned application" ||
	fail "log: $(last_log | tr '\n' ' ')"
pinned_client 443 || fail "second session of the pinned client: $(tail "$W/pin.out")"
grep -q "Verify return code: 0 (ok)" "$W/pin.out" || fail "$(tail "$W/pin.out")"
log_has "outcome=Decrypted but not inspected"
[ "$(delta ssl_not_decrypted_pinned)" = 1 ] || fail "ssl_not_decrypted_pinned"
pass "a pinned client fails once, then passes through"
ttl=$(tlsictl -j pinned-cache show | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ttl"])')
[ "$ttl" -gt 43000 ] && [ "$ttl" -le 43200 ] || fail "ttl $ttl, not 12 hours"
ctl_ok pinned-cache clear
_pin_fails() { ! pinned_client 443; }
wait_until $T_REACT _pin_fails || fail "still passing through after clear"
wait_until $T_REACT cached || fail "not cached again"
ctl_ok pinned-cache del site.test
ctl_ok pinned-cache add Site.Test ttl 600
_pin_passes() { pinned_client 443; }
wait_until $T_REACT _pin_passes || fail "an entry added by tlsictl was not honoured"
pass "tlsictl pinned-cache clear, del and add reach tlsid"
ctl_fail 2 "not a wildcard" pinned-cache add '*.site.test'
ctl_fail 2 "byte 0x5f" pinned-cache add 'a_b.test'
ctl_fail 1 "not in the pinned-application cache" pinned-cache del nosuch.test

ctl_ok pinned-cache clear
pinned_client 5443 && fail "strict: the pinned client accepted a forged certificate"
last_log | grep -q "pinned application? (pinned block)" || fail "log: $(last_log | tr '\n' ' ')"
pinned_client 5443 && fail "strict: the second session passed"
[ -z "$(tlsictl pinned-cache show)" ] || fail "pinned block cached a name"
pass "pinned block: no name cached, every session fails"
