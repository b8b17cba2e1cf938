#!/bin/bash
# How intercepted sessions end, as a TLS client sees it. Only an end that a
# peer sent reaches the other side as a clean close_notify; every end that
# the appliance causes is a fatal alert or a reset, so that no client takes a
# cut session for a complete one:
#   - the server's close_notify: passed on (clean)
#   - the kernel relay's idle timeout: reset
#   - an IPS block: fatal alert access_denied (kernel relay)
#   - tlsid stopping (SIGTERM) or killed (SIGKILL) while it relays a CBC
#     session itself: reset
#   - a kernel-relayed session survives tlsid's death; rmmod ends it: reset
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#                                              tls_end.py :443 (GCM), :8443 (CBC)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

[ -e /dev/tlsi ] || fail "no /dev/tlsi: the module has no kernel relay"
W=/tmp/relay-end.$$
mkdir -p "$W"
on_exit "rm -rf $W"
# tls_end.py --cbc speaks AES128-SHA: not in the proxies' default.
CBC=default,kx:ecdhe/rsa+enc:aes128-cbc/aes256-cbc
tlsid_setup "$W" 443,8443 client-ciphers $CBC server-ciphers $CBC
spawn s python3 "$TOOLS/tls_end.py" server 443 "$W/site.crt" "$W/site.key"
spawn s python3 "$TOOLS/tls_end.py" server 8443 "$W/site.crt" "$W/site.key" --cbc
wait_port s 443
wait_port s 8443

# end_c PORT ARGS: tls_end.py's client through the appliance.
end_c() {
	in_c python3 "$TOOLS/tls_end.py" client 10.9.0.2 "$1" site.test "${@:2}"
}
# The idle timeout is short so that the test does not wait for it long.
start_tlsid --idle-timeout 5

# ---- a clean end is passed on as one -------------------------------------
stats_snapshot
assert_eq "$(end_c 443 "close 5000")" "bytes=5000 end=close_notify" "server's close_notify"
assert_delta relay_ktls_sessions 1
[ "$(delta relay_close_notify)" -ge 1 ] || fail "relay_close_notify did not count"

# ---- idle timeout of the kernel relay: a reset, never close_notify -------
stats_snapshot
t0=$SECONDS
out=$(end_c 443 "hold 1000" --timeout 120); in_a grep -E "relay_|ssl_(decrypted|relay)" /proc/net/tlsi/stats >&2; tail -5 "$W/tlsid.log" >&2
assert_eq "$out" "bytes=1000 end=reset" "idle timeout"
[ "$(delta relay_idle_timeout)" -ge 1 ] || fail "relay_idle_timeout did not count"
pass "idle session reset after $((SECONDS - t0)) s"

# ---- an IPS block: a fatal access_denied alert ----------------------------
cat >"$W/block.rules" <<'EOF'
drop tcp any any -> any any (msg:"tlsi test: blocked word"; flow:to_server,established; content:"TLSI-BLOCK-ME"; sid:9100001; rev:1;)
EOF
ctl_ok rules load "$W/block.rules"
stats_snapshot
out=$(end_c 443 echo --send TLSI-BLOCK-ME)
case "$out" in
"bytes=0 end=alert detail="*ACCESS_DENIED*) pass "IPS block: $out" ;;
*) fail "IPS block: got '$out', expected a fatal access_denied alert" ;;
esac
assert_delta relay_inspection_blocked 1
[ "$(delta relay_fatal_alert_sent)" -ge 1 ] || fail "relay_fatal_alert_sent did not count"
# A benign session still works end to end.
assert_eq "$(end_c 443 "close 100")" "bytes=100 end=close_notify" "benign session after a block"

# ---- tlsid stopping while it relays a CBC session itself: reset ----------
# (and it relays it: ssl_relay_userspace counts it)
stats_snapshot
rm -f "$W/ready"
end_c 8443 "hold 1000" --after-bytes 1000 --ready "$W/ready" --timeout 120 >"$W/cbc-term.out" &
cli=$!
wait_until $T_REACT test -e "$W/ready" || fail "the CBC session did not start: $(cat "$W/tlsid.log")"
kill -TERM "$TLSID_PID"
wait "$cli" || true
assert_eq "$(cat "$W/cbc-term.out")" "bytes=1000 end=reset" "CBC session when tlsid stops"
wait_until $T_REACT tlsid_gone || fail "tlsid did not stop"

# ---- tlsid killed while it relays a CBC session: reset (SO_LINGER 0) -----
start_tlsid
rm -f "$W/ready"
end_c 8443 "hold 1000" --after-bytes 1000 --ready "$W/ready" --timeout 120 >"$W/cbc-kill.out" &
cli=$!
wait_until $T_REACT test -e "$W/ready" || fail "the CBC session did not start: $(cat "$W/tlsid.log")"
# A kernel-relayed session too: it must outlive tlsid.
rm -f "$W/ready2"
end_c 443 "hold 2000" --after-bytes 2000 --ready "$W/ready2" --timeout 300 >"$W/ktls.out" &
cli2=$!
wait_until $T_REACT test -e "$W/ready2" || fail "the kTLS session did not start"
[ "$(relay_active)" -ge 1 ] || fail "the kTLS session is not in the kernel relay"
kill -KILL "$TLSID_PID"
wait "$cli" || true
assert_eq "$(cat "$W/cbc-kill.out")" "bytes=1000 end=reset" "CBC session when tlsid is killed"
wait_until $T_REACT tlsid_gone || fail "tlsid did not die"

# ---- the kernel relay without tlsid: the session goes on; rmmod resets it
kill -0 "$cli2" 2>/dev/null || fail "the kernel-relayed session ended with tlsid: $(cat "$W/ktls.out")"
[ "$(relay_active)" -ge 1 ] || fail "the kernel relay lost its session when tlsid died"
pass "kernel-relayed session outlives tlsid"
rmmod "$TLSI_MODULE_NAME" || fail "rmmod with a live relayed session failed"
wait "$cli2" || true
assert_eq "$(cat "$W/ktls.out")" "bytes=2000 end=reset" "kernel-relayed session at rmmod"
insmod "$TLSI_MODULE"
