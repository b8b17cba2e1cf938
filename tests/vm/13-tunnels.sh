#!/bin/bash
# Tunnelled traffic: GRE with and without a key and IPv4-in-IPv4 (one
# layer, the reference guide's) are classified by their inner packet: TM
# filters, quarantine and the flow table see the inner addresses and ports,
# IPv4 and IPv6 inside GRE alike. A block with reset inside a tunnel drops
# without a reset (it would have to go back inside the tunnel). Deeper
# nesting and IPv6 encapsulations pass untouched, counted; tunnelled TCP is
# not diverted for SSL inspection (counted).
#
#   client 10.9.0.1 ==gre1 (key 42), gre0 (no key), ipip1, sit1== server 10.9.0.2
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
tcp_server_dual_in "$NS_S" 8090

tunnel_add gre1 gre 192.168.77.1 192.168.77.2 key 42
ip -n "$NS_C" addr add fd00:77::1/64 dev gre1 nodad
ip -n "$NS_S" addr add fd00:77::2/64 dev gre1 nodad
tunnel_add ipip1 ipip 192.168.78.1 192.168.78.2

through() { [ "$(probe tcp "$1" "$2")" = ok ]; }
for dst in 192.168.77.2 fd00:77::2 192.168.78.2; do
	wait_until $T_REACT through "$dst" 8090 || fail "no path through the tunnel to $dst: $(probe tcp "$dst" 8090)"
done
pass "TCP through GRE (IPv4 and IPv6 inside) and IPIP"

stats_snapshot
expect_probe ok tcp 192.168.77.2 8090
[ "$(delta tunnel_gre_packets)" -ge 3 ] || fail "tunnel_gre_packets grew by $(delta tunnel_gre_packets)"
flows=$(cat /sys/kernel/debug/tlsi/*/flows)
echo "$flows" | grep -q "192.168.77.1:[0-9]* -> 192.168.77.2:8090" ||
	fail "no inner flow in the flow table: $flows"
pass "the flow table holds the inner flow"

# TM by the inner destination; the outer path is not affected, and the
# reset a filter asks for is not sent into a tunnel.
ctl_ok tm add inner action block reset dst 192.168.77.2/32 proto tcp dport 8090
stats_snapshot
expect_probe timeout tcp 192.168.77.2 8090
[ "$(delta tunnel_reset_not_sent)" -ge 1 ] || fail "tunnel_reset_not_sent did not count"
expect_probe ok tcp 10.9.0.2 8090
expect_probe ok tcp 192.168.78.2 8090
ctl_ok tm del inner
expect_probe ok tcp 192.168.77.2 8090

# Quarantine of an inner IPv6 host, inside GRE; inner IPv4 still passes.
ctl_ok quarantine add fd00:77::1
expect_probe timeout tcp fd00:77::2 8090
expect_probe ok tcp 192.168.77.2 8090
ctl_ok quarantine del fd00:77::1
expect_probe ok tcp fd00:77::2 8090

# IPv4-in-IPv4: quarantine of the inner client.
stats_snapshot
ctl_ok quarantine add 192.168.78.1
expect_probe timeout tcp 192.168.78.2 8090
[ "$(delta tunnel_ipip_packets)" -ge 1 ] || fail "tunnel_ipip_packets did not count"
ctl_ok quarantine del 192.168.78.1
expect_probe ok tcp 192.168.78.2 8090

# GRE without a key: the same classification.
tunnel_add gre0k gre 192.168.76.1 192.168.76.2
wait_until $T_REACT through 192.168.76.2 8090 || fail "no path through keyless GRE"
ctl_ok tm add keyless action block src 192.168.76.1/32
expect_probe timeout tcp 192.168.76.2 8090
ctl_ok tm del keyless
expect_probe ok tcp 192.168.76.2 8090

# One layer only: GRE inside GRE passes untouched, counted, even where a
# filter names its inner addresses.
ip -n "$NS_C" link add gre2 type gre local 192.168.77.1 remote 192.168.77.2 key 7
ip -n "$NS_S" link add gre2 type gre local 192.168.77.2 remote 192.168.77.1 key 7
ip -n "$NS_C" addr add 192.168.79.1/30 dev gre2
ip -n "$NS_S" addr add 192.168.79.2/30 dev gre2
ip -n "$NS_C" link set gre2 up
ip -n "$NS_S" link set gre2 up
wait_until $T_REACT through 192.168.79.2 8090 || fail "no path through nested GRE"
ctl_ok tm add nested action block dst 192.168.79.2/32
stats_snapshot
expect_probe ok tcp 192.168.79.2 8090
[ "$(delta tunnel_nested_passed)" -ge 1 ] || fail "tunnel_nested_passed did not count"
ctl_ok tm del nested

# IPv6 in IPv4 (sit): passed, counted.
tunnel_add sit1 sit fd00:80::1 fd00:80::2
wait_until $T_REACT through fd00:80::2 8090 || fail "no path through sit"
stats_snapshot
expect_probe ok tcp fd00:80::2 8090
[ "$(delta tunnel_ipv6_encap_passed)" -ge 1 ] || fail "tunnel_ipv6_encap_passed did not count"

# Tunnelled TCP to an SSL detection port is not diverted.
ctl_ok ssl-proxy add web ports 8090
ctl_ok ssl-policy add outbound profile p1 proxy web
ctl_ok config set ssl-client on
stats_snapshot
expect_probe ok tcp 192.168.77.2 8090
assert_delta ssl_tunnel_not_intercepted 1
