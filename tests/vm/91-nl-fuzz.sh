#!/bin/bash
# The genetlink fuzzer (tests/vm/tools/nlfuzz.c): for NLFUZZ_TIME seconds
# (default 25), random, truncated and wrong-typed attributes, attributes of
# other commands and unknown ones, for every command, from a seed that is
# printed (NLFUZZ_SEED= replays it). Then the module must still work: a
# configuration round-trip through tlsictl in the fuzzed namespace, an
# unload with the fuzzed state, and traffic through a reloaded module.
# vm-run.sh fails the test on any splat in the kernel log. "make
# fuzz-netlink" runs this for longer.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

NLFUZZ=${TLSI_REPO:-.}/tests/vm/tools/nlfuzz
[ -x "$NLFUZZ" ] || fail "$NLFUZZ is not built (make all)"

tlsi_basic

out=$(ip netns exec "$NS_A" "$NLFUZZ" -t "${NLFUZZ_TIME:-25}" ${NLFUZZ_SEED:+-s "$NLFUZZ_SEED"} 2>&1) ||
	fail "nlfuzz failed: $out"
echo "$out"
sent=$(echo "$out" | sed -n 's/^nlfuzz: \([0-9]*\) messages.*/\1/p')
named=$(echo "$out" | sed -n 's/.* \([0-9]*\) refused as not taken by the command$/\1/p')
[ "${sent:-0}" -ge 1000 ] || fail "only ${sent:-0} messages in ${NLFUZZ_TIME:-25} s"
[ "${named:-0}" -ge 1 ] || fail "no request refused for an attribute its command does not take"
pass "fuzzed: $sent messages, $named refused by name"

# The fuzzed namespace still answers, and a configuration round-trip works
# in it: names the fuzzer cannot have used.
names() { tlsictl -j "$@" | python3 -c 'import json, sys; print(" ".join(sorted(o["name"] for o in json.load(sys.stdin))))'; }
ctl_ok stats
ctl_ok config set max-flows 5000 flow-full drop timeout-udp 77 ssl-client off
tlsictl -j config show | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert (c["max_flows"], c["flow_full"], c["timeout_udp"], c["ssl_client"]) == (5000, "drop", 77, "off"), c' ||
	fail "config round-trip"
ctl_ok profile add rtprof
ctl_ok tm add rttm action block proto tcp dport 7777
ctl_ok reputation add 10.77.0.0/16 score 90 category rtcat
echo " $(names profile show) " | grep -q " rtprof " || fail "profile rtprof missing"
echo " $(names tm show) " | grep -q " rttm " || fail "TM filter rttm missing"
tlsictl reputation show | grep -q "10.77.0.0/16" || fail "reputation entry missing"
ctl_ok profile del rtprof
ctl_ok tm del rttm
ctl_ok reputation del 10.77.0.0/16
pass "configuration round-trip after fuzzing"

# Unloading with whatever the fuzzer left must work (vm-run checks the
# kernel log); a fresh module then forwards and filters.
ip netns exec "$NS_A" "$NLFUZZ" -s 1 -n 2000 >/dev/null || fail "nlfuzz -s 1 -n 2000"
rmmod "$TLSI_MODULE_NAME" || fail "rmmod after fuzzing"
insmod "$TLSI_MODULE"
ctl_ok profile add p1
ctl_ok segment add seg1 profile p1 ports eth0 eth1
ctl_ok tm add rt action block proto tcp dport 8081
expect_probe ok tcp 10.9.0.2 8080
expect_probe timeout tcp 10.9.0.2 8081
ctl_ok tm del rt
expect_probe ok tcp 10.9.0.2 8081
pass "the module works after fuzzing"
