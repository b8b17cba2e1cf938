#!/bin/bash
# TCP packet rules on the bridge: rules with `flags', `flow:no_stream' or
# `flow:not_established' are matched by Suricata on packets, not streams;
# tlsi.ko gives each TCP packet of a flow whose profile inspects cleartext
# to the engine on the bridge (with its flags and whether the connection
# was established before it), as it does UDP datagrams.
#   - ET 2001219 (SSH scan: flags:S,12, threshold both count 5 per 120 s
#     by source), verbatim: five real connections to port 22 give one
#     alert (EVE proto TCP).
#   - a drop rule on SYNs to port 2222: the connection never opens (the
#     SYN and its retransmissions are dropped, counted); 8080 still works.
#   - a no_stream rule matches a client's data packet, established, with
#     its content at the packet's start, and not when the content does
#     not start the packet.
#   - flow:not_established with flags:SA matches the server's SYN/ACK.
#   - a rule set without TCP packet rules costs no per-packet inspection.
#
#   client 10.9.0.1 -- eth0 [br0] eth1 -- server 10.9.0.2 :22 :2222 :8080 :8081
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

W=/tmp/ips-flags.$$
mkdir -p "$W"
on_exit "rm -rf $W"

tlsi_basic
tcp_server 22
tcp_server 2222

ET=${TLSI_ET_OPEN:-build/et-open}
[ -d "$ET" ] || fail "no ET Open rules at $ET"
grep -h "sid:2001219;" "$ET"/*.rules | grep -q '^alert tcp .*flags:S,12' ||
	fail "ET has no enabled rule 2001219 with flags:S,12"
grep -h "sid:2001219;" "$ET"/*.rules >"$W/flags.rules"
cat >>"$W/flags.rules" <<'EOF'
drop tcp any any -> any 2222 (msg:"TLSI TEST SYN to 2222"; flow:to_server; flags:S; sid:1039001; rev:1;)
alert tcp any any -> any 8080 (msg:"TLSI TEST no_stream data"; flow:to_server,established,no_stream; content:"tlsi-nostream"; depth:13; sid:1039002; rev:1;)
alert tcp any 8080 -> any any (msg:"TLSI TEST SYN/ACK"; flow:from_server,not_established; flags:SA; sid:1039003; rev:1;)
alert tcp any any -> any 8081 (msg:"TLSI TEST stream rule"; flow:to_server,established; content:"tlsi-stream"; sid:1039004; rev:1;)
EOF
load_rules_home "$W/flags.rules" 5 10.9.0.2/32
pass "ET 2001219 and 4 local TCP packet / stream rules loaded"
monitor_start "$W/monitor.out" --eve "$W/eve.json"

# ---- ET 2001219: five SYNs to port 22 from one source, one alert -------------------------
stats_snapshot
for i in 1 2 3 4 5; do
	tcp_ok 10.9.0.2 22 || fail "connection $i to port 22"
done
wait_until $T_REACT _eve_has 2001219 || fail "no EVE record of ET 2001219: $(cat "$W/monitor.out")"
eve_has 2001219 "proto=TCP"
eve_has 2001219 "src_ip=10.9.0.1"
eve_has 2001219 "dest_port=22"
eve_has 2001219 "alert.action=allowed"
assert_eq "$(eve_count 2001219)" 1 "alerts of the thresholded scan rule"
[ "$(delta cleartext_tcp_packets_inspected)" -ge 15 ] ||
	fail "cleartext_tcp_packets_inspected: $(delta cleartext_tcp_packets_inspected)"
assert_delta drop_ips_tcp_packet 0
pass "ET 2001219 (flags:S,12, threshold 5 per source) alerted once on 5 real connections"

# ---- the server's SYN/ACK: flags:SA, not_established ---------------------------------------
n=$(eve_count 1039003)
tcp_ok 10.9.0.2 8080 || fail "connection to 8080"
_more_1039003() { [ "$(eve_count 1039003)" -gt "$n" ]; }
wait_until $T_REACT _more_1039003 || fail "no EVE record of the SYN/ACK rule"
eve_has 1039003 "src_port=8080"
eve_has 1039003 "proto=TCP"
pass "flow:from_server,not_established; flags:SA matched the server's SYN/ACK"

# ---- no_stream: the client's data packet ---------------------------------------------------
send_c() {
	in_c timeout 10 python3 - "$1" "$2" <<'EOF' || true
import socket, sys
s = socket.create_connection(("10.9.0.2", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode())
try:
    s.recv(100)
except OSError:
    pass
s.close()
EOF
}
n=$(eve_count 1039002)
send_c 8080 "xtlsi-nostream"
send_c 8080 "tlsi-nostream and more"
_more_1039002() { [ "$(eve_count 1039002)" -gt "$n" ]; }
wait_until $T_REACT _more_1039002 || fail "no EVE record of the no_stream rule"
sleep 2
assert_eq "$(( $(eve_count 1039002) - n ))" 1 "no_stream alerts (depth 13: only the packet it starts)"
eve_has 1039002 "dest_port=8080"
pass "flow:no_stream: the data packet's payload matched, at depth 13 only where it starts the packet"

# ---- drop: SYNs to 2222 ------------------------------------------------------------------------
stats_snapshot
tcp_ok 10.9.0.2 2222 && fail "a connection to 2222 opened despite the SYN drop rule"
[ "$(delta drop_ips_tcp_packet)" -ge 1 ] || fail "drop_ips_tcp_packet: $(delta drop_ips_tcp_packet)"
wait_until $T_REACT _eve_has 1039001 || fail "no EVE record of the drop rule"
eve_has 1039001 "alert.action=blocked"
eve_has 1039001 "dest_port=2222"
tcp_ok 10.9.0.2 8080 || fail "8080 after the drop on 2222"
pass "drop on flags:S: no connection to 2222 (SYNs dropped, counted), 8080 unaffected"

# ---- no TCP packet rules: no per-packet work ------------------------------------------------
grep -h "sid:1039004;" "$W/flags.rules" >"$W/stream.rules"
load_rules_home "$W/stream.rules" 1 10.9.0.2/32
stats_snapshot
tcp_ok 10.9.0.2 2222 || fail "2222 after the drop rule was replaced"
tcp_ok 10.9.0.2 22 || fail "22 without packet rules"
assert_delta cleartext_tcp_packets_inspected 0
pass "without TCP packet rules no packet is given to the engine"
