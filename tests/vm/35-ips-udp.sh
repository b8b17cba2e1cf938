#!/bin/bash
# IPS on cleartext UDP: each datagram of a flow whose profile inspects
# cleartext goes through the engine on the bridge (no daemon, no relay).
# dig over UDP to a DNS server: answered; a real ET rule alerts (EVE:
# proto UDP, app_proto dns, ssl_inspected false); the same kind of rule made
# a drop rule drops the query inline (the server never sees it, dig gets no
# answer), counted. Benign datagrams of any size pass byte for byte; hostile
# ones (truncated DNS, garbage, oversized) are inspected without harm;
# inspect-cleartext off stops it.
#
#   client 10.9.0.1 -- eth0 [br0] eth1 -- server 10.9.0.2 dns :53, echo :5353
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

command -v dig >/dev/null || fail "no dig (bind9-dnsutils, scripts/install-deps.sh)"
TOOLS=$TLSI_REPO/tests/vm/tools
W=/tmp/ips-udp.$$
mkdir -p "$W"
on_exit "rm -rf $W"

tlsi_basic
spawn s python3 "$TOOLS/clear_servers.py" dns 53 10.9.0.2 "$W/queries.log"
wait_port s 53 udp

cat >"$W/udp.rules" <<'EOF'
alert dns $HOME_NET any -> any any (msg:"ET DNS Query for .su TLD (Soviet Union) Often Malware Related"; dns.query; content:".su"; nocase; endswith; reference:url,www.abuse.ch/?p=3581; classtype:bad-unknown; sid:2014169; rev:4; metadata:created_at 2012_01_31, updated_at 2020_09_14;)
drop dns $HOME_NET any -> any any (msg:"ET DNS Query to a .tk domain - Likely Hostile"; dns.query; content:".tk"; fast_pattern; nocase; endswith; content:!"www.google.tk"; classtype:bad-unknown; sid:2012811; rev:7; metadata:created_at 2011_05_15, former_category DNS, updated_at 2020_09_17;)
EOF
ET=${TLSI_ET_OPEN:-build/et-open}
CLS=()
[ -f "$ET/classification.config" ] && CLS=(--classification "$ET/classification.config")
# before any rule: nothing inspected
stats_snapshot
dig_c() { in_c dig +time=5 +tries=1 +short @10.9.0.2 "$@" || true; }
assert_eq "$(dig_c before.example)" "10.9.0.2" "dig before rules"
assert_delta cleartext_udp_datagrams_inspected 0
out=$(tlsictl rules load "${CLS[@]}" --var 'HOME_NET=[10.9.0.0/24]' --var 'EXTERNAL_NET=any' "$W/udp.rules")
echo "$out" | grep -q "loaded into tlsi.ko: 2 rules" || fail "load: $out"
monitor_start "$W/monitor.out" --eve "$W/eve.json"

# ---- benign and alert ---------------------------------------------------------------
stats_snapshot
assert_eq "$(dig_c ok.example)" "10.9.0.2" "dig over UDP"
[ "$(delta cleartext_udp_datagrams_inspected)" -ge 2 ] ||
	fail "query and answer not both inspected: $(delta cleartext_udp_datagrams_inspected)"
assert_eq "$(dig_c mirror.example.su)" "10.9.0.2" "dig of a .su name (alert only)"
wait_until $T_REACT _eve_has 2014169 || fail "no EVE record of 2014169: $(cat "$W/monitor.out")"
eve_has 2014169 "alert.action=allowed"
eve_has 2014169 "proto=UDP"
eve_has 2014169 "app_proto=dns"
eve_has 2014169 "ssl_inspected=False"
eve_has 2014169 "dest_port=53"
eve_has 2014169 "src_ip=10.9.0.1"
assert_delta drop_ips_udp 0
pass "DNS over UDP answered; .su alerted (EVE proto UDP, app_proto dns)"

# ---- drop -------------------------------------------------------------------------------
stats_snapshot
dig_c evil.tk | grep -qx 10.9.0.2 && fail "the .tk query got an answer"
assert_delta drop_ips_udp 1
assert_delta ips_blocks 1
grep -q "^evil.tk " "$W/queries.log" && fail "the .tk query reached the server"
wait_until $T_REACT _eve_has 2012811 || fail "no EVE record of 2012811"
eve_has 2012811 "alert.action=blocked"
eve_has 2012811 "proto=UDP"
# the next query of the same client passes: the verdict is per datagram
assert_eq "$(dig_c www.google.tk)" "10.9.0.2" "the excepted .tk name"
assert_eq "$(dig_c again.example)" "10.9.0.2" "a benign query after the drop"
pass "the .tk query was dropped inline before the server, counted"

# ---- benign datagrams of every size pass byte for byte ----------------------------------
in_c python3 - <<'EOF' || fail "UDP echo through the inspecting bridge"
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
for n in (1, 12, 512, 1400, 4000, 30000, 65000):
    d = os.urandom(n)
    for attempt in range(3):
        s.sendto(d, ("10.9.0.2", 5353))
        try:
            r, _ = s.recvfrom(65535)
            break
        except socket.timeout:
            continue
    else:
        raise SystemExit("no echo of %d bytes" % n)
    assert r == d, n
print("echo ok")
EOF
pass "UDP datagrams of 1..65000 bytes (IP fragments above the MTU) echoed byte for byte"

# ---- hostile datagrams: inspected, counted, no harm -------------------------------------
stats_snapshot
in_c python3 - <<'EOF'
import os, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
bad = [b"", b"\x00", b"\x12\x34\x01\x00\x00\x01",                         # short headers
       struct.pack("!HHHHHH", 1, 0x100, 0xffff, 0, 0, 0) + b"\x3f" + b"a" * 10,  # qdcount beyond
       struct.pack("!HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\xc0\x0c" * 100,     # pointer loop
       struct.pack("!HHHHHH", 1, 0x100, 1, 0, 0, 0) + (b"\x3f" + b"x" * 63) * 8 + b"\x00\x00\x01\x00\x01"]
bad += [os.urandom(n) for n in (3, 13, 100, 1000, 60000) for _ in range(5)]
for d in bad:
    s.sendto(d, ("10.9.0.2", 53))
print("sent", len(bad))
EOF
[ "$(delta cleartext_udp_datagrams_inspected)" -ge 30 ] ||
	fail "hostile datagrams inspected: $(delta cleartext_udp_datagrams_inspected)"
assert_eq "$(dig_c after.example)" "10.9.0.2" "dig after hostile datagrams"
pass "hostile datagrams inspected ($(delta cleartext_udp_datagrams_inspected)), dns anomalies $(delta ips_dns_anomalies)"

# ---- inspect-cleartext off ----------------------------------------------------------------
ctl_ok profile set p1 inspect-cleartext off
stats_snapshot
assert_eq "$(dig_c evil2.tk)" "10.9.0.2" ".tk with inspect-cleartext off"
assert_delta cleartext_udp_datagrams_inspected 0
assert_delta drop_ips_udp 0
ctl_ok profile set p1 inspect-cleartext on
stats_snapshot
dig_c evil3.tk | grep -qx 10.9.0.2 && fail "the .tk query got an answer after inspect-cleartext on"
assert_delta drop_ips_udp 1
pass "inspect-cleartext off: datagrams pass uninspected; on again: dropped"
