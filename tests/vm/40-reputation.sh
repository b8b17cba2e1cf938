#!/bin/bash
# Reputation: longest-prefix entries with a score; the profile's block and
# alert thresholds decide; events name the entry; bulk loads are atomic.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
monitor_start /tmp/rep-events.$$
ctl_ok profile set p1 rep-block 80 rep-alert 50

# Entries do nothing below the alert threshold.
ctl_ok reputation add 10.9.0.0/24 score 40 category scanner
stats_snapshot
expect_probe ok tcp 10.9.0.2 8080
assert_delta reputation_hits 1
assert_delta reputation_alert 0

# Above the block threshold, for the most specific prefix.
ctl_ok reputation add 10.9.0.2/32 score 90 category botnet
stats_snapshot
expect_probe timeout tcp 10.9.0.2 8080
assert_delta reputation_block 1
out=$(tlsictl reputation show 10.9.0.2)
echo "$out" | grep -q '10.9.0.2/32' || fail "lookup of 10.9.0.2: $out"
out=$(tlsictl reputation show 10.9.0.7)
echo "$out" | grep -q '10.9.0.0/24' || fail "lookup of 10.9.0.7: $out"

# Between the thresholds: alert and pass.
ctl_ok reputation add 10.9.0.2/32 score 60 category botnet
stats_snapshot
expect_probe ok tcp 10.9.0.2 8080
assert_delta reputation_alert 1

# Lowering the block threshold blocks the same host.
ctl_ok profile set p1 rep-block 60
expect_probe timeout tcp 10.9.0.2 8080
ctl_ok profile set p1 rep-block off
expect_probe ok tcp 10.9.0.2 8080

# Events: a block and an alert, naming the table, score and category
# (events arrive asynchronously: checked until they are all there).
_rep_events() { python3 - /tmp/rep-events.$$ 2>/dev/null <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
blocks = [e for e in ev if e["type"] == "block" and e["table"] == "reputation"]
alerts = [e for e in ev if e["type"] == "alert" and e["table"] == "reputation"]
assert blocks and alerts, ev
b = blocks[0]
assert b["score"] == 90 and b["category"] == "botnet", b
assert b["dst"] == "10.9.0.2" and b["dport"] == 8080 and b["segment"] == "seg1", b
PY
}
wait_until $T_REACT _rep_events || fail "events: $(cat /tmp/rep-events.$$)"
pass "reputation events"

# Bulk load: a bad line refuses the whole file and changes nothing.
count() { tlsictl -j reputation show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
assert_eq "$(count)" 2 "entries before"
printf '# comment\n192.0.2.0/24 70 spam\n\n198.51.100.7 95 c2\n203.0.113.0/33 10 bad\n' >/tmp/rep-bad.$$
ctl_fail 2 "rep-bad.$$:5" reputation load /tmp/rep-bad.$$
assert_eq "$(count)" 2 "entries after a refused load"
printf '192.0.2.0/24 70 spam\n198.51.100.7 95 c2\n10.9.0.2/32 99 worm\n' >/tmp/rep-good.$$
ctl_ok reputation load /tmp/rep-good.$$
assert_eq "$(count)" 4 "entries after a merge load"
ctl_ok profile set p1 rep-block 80
expect_probe timeout tcp 10.9.0.2 8080
ctl_ok reputation load /tmp/rep-good.$$ replace
assert_eq "$(count)" 3 "entries after a replace load"
ctl_ok reputation del 10.9.0.2/32
expect_probe ok tcp 10.9.0.2 8080
ctl_fail 1 'no reputation entry' reputation del 10.9.0.2/32
ctl_ok reputation flush
assert_eq "$(count)" 0 "entries after flush"
