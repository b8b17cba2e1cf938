#!/bin/bash
# Who may see and change what (Documentation/kernel-module.md,
# "Permissions"), tried as an unprivileged local user (nobody) would:
#   - the event stream (IPS alerts carry URLs, hosts and SNI of decrypted
#     sessions) and every table, rule and setting are for CAP_NET_ADMIN;
#     counters are public (tlsictl stats, /proc/net/tlsi/stats);
#   - by default an unprivileged user cannot configure tlsi from a user and
#     network namespace of its own; with the module parameter
#     userns_admin=1 it can, and what it makes the kernel hold is charged to
#     its memory cgroup (a reputation load grows the cgroup's memory, which
#     comes back when the namespace is gone).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

W=/tmp/perm.$$
mkdir -p "$W"
chmod 755 "$W"
on_exit "rm -rf $W"

tlsi_basic
ctl_ok tm add web action permit proto tcp dport 80
ctl_ok quarantine add 10.9.0.77 reason infected
ctl_ok ssl-proxy add web ports 443
ctl_ok ssl-policy add outbound profile p1 proxy web

# as_nobody ARGS: run in the appliance namespace as uid/gid 65534, no groups.
as_nobody() {
	in_a setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}
TCTL=$TLSICTL

# ---- reads: refused, but counters are public ---------------------------
for cmd in "tm show" "quarantine show" "reputation show" "profile show" "segment show" \
	"bypass show" "ssl-policy show" "ssl-proxy show" "config show" "rules show" \
	"rules config"; do
	# shellcheck disable=SC2086
	if out=$(as_nobody "$TCTL" $cmd 2>&1); then
		fail "nobody ran 'tlsictl $cmd': $out"
	fi
	echo "$out" | grep -qi "not permitted" || fail "tlsictl $cmd as nobody: '$out'"
	pass "nobody: tlsictl $cmd refused: $out"
done
out=$(as_nobody "$TCTL" stats) || fail "nobody: tlsictl stats: $out"
echo "$out" | grep -q "packets" || fail "nobody: tlsictl stats printed: $out"
pass "nobody reads the counters"
as_nobody cat /proc/net/tlsi/stats | grep -q '^packets ' || fail "nobody cannot read /proc/net/tlsi/stats"
# Changes are refused too (and change nothing).
if out=$(as_nobody "$TCTL" quarantine del 10.9.0.77 2>&1); then
	fail "nobody deleted a quarantine entry"
fi
tlsictl quarantine show | grep -q 10.9.0.77 || fail "the quarantine entry is gone"
pass "nobody: quarantine del refused: $out"

# ---- events: nobody cannot join the group; root can --------------------
if out=$(as_nobody timeout 20 "$TCTL" monitor 2>&1); then
	fail "nobody's monitor ran: $out"
fi
echo "$out" | grep -q "cannot join the events group: Operation not permitted" ||
	fail "nobody's monitor: '$out'"
pass "nobody: monitor refused: $out"
monitor_start "$W/events"
ctl_ok tm add blk action block proto tcp dport 8081
expect_probe timeout tcp 10.9.0.2 8081
wait_until $T_REACT grep -q '"rule":"blk"' "$W/events" || fail "root's monitor got no event: $(cat "$W/events")"
pass "root's monitor receives events"

# ---- a user namespace of one's own: refused by default -------------------
userns() { setpriv --reuid=65534 --regid=65534 --clear-groups -- unshare -Urn "$@"; }
out=$(userns sh -c "$TCTL profile add mine 2>&1") && fail "userns profile add worked by default: $out"
echo "$out" | grep -qi "not permitted" || fail "userns profile add: '$out'"
pass "unprivileged user namespace refused by default: $out"

# ---- userns_admin=1: allowed, and charged to the user's memory cgroup ---
rmmod "$TLSI_MODULE_NAME"
insmod "$TLSI_MODULE" userns_admin=1
on_exit "rmmod $TLSI_MODULE_NAME 2>/dev/null; insmod $TLSI_MODULE 2>/dev/null || true"
out=$(userns sh -c "$TCTL profile add mine && $TCTL profile show" 2>&1) ||
	fail "userns_admin=1: userns profile add failed: $out"
echo "$out" | grep -q '^mine ' || fail "userns_admin=1: $out"
pass "userns_admin=1: an unprivileged user namespace configures its own tlsi"

CG=$W/cg
mkdir -p "$CG"
mount -t cgroup2 none "$CG"
on_exit "umount $CG 2>/dev/null || true"
echo +memory >"$CG/cgroup.subtree_control"
mkdir "$CG/user"
on_exit "rmdir $CG/user 2>/dev/null || true"
python3 -c '
for i in range(100000):
    print("10.%d.%d.0/24 50 feed" % (i // 256 % 256, i % 256) if i < 65536 else
          "11.%d.%d.0/24 50 feed" % ((i - 65536) // 256, (i - 65536) % 256))
' >"$W/feed.txt"
chmod 644 "$W/feed.txt"
# in_cg SCRIPT: run SCRIPT (sh) as nobody in its own user+net namespace,
# inside the cgroup.
in_cg() {
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG/user" \
		setpriv --reuid=65534 --regid=65534 --clear-groups -- unshare -Urn sh -c "$1"
}
# The namespace alone (tlsi's per-namespace state included), then with
# 100,000 reputation entries loaded in it.
base=$(in_cg "sleep 1; cat $CG/user/memory.current")
out=$(in_cg "$TCTL reputation load $W/feed.txt && sleep 1 && cat $CG/user/memory.current" 2>&1) ||
	fail "userns reputation load: $out"
after=$(echo "$out" | tail -n 1)
grown=$(( (after - base) / 1024 ))
# About 100 bytes an entry: several MiB, charged to the user.
[ "$grown" -gt 4096 ] || fail "the cgroup grew by $grown KiB for 100,000 reputation entries"
pass "100,000 reputation entries charged $grown KiB to the user's cgroup"
# The namespace is gone (its process exited): the memory comes back.
wait_until $T_REACT sh -c "[ \$(cat $CG/user/memory.current) -lt $((base + 1024 * 1024)) ]" ||
	fail "the memory was not returned: $(cat "$CG/user/memory.current") (namespace alone: $base)"
pass "the memory came back with the namespace"
