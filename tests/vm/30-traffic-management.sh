#!/bin/bash
# Traffic-management filters: block (with and without a TCP reset) for TCP,
# UDP and ICMP, ordering by position, rate limiting in packets per second;
# first-match order among 3,000 filters, with filters of every kind the
# lookup index files differently (kernel-module.md, "Traffic management").
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
expect_probe ok tcp 10.9.0.2 8080

# Block without reset: the client times out; with reset: refused at once.
ctl_ok tm add silent action block proto tcp dport 8080
ctl_ok tm add loud action block reset proto tcp dport 8081
stats_snapshot
expect_probe timeout tcp 10.9.0.2 8080
expect_probe refused tcp 10.9.0.2 8081
assert_delta tm_block 2
[ "$(delta tcp_resets_sent)" -ge 1 ] || fail "no reset counted"
[ "$(delta drop_tm_block)" -ge 2 ] || fail "drop_tm_block did not count"

# UDP and ICMP.
ctl_ok tm add noudp action block proto udp dport 5353
ctl_ok tm add noicmp action block proto icmp dst 10.9.0.2/32
expect_probe timeout udp 10.9.0.2 5353
expect_fail ping_ok 10.9.0.2
# The server may still reach the client: the filter names the destination.
expect_ok ping_ok s 10.9.0.1 || true

# Order: a permit placed first wins over the later block.
ctl_ok tm add first action permit proto tcp dport 8080 position 0
expect_probe ok tcp 10.9.0.2 8080
tlsictl -j tm show | python3 -c '
import json, sys
names = [r["name"] for r in json.load(sys.stdin)]
assert names == ["first", "silent", "loud", "noudp", "noicmp"], names
' || fail "tm order"
ctl_ok tm del first
expect_probe timeout tcp 10.9.0.2 8080

# Rate limit: 10 packets/s for ICMP; a 200-packet burst mostly drops.
ctl_ok tm del noicmp
ctl_ok tm add slow action rate-limit rate 10 proto icmp
stats_snapshot
start=$(date +%s%N)
recv=$(in_c ping -q -i 0.01 -c 200 -W 1 10.9.0.2 | awk '/received/ { print $4 }') || true
ms=$((($(date +%s%N) - start) / 1000000))
# Echo requests and replies share the filter's 10 packets/s: at most the
# one-second burst plus what the elapsed time earns, as request+reply pairs.
limit=$(((10 + 10 * ms / 1000) / 2 + 3))
echo "rate-limited ping: $recv of 200 replies in $ms ms (at most $limit allowed)"
[ "${recv:-0}" -ge 3 ] && [ "${recv:-0}" -le "$limit" ] || fail "rate limit let $recv of 200 through in $ms ms"
[ "$(delta drop_tm_rate_limit)" -ge 50 ] || fail "drop_tm_rate_limit: $(delta drop_tm_rate_limit)"

# Flush empties the table; everything passes again.
ctl_ok tm flush
assert_eq "$(tlsictl -j tm show)" "[]" "tm after flush"
expect_probe ok tcp 10.9.0.2 8080
expect_probe ok udp 10.9.0.2 5353
expect_ok ping_ok 10.9.0.2

# A large table. 3,000 filters for other sources first (one host each, as
# the benchmark's), loaded over one netlink socket; then filters that name
# the test's traffic by source prefix, destination host, protocol and port,
# protocol alone, a family's whole range, the other family, another
# profile, and nothing at all. Each is found where it stands in the order.
batch=$(mktemp)
python3 - "$batch" <<'PY'
import ipaddress, sys
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write("TLSI_CMD_TM_NEW TLSI_A_NAME:str:other%d TLSI_A_ACTION:u8:0 "
                "TLSI_A_SRC:cidr:2,%s,32 TLSI_A_PROTO:u8:%d "
                "TLSI_A_DPORT_MIN:u16:5000 TLSI_A_DPORT_MAX:u16:5999\n"
                % (i, ipaddress.IPv4Address("100.64.0.0") + i, 6 if i % 2 else 17))
PY
out=$(ip netns exec "$NS_A" python3 "${TLSI_REPO:-.}/tests/vm/tools/nlraw.py" --batch "$batch") ||
	fail "loading 3000 filters: $out"
rm -f "$batch"
hits() { tlsictl -j tm show | python3 -c '
import json, sys
print(sum(r["hits"] for r in json.load(sys.stdin) if r["name"] == sys.argv[1]))' "$1"; }

# Source prefix (after the 3,000): blocks the client's TCP 8080 only.
ctl_ok tm add net8080 action block proto tcp src 10.9.0.0/24 dport 8080
expect_probe timeout tcp 10.9.0.2 8080
expect_probe ok tcp 10.9.0.2 8081
# A destination host filter placed before it wins; a protocol+port filter
# placed before both wins over both; one of another profile never applies.
ctl_ok tm add host8080 action permit proto tcp dst 10.9.0.2/32 dport 8080 position 3000
expect_probe ok tcp 10.9.0.2 8080
ctl_ok tm add any8080 action block proto tcp dport 8080 position 0
expect_probe timeout tcp 10.9.0.2 8080
ctl_ok profile add p2
ctl_ok tm add otherprofile action permit profile p2 proto tcp dport 8080 position 0
expect_probe timeout tcp 10.9.0.2 8080
[ "$(hits any8080)" -ge 1 ] || fail "any8080 took no hits"
[ "$(hits otherprofile)" = 0 ] || fail "a filter of profile p2 matched seg1's traffic"
ctl_ok tm del otherprofile
ctl_ok tm del any8080
expect_probe ok tcp 10.9.0.2 8080
[ "$(hits host8080)" -ge 2 ] || fail "host8080 took $(hits host8080) hits"
ctl_ok tm del host8080
expect_probe timeout tcp 10.9.0.2 8080
# A filter with no match fields, first, permits everything.
ctl_ok tm add everything action permit position 0
expect_probe ok tcp 10.9.0.2 8080
ctl_ok tm del everything
# Protocol alone, last: UDP blocked, TCP 8081 still passes.
ctl_ok tm add noudp2 action block proto udp
expect_probe timeout udp 10.9.0.2 5353
expect_probe ok tcp 10.9.0.2 8081
ctl_ok tm del noudp2
# The whole IPv6 range first does not touch IPv4; IPv4's whole range does.
ctl_ok tm add allv6 action block dst ::/0 position 0
expect_probe ok udp 10.9.0.2 5353
ctl_ok tm add allv4 action block dst 0.0.0.0/0
expect_probe timeout udp 10.9.0.2 5353
expect_probe timeout tcp 10.9.0.2 8081
[ "$(hits allv6)" = 0 ] || fail "an IPv6 filter matched IPv4 traffic"
[ "$(tlsictl -j tm show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3003 ] ||
	fail "expected 3003 filters"
ctl_ok tm flush
expect_probe ok tcp 10.9.0.2 8080
expect_probe ok udp 10.9.0.2 5353
