#!/bin/bash
# Locked profiles and SSL policies, and atomic profile changes.
# - `locked on' makes a profile or an SSL policy refuse changes and deletion
#   unless tlsictl runs with --unlock; the kernel enforces it, so a raw
#   netlink request without the UNLOCK attribute is refused too.
# - `tlsictl -f' refuses a file that changes or drops a locked object,
#   naming the line, and changes nothing; with --unlock it applies it;
#   `save' prints `locked on' and a reapplied saved file changes nothing.
# - A profile's settings change all at once: while a profile is flipped
#   thousands of times between "block at 50, never alert" and "never
#   block, alert at 50", every flow towards a host of score 80 was either
#   blocked or alerted on: reputation_hits = reputation_block +
#   reputation_alert (a decision that read one threshold of each setting
#   would do neither).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

W=$(mktemp -d /tmp/65-locked.XXXXXX)
on_exit rm -rf "$W"
NL="python3 $TLSI_REPO/tests/vm/tools/nlraw.py"
nl_fail() {
	local pat=$1 out
	shift
	out=$(ip netns exec "$NS_A" $NL "$@") && fail "accepted: $*"
	echo "$out" | grep -Eq -- "$pat" || fail "nlraw $*: '$out' does not match '$pat'"
	pass "refused: $out"
}
nl_ok() {
	local out
	out=$(ip netns exec "$NS_A" $NL "$@") || fail "nlraw $*: $out"
}
profile_line() { tlsictl profile show | grep "^$1 "; }

tlsi_basic

# ---- locked profiles ------------------------------------------------------------
ctl_ok profile set p1 rep-block 70 locked on
profile_line p1 | grep -q " rep-block 70 .* locked on " || fail "profile show: $(profile_line p1)"
assert_eq "$(tlsictl -j profile show | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["locked"])')" 1 "JSON locked"
ctl_fail 1 'profile "p1" is locked: changing or deleting it needs --unlock' profile set p1 rep-block 60
ctl_fail 1 'profile "p1" is locked' profile set p1 locked off
ctl_fail 1 'profile "p1" is locked' profile del p1
profile_line p1 | grep -q " rep-block 70 .* locked on " || fail "a refused set changed p1: $(profile_line p1)"
ctl_ok --unlock profile set p1 rep-block 60
profile_line p1 | grep -q " rep-block 60 .* locked on " || fail "--unlock set: $(profile_line p1)"
pass "a locked profile: refused without --unlock, changed with it (still locked)"

# The kernel enforces it: requests tlsictl would not send.
nl_fail 'profile "p1" is locked' TLSI_CMD_PROFILE_SET TLSI_A_NAME:str:p1 TLSI_A_REP_BLOCK_THRESHOLD:u8:40
nl_fail 'profile "p1" is locked' TLSI_CMD_PROFILE_SET TLSI_A_NAME:str:p1 TLSI_A_LOCKED:u8:0
nl_fail 'profile "p1" is locked' TLSI_CMD_PROFILE_DEL TLSI_A_NAME:str:p1
nl_fail 'out of range|UNLOCK' TLSI_CMD_PROFILE_SET TLSI_A_NAME:str:p1 TLSI_A_REP_BLOCK_THRESHOLD:u8:40 TLSI_A_UNLOCK:u8:0
nl_fail 'attribute UNLOCK is not taken' TLSI_CMD_PROFILE_NEW TLSI_A_NAME:str:px TLSI_A_UNLOCK:u8:1
profile_line p1 | grep -q " rep-block 60 .* locked on " || fail "a refused raw request changed p1: $(profile_line p1)"
nl_ok TLSI_CMD_PROFILE_SET TLSI_A_NAME:str:p1 TLSI_A_REP_BLOCK_THRESHOLD:u8:40 TLSI_A_UNLOCK:u8:1
profile_line p1 | grep -q " rep-block 40 .* locked on " || fail "raw set with UNLOCK: $(profile_line p1)"
pass "raw netlink: refused without UNLOCK, accepted with it"

# Deleting: a locked, unused profile.
ctl_ok profile add p2 locked on
ctl_fail 1 'profile "p2" is locked' profile del p2
ctl_ok --unlock profile del p2
[ -z "$(tlsictl profile show | grep '^p2 ')" ] || fail "p2 still there"
# Unlocking, then ordinary changes.
ctl_ok --unlock profile set p1 locked off
ctl_ok profile set p1 rep-block off
profile_line p1 | grep -q " rep-block off .* locked off " || fail "unlocked: $(profile_line p1)"
pass "locked profile deleted with --unlock; unlocked profile changes freely"

# ---- locked SSL policies -------------------------------------------------------
ctl_ok ssl-proxy add web ports 443
ctl_ok ssl-policy add pol profile p1 proxy web locked on
tlsictl ssl-policy show | grep -q "^pol .* locked on" || fail "ssl-policy show: $(tlsictl ssl-policy show)"
ctl_fail 1 'SSL policy "pol" is locked' ssl-policy set pol profile p1 disabled
ctl_fail 1 'SSL policy "pol" is locked' ssl-policy del pol profile p1
nl_fail 'SSL policy "pol" is locked' TLSI_CMD_SSL_POLICY_DEL TLSI_A_NAME:str:pol TLSI_A_PROFILE:str:p1
tlsictl ssl-policy show | grep -q "^pol .* state enabled" || fail "a refused set changed pol: $(tlsictl ssl-policy show)"
ctl_ok --unlock ssl-policy set pol profile p1 disabled
tlsictl ssl-policy show | grep -q "^pol .* state disabled .*locked on" || fail "--unlock set: $(tlsictl ssl-policy show)"
ctl_ok --unlock ssl-policy del pol profile p1
[ -z "$(tlsictl ssl-policy show)" ] || fail "pol still there"
pass "a locked SSL policy: refused without --unlock, changed and deleted with it"

# ---- configuration files ------------------------------------------------------------
cat >"$W/a.conf" <<'CONF'
profile add p1 rep-block 80 locked on
profile add p3 rep-alert 30
ssl-proxy add web ports 443
segment add seg1 profile p1 ports eth0 eth1
ssl-policy add pol profile p1 proxy web locked on
CONF
out=$(tlsictl -f "$W/a.conf") || fail "-f a.conf: $out"
echo "$out" | grep -q 'applied: 2 added, 1 changed, 0 removed' || fail "-f a.conf: $out"
tlsictl save >"$W/saved.conf"
grep -q '^profile add p1 .*locked on' "$W/saved.conf" || fail "save: $(cat "$W/saved.conf")"
grep -q '^ssl-policy add pol .*locked on' "$W/saved.conf" || fail "save: $(cat "$W/saved.conf")"
out=$(tlsictl -f "$W/saved.conf") || fail "-f saved.conf: $out"
echo "$out" | grep -q 'applied: 0 added, 0 changed, 0 removed' || fail "reapplied save: $out"
out=$(tlsictl -f "$W/a.conf") || fail "-f a.conf again: $out"
echo "$out" | grep -q 'applied: 0 added, 0 changed, 0 removed' || fail "reapplied a.conf: $out"
pass "save prints locked; a reapplied file changes nothing"

# A change of the locked profile on line 2, after a change of an unlocked
# one on line 1: refused before anything runs, naming line 2.
cat >"$W/b.conf" <<'CONF'
profile add p3 rep-alert 20
profile add p1 rep-block 70 locked on
ssl-proxy add web ports 443
segment add seg1 profile p1 ports eth0 eth1
ssl-policy add pol profile p1 proxy web locked on
CONF
before=$(tlsictl save)
out=$(tlsictl -f "$W/b.conf" 2>&1) && fail "-f b.conf accepted: $out"
echo "$out" | grep -q "b.conf:2: profile p1 is locked: changing it needs --unlock" || fail "-f b.conf: $out"
echo "$out" | grep -q "nothing applied" || fail "-f b.conf: $out"
assert_eq "$(tlsictl save)" "$before" "running configuration after a refused -f"
# A locked SSL policy the file drops.
grep -v '^ssl-policy' "$W/a.conf" >"$W/c.conf"
out=$(tlsictl -f "$W/c.conf" 2>&1) && fail "-f c.conf accepted: $out"
echo "$out" | grep -q "c.conf: ssl-policy pol (profile p1) is locked: removing it needs --unlock" || fail "-f c.conf: $out"
assert_eq "$(tlsictl save)" "$before" "running configuration after a refused -f"
pass "-f: a change to a locked object refused, naming the line; nothing changed"

out=$(tlsictl --unlock -f "$W/b.conf") || fail "--unlock -f b.conf: $out"
echo "$out" | grep -q 'applied: 0 added, 2 changed, 0 removed' || fail "--unlock -f b.conf: $out"
profile_line p1 | grep -q " rep-block 70 .* locked on " || fail "after --unlock -f: $(profile_line p1)"
out=$(tlsictl --unlock -f "$W/c.conf") || fail "--unlock -f c.conf: $out"
echo "$out" | grep -q '0 removed' && fail "--unlock -f c.conf removed nothing: $out"
[ -z "$(tlsictl ssl-policy show)" ] || fail "pol still there"
pass "--unlock -f: the locked objects changed and removed"

# ---- a profile flipped under traffic --------------------------------------------
ctl_ok --unlock profile set p1 rep-block 50 rep-alert off locked off
ctl_ok reputation add 10.9.0.2/32 score 80 category flip
FLIPS=4000
python3 - "$W/flips" "$FLIPS" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
a = "TLSI_CMD_PROFILE_SET TLSI_A_NAME:str:p1 TLSI_A_REP_BLOCK_THRESHOLD:u8:101 TLSI_A_REP_ALERT_THRESHOLD:u8:50"
b = "TLSI_CMD_PROFILE_SET TLSI_A_NAME:str:p1 TLSI_A_REP_BLOCK_THRESHOLD:u8:50 TLSI_A_REP_ALERT_THRESHOLD:u8:101"
with open(path, "w") as f:
    for i in range(n):
        f.write((a if i % 2 == 0 else b) + "\n")
PY
# UDP datagrams to 10.9.0.2 from 64 sockets in turn, until the flips end:
# every profile change reclassifies each of those flows at its next datagram.
cat >"$W/send.py" <<'PY'
import os, socket, sys
stop, ready = sys.argv[1], sys.argv[2]
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(64)]
for s in socks:
    s.setblocking(False)
n = 0
while not os.path.exists(stop):
    if n == 64:
        open(ready, "w").close()  # every flow exists: the flips may start
    try:
        socks[n % 64].sendto(b"x", ("10.9.0.2", 5353))
    except OSError:
        pass
    n += 1
print(n)
PY
ip netns exec "$NS_C" python3 "$W/send.py" "$W/stop" "$W/ready" >"$W/sent" 2>&1 &
sender=$!
_sender_ready() { [ -e "$W/ready" ] || ! kill -0 "$sender" 2>/dev/null; }
wait_until $T_START _sender_ready || fail "the sender did not start"
[ -e "$W/ready" ] || fail "sender: $(cat "$W/sent")"
stats_snapshot
# Batches of flips while the datagrams flow, until enough decisions were
# made during them (how many a batch sees depends on the machine's load).
for round in 1 2 3 4 5; do
	out=$(ip netns exec "$NS_A" $NL --batch "$W/flips") || { touch "$W/stop"; fail "flips: $out"; }
	[ "$(delta reputation_hits)" -ge 200 ] && break
done
touch "$W/stop"
wait "$sender" || fail "sender: $(cat "$W/sent")"
echo "$out ($round batches); $(cat "$W/sent") datagrams sent"
hits=$(delta reputation_hits)
blocks=$(delta reputation_block)
alerts=$(delta reputation_alert)
echo "decisions: $hits reputation hits, $blocks blocks, $alerts alerts"
[ "$blocks" -gt 0 ] && [ "$alerts" -gt 0 ] || fail "not both settings seen: $blocks blocks, $alerts alerts"
[ "$hits" -ge 200 ] || fail "only $hits decisions during $round batches of $FLIPS flips"
assert_eq "$hits" "$((blocks + alerts))" "reputation hits = blocks + alerts (a torn read does neither)"
pass "$((round * FLIPS)) profile changes under traffic: every one of $hits decisions saw one whole setting"

