#!/bin/bash
# SSL client inspection, the kernel's part: new TCP connections to an SSL
# client policy's detection ports are diverted, by the module itself, to the
# handshake daemon's transparent listener (here tools/tproxy.py standing in
# for tlsid), which reaches the server from the client's own address. The
# guide's exceptions hold: disabled policies, never-decrypt sources, traffic
# a table trusts or bypasses, no daemon listening and the session limit all
# pass uninspected.
#
#   client 10.9.0.1, .3 -- eth0 [br0 10.9.0.254 + listener :15443] eth1 -- server 10.9.0.2
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
tcp_server 443
tcp_server 8443
add_addr c eth0 10.9.0.3/24
# The daemon's own packets leave through br0: it needs an address there.
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0

# line [--src A] PORT: the first line the client reads from 10.9.0.2:PORT.
line() {
	ip netns exec "$NS_C" python3 -c '
import socket, sys
src = sys.argv[2] if len(sys.argv) > 2 else "0.0.0.0"
try:
    s = socket.create_connection(("10.9.0.2", int(sys.argv[-1])), timeout=3,
                                 source_address=(src, 0))
    print(s.makefile().readline().strip())
except socket.timeout:
    print("timed out")
except OSError as e:
    print("error: %s" % e)
' "$@" || true
}

# The signing certificate a proxy names must be in the repository.
W=/tmp/ssl-divert.$$
mkdir -p "$W"
on_exit "rm -rf $W"
export TLSI_CERT_REPO=$W/repo
CERTS=$W
mkca corp-ca "corp CA"
ctl_ok cert import corp-ca cert "$W/corp-ca.crt" key "$W/corp-ca.key" signing
ctl_ok ssl-proxy add web ports 443,8000-8100 cert corp-ca block-expired logging
ctl_ok ssl-policy add outbound profile p1 proxy web never-decrypt 10.9.0.0/24 always-decrypt 10.9.0.1
ctl_ok config set ssl-client on divert-port 15443 divert-mark 42

# Policy and SSL enabled, but no daemon: allowed, uninspected, counted,
# logged (fail open, the default).
monitor_start /tmp/divert-events.$$
stats_snapshot
assert_eq "$(line 443)" "hello" "no daemon: direct"
[ "$(delta ssl_no_daemon_bypassed)" -ge 1 ] || fail "ssl_no_daemon_bypassed did not count"
# Fail closed: the profile says block; the client is reset at once.
ctl_ok profile set p1 ssl-no-daemon block
tlsictl profile show | grep -q "^p1 .* ssl-no-daemon block " || fail "profile show: $(tlsictl profile show)"
stats_snapshot
assert_eq "$(line 443)" "error: [Errno 111] Connection refused" "no daemon, ssl-no-daemon block"
assert_delta ssl_no_daemon_blocked 1
assert_delta ssl_no_daemon_bypassed 0
[ "$(delta tcp_resets_sent)" -ge 1 ] || fail "no reset sent for the blocked SSL flow"
# A daemon that stopped cleanly leaves no divert port: the same.
ctl_ok config set divert-port 0
assert_eq "$(line 443)" "error: [Errno 111] Connection refused" "no divert port, ssl-no-daemon block"
ctl_ok config set divert-port 15443
# Traffic that no policy intercepts is not affected.
assert_eq "$(line 8443)" "hello" "port 8443 with ssl-no-daemon block"
dmesg | grep -q "SSL inspection daemon not listening; profile p1: block" ||
	fail "no system log line for the blocked SSL flow"
wait_until $T_REACT grep -q '"table":"ssl".*no SSL inspection daemon' /tmp/divert-events.$$ ||
	fail "no event for the blocked SSL flow: $(cat /tmp/divert-events.$$)"
ctl_fail 2 "ssl-no-daemon: .maybe. is neither" profile set p1 ssl-no-daemon maybe
ctl_ok profile set p1 ssl-no-daemon bypass
assert_eq "$(line 443)" "hello" "no daemon, ssl-no-daemon bypass again"

spawn a python3 "$TLSI_REPO/tests/vm/tools/tproxy.py" 15443 42
wait_port a 15443

stats_snapshot
assert_eq "$(line 443)" "[tlsi] hello" "intercepted on 443"
assert_delta ssl_diverted 1
assert_delta ssl_syn_assigned 1
[ "$(delta ssl_packets_steered)" -ge 6 ] || fail "ssl_packets_steered: $(delta ssl_packets_steered)"
# Ports outside the proxy's detection ports are not touched.
assert_eq "$(line 8443)" "hello" "port 8443 not diverted"
# Never-decrypt source (10.9.0.3 is in 10.9.0.0/24, not an always exception).
stats_snapshot
assert_eq "$(line --src 10.9.0.3 443)" "hello" "never-decrypt source"
assert_delta ssl_not_decrypted_source 1
# Many connections in a row.
for i in 1 2 3 4 5; do
	assert_eq "$(line 443)" "[tlsi] hello" "intercepted #$i"
done

# A TM trust filter still proxies SSL (the guide's Trust: decrypted, not
# inspected: 14-ipv6-interception checks the inspection part); a bypass
# rule wins over interception.
ctl_ok tm add trusted action trust src 10.9.0.1 proto tcp dport 443
assert_eq "$(line 443)" "[tlsi] hello" "TM trust is still proxied"
ctl_ok tm del trusted
ctl_ok bypass add skip dst 10.9.0.2 proto tcp dport 443
assert_eq "$(line 443)" "hello" "bypass is not intercepted"
ctl_ok bypass del skip
# And a blocked flow stays blocked.
ctl_ok quarantine add 10.9.0.1
assert_eq "$(line 443)" "timed out" "quarantined client"
ctl_ok quarantine del 10.9.0.1

# Disabling the policy stops new interceptions.
ctl_ok ssl-policy set outbound profile p1 disabled
assert_eq "$(line 443)" "hello" "disabled policy"
ctl_ok ssl-policy set outbound profile p1 enabled
assert_eq "$(line 443)" "[tlsi] hello" "enabled again"

# Session limit: above it, allow but bypass inspection, with a log line.
ctl_ok config set max-ssl-sessions 1
stats_snapshot
# Keep one intercepted session open (until killed), then try another once
# the kernel counts it.
ip netns exec "$NS_C" python3 -c '
import socket, time
s = socket.create_connection(("10.9.0.2", 443), timeout=30)
s.recv(100)
time.sleep(3600)
' &
holder=$!
_one_session() { [ "$(counter ssl_sessions_active)" -ge 1 ]; }
wait_until $T_REACT _one_session || fail "the held session was not intercepted"
assert_eq "$(line 443)" "hello" "over the session limit"
[ "$(delta ssl_sessions_full_bypassed)" -ge 1 ] || fail "ssl_sessions_full_bypassed did not count"
dmesg >/tmp/divert-dmesg.$$
grep -q "reached Critical threshold of Max Concurrent Connections" /tmp/divert-dmesg.$$ ||
	fail "no system log line for the session limit"
kill "$holder" 2>/dev/null || true
wait "$holder" || true
ctl_ok config set max-ssl-sessions 10000

# A configuration change while an intercepted session is open: the session
# keeps going through the daemon, and its slot is released when it ends.
spawn s python3 -c '
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8000)); s.listen(8)
def echo(c):
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d)
    c.close()
while True:
    threading.Thread(target=echo, args=(s.accept()[0],), daemon=True).start()
'
wait_port s 8000
ctl_ok config set timeout-tcp-close 2
fifo=/tmp/divert-fifo.$$
mkfifo "$fifo"
ip netns exec "$NS_C" python3 -c '
import socket, sys
s = socket.create_connection(("10.9.0.2", 8000), timeout=5)
s.sendall(b"one\n")
print(s.recv(100).decode().strip(), flush=True)
open(sys.argv[1]).read()          # wait until the test changed the config
s.sendall(b"two\n")
print(s.recv(100).decode().strip(), flush=True)
s.close()
' "$fifo" >/tmp/divert-echo.$$ &
echo_pid=$!
wait_until $T_REACT grep -q "one" /tmp/divert-echo.$$ || fail "echo session: $(cat /tmp/divert-echo.$$)"
ctl_ok tm add unrelated action permit proto udp dport 9
echo go >"$fifo"
wait "$echo_pid" || fail "echo session failed after a config change: $(cat /tmp/divert-echo.$$)"
assert_eq "$(cat /tmp/divert-echo.$$ | tr '\n' ' ')" "[tlsi] one two " "session across a config change"
sessions_zero() { [ "$(counter ssl_sessions_active)" = 0 ]; }
wait_until $T_REACT sessions_zero || fail "ssl_sessions_active stays $(counter ssl_sessions_active) after every session ended"
pass "session slots released"
ctl_ok tm del unrelated

# Configuration shows what was set; bad input is refused.
tlsictl -j ssl-policy show | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert len(p) == 1 and p[0]["name"] == "outbound" and p[0]["proxy"] == "web", p
assert p[0]["never_decrypt"] == "10.9.0.0/24" and p[0]["always_decrypt"] == "10.9.0.1/32", p
' || fail "ssl-policy show: $(tlsictl -j ssl-policy show)"
tlsictl ssl-proxy show | grep -q "web ports 443,8000-8100 cert corp-ca" || fail "ssl-proxy show: $(tlsictl ssl-proxy show)"
ctl_ok ssl-proxy add alt ports 8080-8090
ctl_fail 1 'overlaps policy "outbound"' ssl-policy add second profile p1 proxy alt
ctl_fail 1 'already exists' ssl-policy add outbound profile p1 proxy web
ctl_fail 1 'used by policy "outbound"' ssl-proxy del web
ctl_ok profile add p2
ctl_ok ssl-policy add other profile p2 proxy web
ctl_fail 1 'used by SSL policy "other"' profile del p2
ctl_ok ssl-policy del other profile p2
ctl_ok profile del p2
ctl_fail 1 'no SSL proxy' ssl-policy add third profile p1 proxy ghost
ctl_fail 2 'port 0' ssl-proxy add bad ports 0-10
ctl_fail 2 'ranges overlap' ssl-proxy add bad ports 443,400-500
ctl_fail 2 'too long' ssl-proxy add "$(printf 'x%.0s' $(seq 130))" ports 1
ctl_fail 2 'more than 64' ssl-policy add p65 profile p1 proxy alt never-decrypt "$(seq -s, -f '10.1.0.%g' 1 65)"
ctl_fail 2 'divert-mark' config set divert-mark 0
# Requests tlsictl would never send, refused by the kernel with a message.
NL="python3 $TLSI_REPO/tests/vm/tools/nlraw.py"
nl_fail() {
	local pat=$1 out
	shift
	out=$(ip netns exec "$NS_A" $NL "$@") && fail "accepted: $*"
	echo "$out" | grep -Eq -- "$pat" || fail "nlraw $*: '$out' does not match '$pat'"
	pass "refused: $out"
}
nl_fail "unknown SSL flags" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:x TLSI_A_PORTS:hex:bb01bb01 TLSI_A_SSL_FLAGS:u32:0x80000000
nl_fail "1 to 32 ranges" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:x TLSI_A_PORTS:hex:bb01bb
nl_fail "empty or starts at 0" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:x TLSI_A_PORTS:hex:0a000500
nl_fail "empty or starts at 0" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:x TLSI_A_PORTS:hex:00000500
nl_fail "only letters" TLSI_CMD_SSL_PROXY_NEW "TLSI_A_NAME:str:a/b" TLSI_A_PORTS:hex:bb01bb01
nl_fail "nested addresses" TLSI_CMD_SSL_POLICY_NEW TLSI_A_NAME:str:x TLSI_A_PROFILE:str:p1 TLSI_A_PROXY:str:alt TLSI_A_NEVER_DECRYPT:nest:0800010001000000
nl_fail "error" TLSI_CMD_SSL_POLICY_SET TLSI_A_NAME:str:outbound TLSI_A_PROFILE:str:p1 TLSI_A_ENABLED:u8:2
# An ssl-no-daemon value past the enum: the range policy refuses it, and the
# profile keeps the value it had.
nl_fail "out of range" TLSI_CMD_PROFILE_SET TLSI_A_NAME:str:p1 TLSI_A_SSL_NO_DAEMON:u8:2
tlsictl profile show | grep -q "^p1 .* ssl-no-daemon bypass " || fail "profile changed by a refused request: $(tlsictl profile show)"
assert_eq "$(tlsictl -j ssl-proxy show | python3 -c 'import json,sys; print(sorted(p["name"] for p in json.load(sys.stdin)))')" \
	"['alt', 'web']" "proxies after refused requests"
ctl_ok ssl-proxy add "Long name with spaces_and-dashes" ports 9443
ctl_ok ssl-policy del outbound profile p1
assert_eq "$(line 443)" "hello" "policy deleted"
ctl_ok ssl-proxy del web
