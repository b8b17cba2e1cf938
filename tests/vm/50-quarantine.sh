#!/bin/bash
# Quarantine: a quarantined host is cut off in both directions until it is
# released or its timeout expires; an event announces it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
tcp_server_in c 9090
monitor_start /tmp/quar-events.$$

# A timeout far beyond how long the checks take on a loaded TCG machine
# (12 s once expired between two probes); expiry is tested on its own below.
ctl_ok quarantine add 10.9.0.1 timeout 600 reason "infected laptop"
expect_probe timeout tcp 10.9.0.2 8080
got=$(probe_from s tcp 10.9.0.1 9090)
assert_eq "$got" timeout "server to quarantined client"
tlsictl -j quarantine show | python3 -c '
import json, sys
q = json.load(sys.stdin)
assert len(q) == 1 and q[0]["host"].startswith("10.9.0.1"), q
assert 0 < q[0]["timeout"] <= 600 and q[0]["reason"] == "infected laptop", q
assert q[0]["hits"] >= 2, q
' || fail "quarantine show: $(tlsictl -j quarantine show)"

# Expiry: after the timeout the host is released by itself.
ctl_ok quarantine add 10.9.0.1 timeout 3 reason "infected laptop"
quarantine_empty() { [ "$(tlsictl -j quarantine show)" = "[]" ]; }
wait_until $T_REACT quarantine_empty ||
	fail "quarantine did not expire"
expect_probe ok tcp 10.9.0.2 8080
[ "$(counter quarantine_expired)" -ge 1 ] || fail "quarantine_expired did not count"
assert_eq "$(tlsictl -j quarantine show)" "[]" "quarantine after expiry"

python3 - /tmp/quar-events.$$ <<'PY' || fail "events: $(cat /tmp/quar-events.$$)"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
q = [e for e in ev if e["type"] == "quarantine"]
b = [e for e in ev if e["type"] == "block" and e["table"] == "quarantine"]
assert q and q[0]["src"] == "10.9.0.1" and q[0]["reason"] == "infected laptop", ev
assert q[0]["timeout"] == 600, q
assert b, ev
PY
pass "quarantine events"

# Without timeout it stays until deleted; networks are refused.
ctl_ok quarantine add 10.9.0.1
sleep 2	# not a wait: longer than nothing, the entry must still be there
expect_probe timeout tcp 10.9.0.2 8080
ctl_fail 1 'hosts, not networks' quarantine add 10.9.0.0/24
ctl_ok quarantine del 10.9.0.1
expect_probe ok tcp 10.9.0.2 8080
ctl_fail 1 'not quarantined' quarantine del 10.9.0.1
