#!/bin/bash
# Table order (the guide's filter precedence): inspection bypass, traffic
# management, reputation, quarantine; the first verdict wins, bypass and
# TM trust skip every later table.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic

# Quarantine the client: TCP, UDP and ICMP all blocked.
ctl_ok quarantine add 10.9.0.1 reason "test host"
stats_snapshot
expect_probe timeout tcp 10.9.0.2 8080
expect_probe timeout udp 10.9.0.2 5353
expect_fail ping_ok 10.9.0.2
assert_delta quarantine_hits 3
[ "$(delta drop_quarantine)" -ge 3 ] || fail "drop_quarantine did not count the drops"

# A bypass rule for TCP 8080 from the client: passes, never reaches
# quarantine (its hits do not move for this flow).
ctl_ok bypass add web src 10.9.0.1 proto tcp dport 8080
stats_snapshot
expect_probe ok tcp 10.9.0.2 8080
assert_delta bypass_hits 1
assert_delta quarantine_hits 0
expect_probe timeout tcp 10.9.0.2 8081

# TM trust beats quarantine: a trusted, quarantined host passes.
ctl_ok tm add dns action trust src 10.9.0.1 proto udp dport 5353
stats_snapshot
expect_probe ok udp 10.9.0.2 5353
assert_delta tm_trust 1
assert_delta quarantine_hits 0

# Bypass beats a TM block of the same traffic.
ctl_ok tm add block8080 action block proto tcp dport 8080 position 0
expect_probe ok tcp 10.9.0.2 8080
ctl_ok bypass del web
expect_probe timeout tcp 10.9.0.2 8080

# TM permit does not skip later tables: quarantine still blocks.
ctl_ok tm del block8080
ctl_ok tm add allow8080 action permit proto tcp dport 8080
stats_snapshot
expect_probe timeout tcp 10.9.0.2 8080
# Every decision that TM permitted went on to quarantine, which dropped it:
# one per flow, two when a loaded host delays the probe past the dropped
# flow's SYN timeout and its retransmitted SYN is decided again.
[ "$(delta tm_permit)" -ge 1 ] && [ "$(delta tm_permit)" = "$(delta quarantine_hits)" ] ||
	fail "tm_permit $(delta tm_permit), quarantine_hits $(delta quarantine_hits)"
pass "TM permit, then quarantine: $(delta tm_permit) decision(s), each dropped"

# Rule hits are per rule.
tlsictl -j tm show | python3 -c '
import json, sys
rules = {r["name"]: r for r in json.load(sys.stdin)}
assert rules["dns"]["hits"] >= 1, rules
assert rules["allow8080"]["hits"] >= 1, rules
' || fail "tm show hits"

ctl_ok quarantine del 10.9.0.1
expect_probe ok tcp 10.9.0.2 8080
expect_ok ping_ok 10.9.0.2
