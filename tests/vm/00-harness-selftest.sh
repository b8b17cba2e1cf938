#!/bin/bash
# The VM test harness itself: the module under test is loaded, and the
# three-namespace topology of lib.sh bridges plain traffic (no tlsi
# configuration involved), and the probes tell success from failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mod=$TLSI_MODULE_NAME
grep -q "^$mod " /proc/modules || fail "module $mod (from $TLSI_MODULE) is not loaded"
pass "module $mod is loaded"

topo_up
tcp_server 8080
udp_echo 5353

expect_ok ping_ok "$S_IP"
expect_ok ping_ok "$NS_S" "$C_IP"
expect_ok tcp_ok "$S_IP" 8080
expect_ok udp_ok "$S_IP" 5353
expect_ok tcp_from_port 40001 "$S_IP" 8080

# The probes must fail when nothing answers.
expect_fail tcp_ok "$S_IP" 8081
expect_fail udp_ok "$S_IP" 5354
expect_fail ping_ok 10.9.0.99

# A probe from another namespace, a server in another namespace.
tcp_server_in "$NS_C" 9090 "hello"$'\n'
expect_ok tcp_ok "$NS_S" "$C_IP" 9090

# Extra addresses work through the bridge too.
add_addr c eth0 10.9.0.11/24
add_addr s eth0 10.9.0.12/24
expect_ok tcp_ok 10.9.0.12 8080
expect_ok ping_ok "$NS_S" 10.9.0.11

# The bridge learned the client's and the server's MACs on the right ports.
c_mac=$(in_c cat /sys/class/net/eth0/address)
s_mac=$(in_s cat /sys/class/net/eth0/address)
# (grep the captured table: "cmd | grep -q" fails under pipefail when grep
# exits before cmd has written everything.)
fdb=$(in_a bridge fdb show br br0)
grep -q "^$c_mac dev eth0 " <<<"$fdb" || fail "client MAC not learned on eth0"
grep -q "^$s_mac dev eth1 " <<<"$fdb" || fail "server MAC not learned on eth1"
pass "bridge learned both MACs"

# counter() parses /proc/net/tlsi/stats when the module provides it.
if in_a test -r /proc/net/tlsi/stats; then
	first=$(in_a awk 'NF >= 2 { print $1; exit }' /proc/net/tlsi/stats)
	if [ -n "$first" ]; then
		v=$(counter "$first")
		[[ $v =~ ^[0-9]+$ ]] || fail "counter $first: not a number: $v"
		pass "counter $first = $v"
	fi
fi

pass "harness self-test"
