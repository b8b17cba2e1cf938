#!/bin/bash
# Every new TCP connection is decided by the configuration in force when its
# SYN arrives, even when it reuses the source port of an earlier connection
# whose flow is still in the table (closing, or in its timeout): the old
# flow's decision (here: diverted to the SSL daemon) belongs to the old
# connection. Checked for "ssl-client off", a disabled SSL policy, a
# never-decrypt source added, and the other way round (a port first used
# while inspection was off is intercepted once it is on).
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254 + tproxy.py :15443] eth1 -- server 10.9.0.2:443
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
tcp_server 443
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0
ctl_ok ssl-proxy add web ports 443
ctl_ok ssl-policy add outbound profile p1 proxy web
# Closing flows stay in the table for the whole test: every reuse below
# meets the previous connection's flow.
ctl_ok config set ssl-client on divert-port 15443 divert-mark 42 timeout-tcp-close 600 \
	timeout-tcp-established 600
spawn a python3 "$TLSI_REPO/tests/vm/tools/tproxy.py" 15443 42
wait_port a 15443

# conn SPORT: the first line read from 10.9.0.2:443, connecting from SPORT;
# the client ends with a reset, so that it keeps no TIME_WAIT of the port.
conn() {
	ip netns exec "$NS_C" python3 -c '
import socket, struct, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.9.0.1", int(sys.argv[1])))
s.settimeout(5)
try:
    s.connect(("10.9.0.2", 443))
    print(s.makefile().readline().strip())
except OSError as e:
    print("error: %s" % e)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
' "$1"
}

# ssl-client off, then on again, with ports of the other state.
stats_snapshot
for p in 40001 40002 40003 40004 40005; do
	assert_eq "$(conn $p)" "[tlsi] hello" "port $p intercepted"
done
ctl_ok config set ssl-client off
for p in 40001 40002 40003 40004 40005; do
	assert_eq "$(conn $p)" "hello" "port $p reused after ssl-client off"
done
# Each reuse met the old flow (it was still in the table) and replaced it.
[ "$(delta flows_restarted_by_syn)" -ge 5 ] ||
	fail "flows_restarted_by_syn grew by $(delta flows_restarted_by_syn), expected >= 5"
ctl_ok config set ssl-client on
for p in 40011 40012 40013; do
	assert_eq "$(conn $p)" "[tlsi] hello" "port $p intercepted"
done

# A disabled policy.
ctl_ok ssl-policy set outbound profile p1 disabled
for p in 40011 40012 40013; do
	assert_eq "$(conn $p)" "hello" "port $p reused after the policy was disabled"
done
ctl_ok ssl-policy set outbound profile p1 enabled

# A never-decrypt source.
for p in 40021 40022; do
	assert_eq "$(conn $p)" "[tlsi] hello" "port $p intercepted"
done
ctl_ok ssl-policy set outbound profile p1 never-decrypt 10.9.0.1
for p in 40021 40022; do
	assert_eq "$(conn $p)" "hello" "port $p reused after never-decrypt 10.9.0.1"
done
ctl_ok ssl-policy set outbound profile p1 never-decrypt none

# The other way round: used while off, intercepted once on.
ctl_ok config set ssl-client off
for p in 40031 40032; do
	assert_eq "$(conn $p)" "hello" "port $p while off"
done
ctl_ok config set ssl-client on
for p in 40031 40032; do
	assert_eq "$(conn $p)" "[tlsi] hello" "port $p reused after ssl-client on"
done
