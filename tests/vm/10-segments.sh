#!/bin/bash
# Virtual segments: traffic outside every segment is forwarded and counted;
# segments select by port pair, VLAN and source address; bad segment
# definitions are refused with a message and change nothing.
#
#   client ns                appliance ns                      server ns
#   eth0 10.9.0.1, .3  ── eth0 ─ br0 (tlsi) ─ eth1 ──  eth0 10.9.0.2
#   eth0.100 10.10.0.1                                    eth0.100 10.10.0.2
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

topo_up
tcp_server 8080
add_addr c eth0 10.9.0.3/24
ip -n "$NS_C" link add link eth0 name eth0.100 type vlan id 100
ip -n "$NS_S" link add link eth0 name eth0.100 type vlan id 100
add_addr c eth0.100 10.10.0.1/24
add_addr s eth0.100 10.10.0.2/24
ip -n "$NS_C" link set eth0.100 up
ip -n "$NS_S" link set eth0.100 up

# No segment yet: forwarded untouched, counted as such.
stats_snapshot
expect_probe ok tcp 10.9.0.2 8080
[ "$(delta no_segment_forwarded)" -gt 0 ] || fail "no_segment_forwarded did not move"
assert_delta flows_created 0

# A profile whose TM filter blocks TCP 8080, bound to VLAN 100 only.
ctl_ok profile add guarded
ctl_ok tm add no8080 action block profile guarded proto tcp dport 8080
ctl_ok segment add vlan100 profile guarded ports eth0 eth1 vlan 100
expect_probe ok tcp 10.9.0.2 8080
expect_probe timeout tcp 10.10.0.2 8080
# The other direction of the same port pair is the same segment.
tcp_server_in c 8080
expect_probe ok tcp 10.9.0.1 8080 >/dev/null
got=$(probe_from s tcp 10.10.0.1 8080)
assert_eq "$got" timeout "server to client over VLAN 100"

# A second segment on the same pair, selected by source address.
ctl_ok segment add from3 profile guarded ports eth0 eth1 src 10.9.0.3/32
expect_probe timeout tcp 10.9.0.2 8080 --src 10.9.0.3
expect_probe ok tcp 10.9.0.2 8080 --src 10.9.0.1

# Per-segment counters.
pk=$(ip netns exec "$NS_A" awk '$1 == "vlan100" { print $5 }' /proc/net/tlsi/segments)
[ "${pk:-0}" -gt 0 ] || fail "segment vlan100 counted no packets"
pass "segment vlan100 packets $pk"
tlsictl -j segment show | python3 -c '
import json, sys
segs = {s["name"]: s for s in json.load(sys.stdin)}
assert set(segs) == {"vlan100", "from3"}, segs
assert segs["vlan100"]["packets"] > 0 and segs["from3"]["packets"] > 0, segs
assert segs["vlan100"]["profile"] == "guarded"
' || fail "segment show -j"

# Bad definitions: refused, named, nothing changes.
before=$(tlsictl -j segment show | python3 -c 'import json,sys; print(sorted(s["name"] for s in json.load(sys.stdin)))')
ip -n "$NS_A" link add eth2 type veth peer name eth3
ip -n "$NS_A" link set eth2 master br0
ctl_fail 1 'nope' segment add s1 profile guarded ports eth0 nope
ctl_fail 1 'br0.*not a bridge port' segment add s1 profile guarded ports br0 eth1
ctl_fail 1 'already exists' segment add vlan100 profile guarded ports eth0 eth1
ctl_fail 1 'no profile.*ghost' segment add s1 profile ghost ports eth0 eth1
ctl_fail 1 'already paired' segment add s1 profile guarded ports eth0 eth2
ctl_fail 2 'too long' segment add aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa profile guarded ports eth0 eth1
ctl_fail 2 'vlan|VLAN' segment add s1 profile guarded ports eth0 eth1 vlan 4095
ctl_fail 2 'CIDR|address|host bits' segment add s1 profile guarded ports eth0 eth1 src 10.9.0.1/8
ctl_fail 1 'used by segment' profile del guarded
after=$(tlsictl -j segment show | python3 -c 'import json,sys; print(sorted(s["name"] for s in json.load(sys.stdin)))')
assert_eq "$after" "$before" "segments after refused changes"

ctl_ok segment del from3
ctl_ok segment del vlan100
ctl_fail 1 'used by TM filter' profile del guarded
ctl_ok tm del no8080
ctl_ok profile del guarded
expect_probe ok tcp 10.10.0.2 8080

# A port that is deleted and created again under its name stays in its
# segment.
ctl_ok profile add guarded
ctl_ok tm add no8080 action block profile guarded proto tcp dport 8080
ctl_ok segment add all profile guarded ports eth0 eth1
expect_probe timeout tcp 10.9.0.2 8080
ip -n "$NS_A" link del eth1
ip -n "$NS_S" link add eth0 type veth peer name eth1 netns "$NS_A"
ip -n "$NS_A" link set eth1 master br0
ip -n "$NS_A" link set eth1 up
add_addr s eth0 10.9.0.2/24
ip -n "$NS_S" link set eth0 up
wait_until $T_REACT _topo_ready || fail "re-created port not forwarding"
# The server has a new MAC address: forget the old one.
ip -n "$NS_C" neigh flush all
tcp_server_in s 8081
expect_probe ok tcp 10.9.0.2 8081
expect_probe timeout tcp 10.9.0.2 8080
tlsictl segment show | grep -q "all profile guarded ports eth0 eth1" || fail "segment show: $(tlsictl segment show)"
