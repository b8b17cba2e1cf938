#!/bin/bash
# Traffic-management filters: block (with and without a TCP reset) for TCP,
# UDP and ICMP, ordering by position, rate limiting in packets per second.
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
