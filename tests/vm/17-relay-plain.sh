#!/bin/bash
# The kernel relay driven through /dev/tlsi without tlsid: a proxy in the
# appliance namespace (tools/handoff.py) accepts each connection, connects
# to the server, and hands both plain TCP sockets to the module, which then
# relays them. Checks bulk transfers both ways byte for byte, FIN and reset
# propagation, the idle timeout, 200 parallel sessions, hostile requests,
# the counters, and rmmod with sessions alive.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254 :7000 proxy] eth1 -- server 10.9.0.2:9000
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

TOOLS=$TLSI_REPO/tests/vm/tools
tlsi_basic
add_addr a br0 10.9.0.254/24
spawn s python3 "$TOOLS/blob.py" server 9000
wait_port s 9000
OUT=/tmp/relay-proxy.$$
on_exit "rm -f $OUT $OUT.idle $OUT.ssl"
spawn a python3 "$TOOLS/handoff.py" proxy 7000 10.9.0.2 9000 >"$OUT"
spawn a python3 "$TOOLS/handoff.py" proxy 7001 10.9.0.2 9000 3 >"$OUT.idle"
wait_port a 7000
wait_port a 7001
blob() { in_c python3 "$TOOLS/blob.py" "$@"; }
live_at_least_none() { ! live_at_least 1; }
# live_at_least N: N relayed sessions have not ended.
live_at_least() { [ $(($(counter relay_plain_sessions) - $(counter relay_ended))) -ge "$1" ]; }

stats_snapshot
# ---- bulk, both ways (50 MB) ----
N=$((50 * 1024 * 1024))
want=$(python3 "$TOOLS/blob.py" sha $N)
t0=$(date +%s)
assert_eq "$want" "$(blob get 10.9.0.254 7000 $N)" "50 MB download through the relay"
assert_eq same "$(blob put 10.9.0.254 7000 $N)" "50 MB upload through the relay"
echo "info: 100 MB relayed in $(($(date +%s) - t0)) s"
grep -q 'handoff ok' "$OUT" || fail "the proxy did not hand off: $(cat "$OUT")"
assert_delta relay_plain_sessions 2
[ "$(delta relay_bytes_server_to_client)" -ge $N ] || fail "relay_bytes_server_to_client < $N"
[ "$(delta relay_bytes_client_to_server)" -ge $N ] || fail "relay_bytes_client_to_server < $N"
[ "$(delta inspect_bytes_server_to_client)" -ge $N ] || fail "the inspection hook did not see the download"
[ "$(delta relay_fin)" -ge 2 ] || fail "FINs were not counted"
pass "bulk transfers byte-identical, counted"

# ---- endings ----
assert_eq reset "$(blob rst 10.9.0.254 7000)" "a server reset reaches the client"
[ "$(delta relay_reset_propagated)" -ge 1 ] || fail "reset not counted"
assert_eq reset "$(blob hold 10.9.0.254 7001 30)" "an idle session is reset after its timeout (never a clean end)"
[ "$(delta relay_idle_timeout)" -ge 1 ] || fail "idle timeout not counted"
pass "reset propagation and idle timeout"

# ---- 200 parallel sessions ----
assert_eq "ok 200" "$(blob many 10.9.0.254 7000 200 100000)" "200 parallel relayed sessions"
wait_until $T_REACT live_at_least_none ||
	fail "sessions did not all end: $(counter relay_ended) of $(counter relay_plain_sessions)"
pass "200 parallel sessions, all ended"

# ---- hostile requests ----
in_a python3 "$TOOLS/handoff.py" bad 7100 10.9.0.2 9000 >"$OUT.bad"
cat "$OUT.bad"
expect_line() { grep -qx "$1" "$OUT.bad" || fail "expected '$1' from handoff.py bad"; }
expect_line "bad-client-fd EBADF"
expect_line "bad-server-fd EBADF"
expect_line "same-fd EINVAL"
expect_line "unknown-flag EINVAL"
expect_line "hello-len-without-address EINVAL"
expect_line "hello-address-without-len EINVAL"
expect_line "hello-too-long EINVAL"
expect_line "report-reserved EINVAL"
for c in certs-len-without-address certs-address-without-len certs-too-long \
	certs-short-record certs-overlong-record certs-empty-record certs-bad-type \
	certs-record-reserved certs-two-subjects certs-subject-too-long certs-chain-too-long; do
	expect_line "$c EINVAL"
done
expect_line "certs-bad-address EFAULT"
expect_line "info-not-a-socket ENOTSOCK"
expect_line "info-bad-fd EBADF"
expect_line "info-udp ENOTSOCK"
expect_line "info-not-diverted ok 0 4294967295"
expect_line "bad-result EINVAL"
expect_line "bad-reason EINVAL"
expect_line "idle-too-long EINVAL"
expect_line "sni-unterminated EINVAL"
expect_line "not-ktls ENOTSUP"
expect_line "listener ENOTCONN"
expect_line "not-a-socket ENOTSOCK"
expect_line "udp ENOTSOCK"
expect_line "good ok"
expect_line "twice EBUSY"
expect_line "unknown-ioctl ENOTTY"
assert_eq EINVAL "$(in_a python3 "$TOOLS/handoff.py" report 9 0 0 0 0 0 0)" "report: bad result"
assert_eq EINVAL "$(in_a python3 "$TOOLS/handoff.py" report 0 0 1 0 0 0 0)" "report: relay kernel"
assert_eq EINVAL "$(in_a python3 "$TOOLS/handoff.py" report 0 0 0 0 0 0 0 5)" "report: reserved"
assert_eq ok "$(in_a python3 "$TOOLS/handoff.py" report 3 6 0 0x0303 0 0x0303 0xc02f)" "report: server handshake failure"
[ "$(delta ssl_fail_server_handshake)" -eq 1 ] || fail "report not counted"
tlsictl stats ssl >"$OUT.ssl"
grep -Eq '^  server_handshake +[1-9]' "$OUT.ssl" || fail "stats ssl: no failure group: $(cat "$OUT.ssl")"
in_a "$TLSICTL" -j stats ssl | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["failures"]["server_handshake"] >= 1, d["failures"]
assert d["server"]["tls1_2"] >= 1 and d["server"]["aes128_gcm"] >= 1, d["server"]
assert d["relay"]["plain_sessions"] >= 200 and "active" in d["relay"], d["relay"]
assert d["handoff_refused"]["bad_request"] >= 21, d["handoff_refused"]
' || fail "tlsictl -j stats ssl"
pass "tlsictl stats ssl groups the counters"
[ "$(delta handoff_refused_bad_request)" -ge 21 ] || fail "refusals not counted"
# Without CAP_NET_ADMIN (the node is 0600; opened up for this check only).
chmod 666 /dev/tlsi
assert_eq EPERM "$(in_a setpriv --reuid=65534 --regid=65534 --clear-groups \
	python3 "$TOOLS/handoff.py" report 0 0 0 0 0 0 0)" "report without CAP_NET_ADMIN"
chmod 600 /dev/tlsi
pass "hostile hand-offs refused with the right error, counted"

# ---- rmmod with live sessions ----
for i in 1 2 3; do
	spawn c python3 "$TOOLS/blob.py" hold 10.9.0.254 7000 60 >"$OUT.hold$i"
done
on_exit "rm -f $OUT.hold* $OUT.bad"
spawn c python3 "$TOOLS/blob.py" get 10.9.0.254 7000 $((500 * 1024 * 1024)) >"$OUT.big"
wait_until $T_REACT live_at_least 4 ||
	fail "live sessions did not start"
# The proxies hold /dev/tlsi open, which pins the module: stop them first.
pkill -f "handoff.py proxy" || true
_proxies_gone() { ! pgrep -f "handoff.py proxy" >/dev/null; }
wait_until $T_REACT _proxies_gone || fail "the hand-off proxies did not exit"
rmmod "$TLSI_MODULE_NAME" || fail "rmmod with live relayed sessions failed"
for i in 1 2 3; do
	wait_until $T_REACT test -s "$OUT.hold$i" || fail "session $i did not end at rmmod"
	assert_eq reset "$(cat "$OUT.hold$i")" "live session $i reset at rmmod"
done
pass "rmmod with live relayed sessions"
insmod "$TLSI_MODULE"
