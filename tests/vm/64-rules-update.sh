#!/bin/bash
# tlsictl rules update against a local HTTP server serving ET Open as
# rules.emergingthreats.net does (a tarball and its .md5): the selection
# files (enable, disable, drop, modify.conf) shape what is loaded; an
# unchanged source is not downloaded again; a checksum mismatch, a
# truncated tarball, a rule with a syntax error and a bad selection file
# each fail the update, and the rules loaded before stay loaded (same
# build id, same output file).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

topo_up
ET=${TLSI_ET_OPEN:-build/et-open}
[ -f "$ET/emerging-games.rules" ] || fail "ET Open not found in $ET"
W=$(mktemp -d /tmp/64-rules-update.XXXXXX)
on_exit rm -rf "$W"
mkdir -p "$W/www" "$W/conf" "$W/v1/rules" "$W/v2/rules"

# v1: ET Open with a local file of rules tlsi supports, to check the
# selection on; v2: v1 and one more rule.
cp "$ET"/*.rules "$ET/classification.config" "$ET/LICENSE" "$W/v1/rules/"
cat >"$W/v1/rules/tlsi-local.rules" <<'RULES'
alert http any any -> any any (msg:"LOCAL disable me"; http.uri; content:"/one"; sid:9000001; rev:1;)
alert http any any -> any any (msg:"LOCAL drop me"; http.uri; content:"/two"; sid:9000002; rev:1;)
alert http any any -> any any (msg:"LOCAL modify me"; http.uri; content:"/three"; sid:9000003; rev:1;)
#alert http any any -> any any (msg:"LOCAL enable me"; http.uri; content:"/five"; sid:9000005; rev:1;)
alert http any any -> any any (msg:"LOCAL unchanged"; http.uri; content:"/six"; sid:9000006; rev:1;)
RULES
cp -r "$W/v1/rules" "$W/v2/"
echo 'alert http any any -> any any (msg:"LOCAL new in v2"; http.uri; content:"/ten"; sid:9000010; rev:1;)' \
	>>"$W/v2/rules/tlsi-local.rules"
tar -C "$W/v1" -czf "$W/v1.tar.gz" rules
tar -C "$W/v2" -czf "$W/v2.tar.gz" rules
# serve NAME: the tarball as emerging.rules.tar.gz with its MD5 (or MD5)
serve() {
	cp "$W/$1" "$W/www/emerging.rules.tar.gz"
	if [ -n "${2:-}" ]; then
		echo "$2" >"$W/www/emerging.rules.tar.gz.md5"
	else
		md5sum "$W/www/emerging.rules.tar.gz" | cut -d' ' -f1 >"$W/www/emerging.rules.tar.gz.md5"
	fi
}
serve v1.tar.gz
spawn a python3 -m http.server 8765 --bind 127.0.0.1 --directory "$W/www" 2>"$W/http.log"
wait_port a 8765 tcp 120	# python under TCG on a loaded host

cat >"$W/conf/disable.conf" <<'CONF'
# suricata-update's formats: a sid, a group (the rule file), gid:sid
9000001
group:emerging-games.rules
1:9000006
CONF
printf '%s\n' '# enable wins over disable' 're:LOCAL enable' '9000006' >"$W/conf/enable.conf"
printf '%s\n' '9000002' >"$W/conf/drop.conf"
printf '%s\n' '9000003 "msg:\"LOCAL modify me\"" "msg:\"LOCAL modified\""' \
	're:content:"/six" "rev:(\d+);" "rev:\1; metadata:tlsi_test \1;"' >"$W/conf/modify.conf"

URL=http://127.0.0.1:8765/emerging.rules.tar.gz
update() {
	tlsictl rules update --url "$URL" --cache "$W/cache" --output "$W/out" \
		--conf-dir "$W/conf" "$@"
}
build_id() { tlsictl rules show | sed -n 's/.*build-id \(0x[0-9a-f]*\).*/\1/p'; }
has_sid() { tlsictl rules show all sid "$1" >/dev/null 2>&1; }

# ---- success ----------------------------------------------------------------
out=$(update 2>&1) || fail "update: $out"
echo "$out"
echo "$out" | grep -q "downloaded (md5 [0-9a-f]*, matches)" || fail "no checksum check: $out"
echo "$out" | grep -Eq "loaded into tlsi.ko: [0-9]+ rules" || fail "not loaded: $out"
B1=$(build_id)
[ -n "$B1" ] || fail "no build id after the update"
[ -s "$W/out/tlsi.rules" ] && [ -s "$W/out/classification.config" ] || fail "no output files"
has_sid 9000001 && fail "sid 9000001 (disable.conf) loaded"
has_sid 9000005 || fail "sid 9000005 (enable.conf re:) not loaded"
has_sid 9000006 || fail "sid 9000006 (disabled, then enabled) not loaded"
tlsictl rules show all sid 9000002 | grep -q "action drop" || fail "sid 9000002 not drop: $(tlsictl rules show all sid 9000002)"
tlsictl rules show all sid 9000003 | grep -q 'msg "LOCAL modified"' || fail "sid 9000003 not modified"
grep -q 'sid:9000006; rev:1; metadata:tlsi_test 1;' "$W/out/tlsi.rules" || fail "modify.conf \\1 not applied"
games=$(tlsictl -j rules show all | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for r in d["list"] if r["msg"].startswith("ET GAMES")), len(d["list"]))')
set -- $games
[ "$1" = 0 ] || fail "$1 ET GAMES rules loaded (group:emerging-games.rules disabled)"
[ "$2" -gt 10000 ] || fail "only $2 rules loaded from ET Open"
cp "$W/out/tlsi.rules" "$W/out1.rules"
pass "update loaded $2 rules, build id $B1; enable/disable/drop/modify.conf applied"

# ---- unchanged: the cached copy, not downloaded again ----------------------
out=$(update --no-load 2>&1) || fail "second update: $out"
echo "$out" | grep -q "unchanged (md5" || fail "not recognised as unchanged: $out"
assert_eq "$(grep -c 'GET /emerging.rules.tar.gz ' "$W/http.log")" 1 "tarball downloads"
cp "$W/out/tlsi.rules" "$W/out1.rules"	# written again (--no-load writes)
pass "unchanged source: only its .md5 fetched"

# refused: assert the rules stay and the output file too
unchanged() {
	assert_eq "$(build_id)" "$B1" "build id after a failed update ($1)"
	cmp -s "$W/out/tlsi.rules" "$W/out1.rules" || fail "$1 changed $W/out/tlsi.rules"
	[ ! -e "$W/out/tlsi.rules.new" ] || fail "$1 left tlsi.rules.new"
	has_sid 9000010 && fail "$1: sid 9000010 loaded"
	return 0
}

# ---- checksum mismatch --------------------------------------------------------
serve v2.tar.gz 0123456789abcdef0123456789abcdef
out=$(update 2>&1) && fail "update with a wrong checksum succeeded: $out"
echo "$out" | grep -q "checksum mismatch" || fail "no checksum message: $out"
unchanged "checksum mismatch"
pass "checksum mismatch refused: $(echo "$out" | grep mismatch)"

# ---- truncated tarball (its own checksum matches: tar finds it) ----------------
head -c $(($(stat -c %s "$W/v2.tar.gz") / 2)) "$W/v2.tar.gz" >"$W/trunc.tar.gz"
serve trunc.tar.gz
out=$(update 2>&1) && fail "update with a truncated tarball succeeded: $out"
echo "$out" | grep -q "cannot unpack" || fail "no unpack message: $out"
unchanged "truncated tarball"
pass "truncated tarball refused"

# ---- a rule that does not compile --------------------------------------------
mkdir -p "$W/v3"
cp -r "$W/v2/rules" "$W/v3/"
echo 'alert http any any -> any any (msg:"LOCAL broken"; content:"/x; sid:9000011; rev:1;)' \
	>>"$W/v3/rules/tlsi-local.rules"
tar -C "$W/v3" -czf "$W/v3.tar.gz" rules
serve v3.tar.gz
out=$(update 2>&1) && fail "update with a broken rule succeeded: $out"
echo "$out" | grep -q "tlsi-local.rules: sid 9000011: syntax error" || fail "broken rule not named: $out"
unchanged "syntax error"
pass "rule with a syntax error refused: $(echo "$out" | grep 9000011)"

# ---- a bad selection file ------------------------------------------------------
serve v2.tar.gz
cp "$W/conf/modify.conf" "$W/modify.good"
echo '9000003 "unterminated' >>"$W/conf/modify.conf"
out=$(update 2>&1) && fail "update with a bad modify.conf succeeded: $out"
echo "$out" | grep -q "modify.conf:3: expected 9000003" || fail "bad line not named: $out"
unchanged "bad modify.conf"
cp "$W/modify.good" "$W/conf/modify.conf"
pass "bad modify.conf refused: $out"

# ---- and v2 goes in --------------------------------------------------------------
out=$(update 2>&1) || fail "update to v2: $out"
has_sid 9000010 || fail "v2's sid 9000010 not loaded"
[ "$(build_id)" != "$B1" ] || fail "build id unchanged after v2"
has_sid 9000001 && fail "v2: disable.conf not applied"
pass "v2 loaded, build id $(build_id)"
