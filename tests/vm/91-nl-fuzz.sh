#!/bin/bash
# The genetlink fuzzer (tests/vm/tools/nlfuzz.c): for NLFUZZ_TIME seconds
# (default 25), random, truncated and wrong-typed attributes, attributes of
# other commands and unknown ones, for every command, from a seed that is
# printed (NLFUZZ_SEED= replays it). Then the module must still work: a
# configuration round-trip through tlsictl in the fuzzed namespace and
# traffic through the bridge. vm-run.sh fails the test on any splat in the
# kernel log, and unloads the module afterwards. "make fuzz-netlink" runs
# this for longer.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

NLFUZZ=${TLSI_REPO:-.}/tests/vm/tools/nlfuzz
[ -x "$NLFUZZ" ] || fail "$NLFUZZ is not built (make all)"

tlsi_basic
config_before=$(tlsictl -j config show)

out=$(ip netns exec "$NS_A" "$NLFUZZ" -t "${NLFUZZ_TIME:-25}" ${NLFUZZ_SEED:+-s "$NLFUZZ_SEED"} 2>&1) ||
	fail "nlfuzz failed: $out"
echo "$out"
sent=$(echo "$out" | sed -n 's/^nlfuzz: \([0-9]*\) messages.*/\1/p')
named=$(echo "$out" | sed -n 's/.* \([0-9]*\) refused as not taken by the command$/\1/p')
[ "${sent:-0}" -ge 1000 ] || fail "only ${sent:-0} messages in ${NLFUZZ_TIME:-25} s"
[ "${named:-0}" -ge 1 ] || fail "no request refused for an attribute its command does not take"
pass "fuzzed: $sent messages, $named refused by name"

# Undo what the fuzzer configured (it may have created, changed or removed
# anything), then the round-trip.
names() { tlsictl -j "$@" | python3 -c 'import json, sys; print(" ".join(o["name"] for o in json.load(sys.stdin)))'; }
ctl_ok tm flush
ctl_ok bypass flush
ctl_ok reputation flush
ctl_ok quarantine flush
tlsictl -j ssl-policy show | python3 -c '
import json, sys
for o in json.load(sys.stdin):
    print(o["name"], o["profile"])' | while read -r n p; do ctl_ok ssl-policy del "$n" profile "$p"; done
for n in $(names ssl-proxy show); do ctl_ok ssl-proxy del "$n"; done
for n in $(names segment show); do ctl_ok segment del "$n"; done
for n in $(names profile show); do ctl_ok profile del "$n"; done
restore=$(echo "$config_before" | python3 -c '
import json, sys
c = json.load(sys.stdin)
print(" ".join("%s %s" % (k.replace("_", "-"), v) for k, v in c.items()
                if not (k == "divert_mark" and v == 0)))')
# shellcheck disable=SC2086
ctl_ok config set $restore
assert_eq "$(tlsictl -j config show)" "$config_before" "configuration restored after fuzzing"

ctl_ok profile add p1
ctl_ok segment add seg1 profile p1 ports eth0 eth1
ctl_ok tm add rt action block proto tcp dport 8081
ctl_ok reputation add 10.77.0.0/16 score 90 category fuzz
assert_eq "$(names profile show)" "p1" "profiles"
assert_eq "$(names segment show)" "seg1" "segments"
assert_eq "$(names tm show)" "rt" "TM filters"
tlsictl reputation show | grep -q "10.77.0.0/16" || fail "reputation entry missing"
expect_probe ok tcp 10.9.0.2 8080
expect_probe timeout tcp 10.9.0.2 8081
ctl_ok tm del rt
expect_probe ok tcp 10.9.0.2 8081
pass "the module works after fuzzing"
