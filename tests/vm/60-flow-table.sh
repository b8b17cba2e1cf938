#!/bin/bash
# Flow table limits: when full, new flows are dropped (default, fail closed)
# or passed untracked (flow-full bypass); both counted. Timeouts free slots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
ctl_ok config set max-flows 3 timeout-tcp-close 60 timeout-udp 60
tlsictl -j config show | python3 -c '
import json, sys
c = json.load(sys.stdin)
c = c[0] if isinstance(c, list) else c
assert c["max_flows"] == 3 and c["flow_full"] == "drop", c
' || fail "config show: $(tlsictl -j config show)"

stats_snapshot
expect_probe ok tcp 10.9.0.2 8080
expect_probe ok tcp 10.9.0.2 8081
expect_probe ok udp 10.9.0.2 5353
assert_eq "$(counter flows_current)" 3 "flows_current"
expect_probe timeout tcp 10.9.0.2 8080
[ "$(delta drop_flow_table_full)" -ge 1 ] || fail "drop_flow_table_full did not count"
assert_eq "$(counter flows_peak)" 3 "flows_peak"

# Bypass when full: passes, untracked, counted.
ctl_ok config set flow-full bypass
stats_snapshot
expect_probe ok tcp 10.9.0.2 8080
[ "$(delta flow_full_bypassed)" -ge 1 ] || fail "flow_full_bypassed did not count"
assert_eq "$(counter flows_current)" 3 "flows_current while bypassing"

# Closed flows time out and free their slots; new timeouts apply to live flows.
ctl_ok config set flow-full drop timeout-tcp-close 1 timeout-udp 1
wait_until $T_REACT bash -c "[ \$(ip netns exec $NS_A awk '\$1 == \"flows_current\" { print \$2 }' /proc/net/tlsi/stats) -eq 0 ]" ||
	fail "flows did not expire: $(counter flows_current)"
# A flow that lives long enough to be seen in the debugfs dump.
ctl_ok config set timeout-tcp-close 60
expect_probe ok tcp 10.9.0.2 8080
[ "$(counter flows_expired)" -ge 3 ] || fail "flows_expired: $(counter flows_expired)"
found=$(cat /sys/kernel/debug/tlsi/*/flows 2>/dev/null | grep '10.9.0.2:8080' || true)
[ -n "$found" ] || fail "no debugfs flow dump shows the flow"
echo "$found" | head -n 2

# Bad values are refused and change nothing.
ctl_fail 2 'max-flows' config set max-flows 0
ctl_fail 2 'flow-full|drop|bypass' config set flow-full maybe
tlsictl -j config show | python3 -c '
import json, sys
c = json.load(sys.stdin)
c = c[0] if isinstance(c, list) else c
assert c["max_flows"] == 3 and c["flow_full"] == "drop", c
' || fail "config changed by refused values"
