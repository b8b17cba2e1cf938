#!/bin/bash
# Many kernel-relayed SSL sessions and their endings: 200 parallel
# inspected sessions; tlsid killed mid-transfer (the handed-off transfer
# completes, new connections pass uninspected); never-decrypt sources and a
# disabled policy see the real server; rmmod with live kTLS sessions.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#        :4440 openssl s_server, :9000 blob.py over TLS (site.test)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

[ -e /dev/tlsi ] || fail "no /dev/tlsi: the module has no kernel relay"
on_exit "rm -rf /tmp/ktls-sessions.$$"
tlsid_setup /tmp/ktls-sessions.$$ 4440,9000
s_server 4440
spawn s env BLOB_CERT="$W/site.crt" BLOB_KEY="$W/site.key" python3 "$TOOLS/blob.py" server 9000
wait_port s 9000
# 200 handshakes at once take the Python server and tlsid tens of seconds
# under TCG: more than the default 15 s handshake timeout.
start_tlsid --handshake-timeout 120

# ---- 200 parallel sessions ------------------------------------------------
stats_snapshot
assert_eq "$(blob_c many 10.9.0.2 9000 200 10000)" "ok 200" "200 parallel inspected sessions"
[ "$(delta relay_ktls_sessions)" -eq 200 ] || fail "200 sessions, $(delta relay_ktls_sessions) handed off"
_all_ended() { [ "$(relay_active)" -eq 0 ]; }
wait_until 30 _all_ended || fail "relayed sessions left: $(relay_active)"
pass "200 parallel sessions, all handed off and ended"

# ---- tlsid killed mid-transfer ---------------------------------------------
N=$((64 * 1024 * 1024))
spawn c env BLOB_CA="$W/signca.crt" BLOB_SNI=site.test python3 "$TOOLS/blob.py" get 10.9.0.2 9000 $N \
	>"$W/killed.out"
GET_PID=$!
_one_active() { [ "$(relay_active)" -ge 1 ]; }
wait_until 60 _one_active || fail "the download was not handed off"
kill -9 "$TLSID_PID"
wait "$GET_PID" || true
assert_eq "$(cat "$W/killed.out")" "$(python3 "$TOOLS/blob.py" sha $N)" \
	"a handed-off transfer completes after tlsid was killed"
# Without a listener new connections pass uninspected: the real certificate.
stats_snapshot
got=$(curl_site 4440 --cacert "$W/testca.crt" https://site.test:4440/m.bin | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$M_SHA" "after tlsid died: passed uninspected, the server's own certificate"
assert_delta ssl_no_daemon_bypassed 1
pass "tlsid killed: relayed sessions live on, new ones bypass"

# ---- never-decrypt source, disabled policy: the real server ----------------
start_tlsid
ctl_ok ssl-policy set outbound profile p1 never-decrypt 10.9.0.1
got=$(curl_site 4440 --cacert "$W/testca.crt" https://site.test:4440/m.bin | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$M_SHA" "never-decrypt source: the server's own certificate"
ctl_ok ssl-policy set outbound profile p1 never-decrypt none disabled
got=$(curl_site 4440 --cacert "$W/testca.crt" https://site.test:4440/m.bin | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$M_SHA" "disabled policy: the server's own certificate"
ctl_ok ssl-policy set outbound profile p1 enabled
got=$(curl_site 4440 --cacert "$W/signca.crt" https://site.test:4440/m.bin | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$M_SHA" "enabled again: inspected"
pass "exceptions pass untouched"

# ---- rmmod with live relayed sessions --------------------------------------
for i in 1 2 3; do
	spawn c env BLOB_CA="$W/signca.crt" BLOB_SNI=site.test python3 "$TOOLS/blob.py" hold 10.9.0.2 9000 120 \
		>"$W/hold$i"
done
_three_active() { [ "$(relay_active)" -ge 3 ]; }
wait_until 60 _three_active || fail "held sessions were not handed off: $(relay_active)"
# tlsid holds /dev/tlsi open, which pins the module; its sessions do not need it.
kill -TERM "$TLSID_PID"
wait_until 20 tlsid_gone || fail "tlsid did not exit on SIGTERM"
[ "$(relay_active)" -ge 3 ] || fail "sessions ended with tlsid: $(relay_active)"
rmmod "$TLSI_MODULE_NAME" || fail "rmmod with live relayed sessions"
for i in 1 2 3; do
	wait_until 10 test -s "$W/hold$i" || fail "held session $i did not end at rmmod"
	grep -qx open "$W/hold$i" && fail "held session $i still open after rmmod"
done
pass "rmmod with live kTLS sessions: they end, the kernel log stays clean"
insmod "$TLSI_MODULE"
