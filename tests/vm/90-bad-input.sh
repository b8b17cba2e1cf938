#!/bin/bash
# Hostile input: every refusal names what was wrong, changes nothing, and
# never upsets the kernel. Both through tlsictl and through hand-made
# netlink requests that tlsictl would never send.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
NL="python3 ${TLSI_REPO:-.}/tests/vm/tools/nlraw.py"
ctl_ok tm add keep action block proto tcp dport 9999
snapshot() {
	for t in profile segment bypass tm reputation quarantine; do
		tlsictl -j "$t" show | python3 -c 'import json,sys; print(sorted(json.dumps(o, sort_keys=True) for o in json.load(sys.stdin) if not isinstance(o, dict) or True))' | sed 's/"hits": [0-9]*//g; s/"packets": [0-9]*//g; s/"bytes": [0-9]*//g'
	done
}
before=$(snapshot)

# tlsictl: usage errors (exit 2) that name the value.
ctl_fail 2 "10.0.0.300" tm add x action block src 10.0.0.300/8
ctl_fail 2 "10-5" tm add x action block proto tcp dport 10-5
ctl_fail 2 "65536" bypass add x proto tcp sport 65536
ctl_fail 2 "firewall" firewall add x
ctl_fail 2 "frobnicate" tm frobnicate
ctl_fail 2 "too long" tm add abcdefghijabcdefghijabcdefghijabc action block
ctl_fail 2 "rate" tm add x action rate-limit
ctl_fail 2 "score|101" reputation add 10.1.0.0/16 score 101
ctl_fail 2 "action" tm add x action explode
# Kernel refusals (exit 1) with the kernel's message.
ctl_fail 1 "already exists" tm add keep action block
ctl_fail 1 "no TM filter" tm del ghost
ctl_fail 1 "no profile" tm add x action block profile ghost

# A reputation file with line 4711 malformed: nothing is loaded.
python3 -c '
for i in range(4710):
    print("10.%d.%d.0/24 50 bulk" % (i // 256, i % 256))
print("10.200.0.0/24 fifty bulk")
for i in range(100):
    print("10.201.%d.0/24 50 bulk" % i)
' >/tmp/bad4711.$$
ctl_fail 2 ":4711:" reputation load /tmp/bad4711.$$
assert_eq "$(counter reputation_entries)" 0 "entries after refused load"

# Unprivileged callers cannot change anything.
out=$(ip netns exec "$NS_A" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$TLSICTL" tm add sneaky action trust 2>&1) && fail "unprivileged tm add succeeded"
echo "$out" | grep -Eqi "permitted|permission" || fail "unprivileged refusal message: $out"
pass "unprivileged refused: $out"
# ... nor read the tables (92-permissions checks every read).
ip netns exec "$NS_A" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$TLSICTL" tm show >/dev/null 2>&1 && fail "unprivileged tm show succeeded"

# Hand-made requests: each refused with an extack message naming the field.
nl_fail() {
	local pat=$1 out
	shift
	out=$(ip netns exec "$NS_A" $NL "$@") && fail "accepted: $*"
	echo "$out" | grep -Eq -- "$pat" || fail "nlraw $*: '$out' does not match '$pat'"
	pass "refused: $out"
}
nl_fail "host bits" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_SRC:cidr:2,10.0.0.1,8
nl_fail "AF_INET or AF_INET6" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_SRC:cidr:7,10.0.0.0,8
nl_fail "IPv6 address is 16 bytes" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_SRC:cidr:10,10.0.0.0,8
nl_fail "IPv4 address is 4 bytes" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_SRC:cidr:2,hex:20010db8000000000000000000000000,32
nl_fail "IPv4-mapped" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_SRC:cidr:10,hex:00000000000000000000ffff0a000000,104
nl_fail "host bits set in 2001:db8::1/64" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_SRC:cidr:10,hex:20010db8000000000000000000000001,64
nl_fail "error 34|range|Invalid" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_SRC:cidr:10,hex:20010db8000000000000000000000000,129
nl_fail "0..32" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_SRC:cidr:2,10.0.0.0,33
nl_fail "error" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:9
# Names the kernel holds can be named on tlsictl's command line again.
nl_fail "bad character 0x2f at 1" TLSI_CMD_PROFILE_NEW TLSI_A_NAME:str:a/b
nl_fail "bad character 0x20 at 1" TLSI_CMD_TM_NEW TLSI_A_NAME:str:a\ b TLSI_A_ACTION:u8:0
nl_fail "bad character 0x0a at 0" TLSI_CMD_SEGMENT_NEW TLSI_A_NAME:hex:0a00 TLSI_A_PROFILE:str:p1 TLSI_A_PORT_A:str:eth0 TLSI_A_PORT_B:str:eth1
nl_fail "reversed" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_PROTO:u8:6 TLSI_A_DPORT_MIN:u16:10 TLSI_A_DPORT_MAX:u16:5
nl_fail "both ends" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_PROTO:u8:6 TLSI_A_DPORT_MIN:u16:10
nl_fail "protocol with ports" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_PROTO:u8:1 TLSI_A_DPORT_MIN:u16:1 TLSI_A_DPORT_MAX:u16:2
nl_fail "needs a rate" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:3
nl_fail "unknown rule flags" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 TLSI_A_FLAGS:u32:0x80
nl_fail "error 22" TLSI_CMD_TM_NEW TLSI_A_NAME:strnonul:abcdefghijabcdefghijabcdefghijabcdefghij TLSI_A_ACTION:u8:0
nl_fail "error 22" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:u8:0 200:u32:1
nl_fail "error 22|Missing|missing" TLSI_CMD_TM_NEW TLSI_A_ACTION:u8:0
nl_fail "VLAN|error" TLSI_CMD_SEGMENT_NEW TLSI_A_NAME:str:s TLSI_A_PROFILE:str:p1 TLSI_A_PORT_A:str:eth0 TLSI_A_PORT_B:str:eth1 TLSI_A_VLANS:hex:0000
nl_fail "error" TLSI_CMD_SEGMENT_NEW TLSI_A_NAME:str:s TLSI_A_PROFILE:str:p1 TLSI_A_PORT_A:str:eth0 TLSI_A_PORT_B:str:eth1 TLSI_A_VLANS:hex:010203
nl_fail "two different ports" TLSI_CMD_SEGMENT_NEW TLSI_A_NAME:str:s TLSI_A_PROFILE:str:p1 TLSI_A_PORT_A:str:eth0 TLSI_A_PORT_B:str:eth0
nl_fail "hosts, not networks" TLSI_CMD_QUAR_NEW TLSI_A_SRC:cidr:2,10.0.0.0,8
nl_fail "unknown batch" TLSI_CMD_REP_COMMIT TLSI_A_BATCH:u32:77
nl_fail "error" TLSI_CMD_REP_LOAD TLSI_A_BATCH:u32:0 TLSI_A_REP_ENTRIES:raw:
nl_fail "error" TLSI_CMD_REP_NEW TLSI_A_SRC:cidr:2,10.0.0.0,8 TLSI_A_SCORE:u8:150
nl_fail "error" TLSI_CMD_CONFIG_SET TLSI_A_MAX_FLOWS:u32:0
nl_fail "error" TLSI_CMD_CONFIG_SET TLSI_A_FLOW_FULL_ACTION:u8:7
nl_fail "error" TLSI_CMD_PROFILE_NEW TLSI_A_NAME:str:
nl_fail "error" 250
# Truncated and garbage attributes.
nl_fail "error" TLSI_CMD_TM_NEW 1:raw:41
nl_fail "error" TLSI_CMD_TM_NEW TLSI_A_NAME:str:x TLSI_A_ACTION:raw:0000
nl_fail "error" TLSI_CMD_REP_NEW TLSI_A_SRC:raw:ffffffff TLSI_A_SCORE:u8:1

# An attribute meant for another command (or only sent by the kernel) is
# refused by name, and nothing changes.
nl_fail "attribute RATE is not taken by PROFILE_NEW" TLSI_CMD_PROFILE_NEW TLSI_A_NAME:str:pz TLSI_A_RATE:u32:5
nl_fail "attribute SCORE is not taken by TM_NEW" TLSI_CMD_TM_NEW TLSI_A_NAME:str:tz TLSI_A_ACTION:u8:0 TLSI_A_SCORE:u8:5
nl_fail "attribute VLAN is not taken by SEGMENT_NEW" TLSI_CMD_SEGMENT_NEW TLSI_A_NAME:str:s2 TLSI_A_PROFILE:str:p1 TLSI_A_PORT_A:str:eth0 TLSI_A_PORT_B:str:eth1 TLSI_A_VLAN:u16:5
nl_fail "attribute HITS is not taken by BYPASS_NEW" TLSI_CMD_BYPASS_NEW TLSI_A_NAME:str:bz TLSI_A_HITS:hex:0100000000000000
nl_fail "attribute DIVERT_MARK is not taken by IPS_SET" TLSI_CMD_IPS_SET TLSI_A_IPS_DEPTH:u32:100 TLSI_A_DIVERT_MARK:u32:5
nl_fail "attribute IPS_DEPTH is not taken by CONFIG_SET" TLSI_CMD_CONFIG_SET TLSI_A_MAX_FLOWS:u32:7 TLSI_A_IPS_DEPTH:u32:100
nl_fail "attribute PROXY is not taken by SSL_POLICY_SET" TLSI_CMD_SSL_POLICY_SET TLSI_A_NAME:str:x TLSI_A_PROFILE:str:p1 TLSI_A_PROXY:str:alt
nl_fail "attribute CATEGORY is not taken by QUAR_NEW" TLSI_CMD_QUAR_NEW TLSI_A_SRC:cidr:2,10.0.0.9,32 TLSI_A_CATEGORY:str:c
nl_fail "attribute NAME is not taken by TM_FLUSH" TLSI_CMD_TM_FLUSH TLSI_A_NAME:str:keep
# Inside a nest element: a REP_ENTRY with a RATE (type 16) in it.
nl_fail "attribute RATE is not taken in REP_ENTRY" TLSI_CMD_REP_LOAD TLSI_A_BATCH:u32:5 TLSI_A_REP_ENTRIES:nest:0c0019800800100005000000
# Nested attributes cannot carry the name in the message; tlsictl's library
# names them from the extack offset.
nl_fail "Unsupported attribute" TLSI_CMD_PROFILE_NEW TLSI_A_NAME:str:pz TLSI_A_SRC:cidr:2,10.0.0.0,8
packets=$(counter packets)
[ "$packets" -gt 0 ] || fail "no packets counted before STATS_RESET"
nl_fail "attribute NAME is not taken by STATS_RESET" TLSI_CMD_STATS_RESET TLSI_A_NAME:str:x
[ "$(counter packets)" -ge "$packets" ] || fail "a refused STATS_RESET reset the counters"
config_before=$(tlsictl -j config show)
ips_before=$(tlsictl -j rules config show)
nl_fail "attribute TIMEOUT_UDP is not taken by IPS_SET" TLSI_CMD_IPS_SET TLSI_A_IPS_QUARANTINE:u8:1 TLSI_A_TIMEOUT_UDP:u32:5
assert_eq "$(tlsictl -j config show)" "$config_before" "configuration after refused CONFIG_SET/IPS_SET"
assert_eq "$(tlsictl -j rules config show)" "$ips_before" "IPS settings after refused IPS_SET"

after=$(snapshot)
assert_eq "$after" "$before" "configuration after refused requests"
expect_probe ok tcp 10.9.0.2 8080
