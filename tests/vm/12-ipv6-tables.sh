#!/bin/bash
# IPv6 in the tables: on a dual-stack segment, bypass, traffic management,
# reputation and quarantine act on IPv6 flows by their IPv6 addresses,
# IPv4 and IPv6 prefixes stay in their own family, neighbour discovery
# and multicast listener discovery survive a block-everything filter, a blocked IPv6 TCP flow gets a reset,
# events and tables print RFC 5952 addresses, and hostile IPv6 headers
# (long extension header chains, IPv4-mapped addresses) are dropped and
# counted.
#
#   client 10.9.0.1 2001:db8:9::1 -- [br0] -- server 10.9.0.2 2001:db8:9::2
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

TOOLS=$TLSI_REPO/tests/vm/tools
C6=2001:db8:9::1
S6=2001:db8:9::2

tlsi_basic
# nodad: the addresses are usable at once (no duplicate detection wait).
ip -n "$NS_C" addr add "$C6/64" dev eth0 nodad
ip -n "$NS_S" addr add "$S6/64" dev eth0 nodad
tcp_server_dual_in "$NS_S" 8090
v6_ok() { [ "$(probe tcp "$S6" 8090)" = ok ]; }
wait_until $T_REACT v6_ok || fail "IPv6 through the bridge: $(probe tcp "$S6" 8090)"
expect_probe ok tcp 10.9.0.2 8090

stats_snapshot
expect_probe ok tcp "$S6" 8090
[ "$(delta ipv6_packets)" -ge 3 ] || fail "ipv6_packets grew by $(delta ipv6_packets)"
flows=$(cat /sys/kernel/debug/tlsi/*/flows)
echo "$flows" | grep -q "\[$C6\]:[0-9]* -> \[$S6\]:8090" ||
	fail "no IPv6 flow in the flow table: $flows"
pass "IPv6 flow tracked: $(echo "$flows" | grep "$S6" | head -1)"

monitor_start /tmp/v6-events.$$
on_exit "rm -f /tmp/v6-events.$$ /tmp/v6-rep.$$"

# --- Traffic management by IPv6 address; a reset for blocked IPv6 TCP. ---
ctl_ok tm add v6block action block reset src "$C6" proto tcp dport 8090
assert_eq "$(tlsictl -j tm show | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["src"])')" \
	"$C6/128" "tm show prints the IPv6 source"
expect_probe refused tcp "$S6" 8090
expect_probe ok tcp 10.9.0.2 8090
ctl_ok tm del v6block
# A family-wide prefix stays in its family.
ctl_ok tm add nov6 action block dst ::/0 proto tcp dport 8090
expect_probe timeout tcp "$S6" 8090
expect_probe ok tcp 10.9.0.2 8090
ctl_ok tm del nov6
ctl_ok tm add nov4 action block dst 0.0.0.0/0 proto tcp dport 8090
expect_probe timeout tcp 10.9.0.2 8090
expect_probe ok tcp "$S6" 8090
ctl_ok tm del nov4

# --- Neighbour discovery survives a block-everything filter. ---
ctl_ok tm add everything action block
stats_snapshot
ip -n "$NS_C" neigh flush dev eth0
expect_probe timeout tcp "$S6" 8090
neigh_resolved() { ip -n "$NS_C" -6 neigh show "$S6" dev eth0 | grep -Eq 'REACHABLE|STALE|DELAY|PROBE'; }
wait_until $T_REACT neigh_resolved || fail "ND broken by a block filter: $(ip -n "$NS_C" -6 neigh show)"
[ "$(delta ipv6_nd_passed)" -ge 2 ] || fail "ipv6_nd_passed grew by $(delta ipv6_nd_passed)"
pass "neighbour discovery passed the block filter ($(delta ipv6_nd_passed) messages)"
# A new address joins its solicited-node group: the MLD report passes the
# block filter untracked (no flow of ICMPv6 in the flow table).
ip -n "$NS_C" addr add 2001:db8:9::11/64 dev eth0 nodad
mld_seen() { [ "$(delta ipv6_mld_passed)" -ge 1 ]; }
wait_until $T_REACT mld_seen || fail "no MLD report passed: ipv6_mld_passed grew by $(delta ipv6_mld_passed)"
cat /sys/kernel/debug/tlsi/*/flows | grep -q 'ff02:' && fail "an MLD report made a flow: $(cat /sys/kernel/debug/tlsi/*/flows)"
pass "MLD reports pass untracked ($(delta ipv6_mld_passed))"
ip -n "$NS_C" addr del 2001:db8:9::11/64 dev eth0
ctl_ok tm del everything
expect_probe ok tcp "$S6" 8090

# --- Reputation: IPv6 prefixes, longest match, file loads. ---
ctl_ok profile set p1 rep-block 80 rep-alert 50
ctl_ok reputation add 2001:db8:9::/48 score 40 category scanner
ctl_ok reputation add "$S6/128" score 90 category botnet
out=$(tlsictl reputation show "$S6")
echo "$out" | grep -q "$S6/128" || fail "reputation show $S6: $out"
out=$(tlsictl reputation show 2001:db8:9::7)
echo "$out" | grep -q "2001:db8:9::/48" || fail "reputation show 2001:db8:9::7: $out"
expect_probe timeout tcp "$S6" 8090
expect_probe ok tcp 10.9.0.2 8090
ctl_ok reputation del "$S6/128"
expect_probe ok tcp "$S6" 8090
ctl_fail 1 'no reputation entry 2001:db8:9::2/128' reputation del "$S6/128"
cat >/tmp/v6-rep.$$ <<EOF
# mixed families in one file
10.9.0.0/24 30 lan
2001:db8:9::2 95 botnet
2001:db8::/32 20 doc
EOF
ctl_ok reputation load /tmp/v6-rep.$$ replace
assert_eq "$(tlsictl -j reputation show | python3 -c 'import json,sys; print(sorted(e["cidr"] for e in json.load(sys.stdin)))')" \
	"['10.9.0.0/24', '2001:db8:9::2/128', '2001:db8::/32']" "reputation after a mixed load"
expect_probe timeout tcp "$S6" 8090
expect_probe ok tcp 10.9.0.2 8090
ctl_ok reputation flush
ctl_ok profile set p1 rep-block off rep-alert off
expect_probe ok tcp "$S6" 8090

# --- Quarantine of an IPv6 host, both ways; its IPv4 address is another host. ---
ctl_ok quarantine add "$C6" reason "v6 host"
expect_probe timeout tcp "$S6" 8090
expect_probe ok tcp 10.9.0.2 8090
assert_eq "$(tlsictl -j quarantine show | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["host"])')" \
	"$C6" "quarantine show"
ctl_fail 1 'hosts, not networks \(2001:db8:9::/64\)' quarantine add 2001:db8:9::/64
# Inspection bypass wins over quarantine, by IPv6 address too.
ctl_ok bypass add v6web src "$C6" proto tcp dport 8090
expect_probe ok tcp "$S6" 8090
ctl_ok bypass del v6web
ctl_ok quarantine del "$C6"
expect_probe ok tcp "$S6" 8090
ctl_fail 1 "host $C6 is not quarantined" quarantine del "$C6"

# Events name IPv6 hosts in RFC 5952 form.
python3 - /tmp/v6-events.$$ "$C6" <<'PY' || fail "events: $(cat /tmp/v6-events.$$)"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
tm = [e for e in ev if e["type"] == "block" and e["table"] == "tm" and e.get("rule") == "v6block"]
q = [e for e in ev if e["type"] == "quarantine"]
assert tm and tm[0]["src"] == sys.argv[2] and tm[0]["dst"] == "2001:db8:9::2", tm
assert q and q[0]["src"] == sys.argv[2], q
PY
pass "IPv6 events"

# --- Hostile headers, sent as raw frames from the client's port. ---
SMAC=$(ip netns exec "$NS_S" cat /sys/class/net/eth0/address)
frame() { in_c python3 "$TOOLS/v6frame.py" eth0 "$SMAC" "$@"; }
# delta_reaches NAME N: the counter grew by N (frames are processed
# asynchronously after the send returns).
delta_reaches() { [ "$(delta "$1")" -ge "$2" ]; }
stats_snapshot
frame "$C6" "$S6" 8090 --ext 2
frame "$C6" "$S6" 8090 --ext 1 --first-fragment
wait_until $T_REACT delta_reaches fragments 1 || fail "a first fragment was not counted"
wait_until $T_REACT delta_reaches ipv6_packets 2 || fail "the frames were not seen"
frame "$C6" "$S6" 8090 --ext 9
frame ::ffff:10.9.0.1 "$S6" 8090
wait_until $T_REACT delta_reaches ipv6_mapped_address 1 || fail "ipv6_mapped_address grew by $(delta ipv6_mapped_address)"
assert_delta ipv6_ext_headers_too_deep 1
# Only the two hostile frames: two and one extension headers are fine.
assert_delta drop_malformed 2
pass "hostile IPv6 headers dropped and counted"

# An IPv6 flow that an SSL policy takes, with no daemon listening, follows
# the profile's ssl-no-daemon as an IPv4 one does (bypass: passes, counted;
# interception itself: 14-ipv6-interception).
ctl_ok ssl-proxy add web ports 8090
ctl_ok ssl-policy add outbound profile p1 proxy web
ctl_ok config set ssl-client on
stats_snapshot
expect_probe ok tcp "$S6" 8090
assert_delta ssl_no_daemon_bypassed 1
