#!/bin/bash
# IPS rules in the kernel: load (a local rule file and all of ET Open), show,
# stats, variables and settings; corrupt images and hostile requests are
# refused with a message naming what is wrong, and the rules loaded before
# stay active.
#
#   appliance namespace only: tlsictl rules ... (the relay's use of the rules
#   is 18-ips-tls.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

topo_up
NL="python3 ${TLSI_REPO:-.}/tests/vm/tools/nlraw.py"
W=/tmp/ips-rules.$$
mkdir -p "$W"
on_exit "rm -rf $W"
ET=${TLSI_ET_OPEN:-build/et-open}

cat >"$W/local.rules" <<'EOF'
# tlsi VM test rules
alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"TLSI TEST evil uri"; flow:established,to_server; http.uri; content:"/evil"; classtype:web-application-attack; sid:9000001; rev:2;)
drop http any any -> any any (msg:"TLSI TEST drop cmd.exe"; flow:to_server; http.uri; content:"cmd.exe"; nocase; classtype:attempted-admin; sid:9000002; rev:1;)
alert tcp any any -> any $HTTP_PORTS (msg:"TLSI TEST raw marker"; content:"XYZZY-MARKER"; sid:9000003; rev:1; metadata:tlsi_quarantine 30;)
alert http any any -> any any (msg:"TLSI TEST threshold"; http.user_agent; content:"tlsi-probe"; threshold:type limit, track by_src, count 1, seconds 60; sid:9000004; rev:1;)
reject http any any -> any any (msg:"TLSI TEST pcre refused"; http.uri; content:"/x"; pcre:"/(x)\1y/"; sid:9000005; rev:1;)
EOF

# ---- load a local file ------------------------------------------------------
out=$(tlsictl rules load "$W/local.rules")
echo "$out" | grep -q "5 rules: 4 loaded" || fail "load summary: $out"
echo "$out" | grep -q "pcre: backreference" || fail "no reason for the refused pcre: $out"
echo "$out" | grep -Eq "loaded into tlsi.ko: 4 rules, image [0-9]+ bytes, build id 0x[0-9a-f]{8}" ||
	fail "load result: $out"
pass "local rules loaded: $(echo "$out" | tail -n 1)"
show=$(tlsictl rules show)
echo "$show" | grep -Eq "^rules 4 image-bytes [0-9]+ build-id 0x[0-9a-f]{8} loaded [0-9T:-]+Z pcre exact vars-changed 0$" ||
	fail "rules show: $show"
build_local=$(echo "$show" | sed -n 's/.*build-id \(0x[0-9a-f]*\).*/\1/p')
# all rules, JSON: every sid with its counters
tlsictl -j rules show all | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["loaded"] and d["rules"] == 4, d
sids = sorted(r["sid"] for r in d["list"])
assert sids == [9000001, 9000002, 9000003, 9000004], sids
r = [r for r in d["list"] if r["sid"] == 9000002][0]
assert r["action"] == "drop" and r["rev"] == 1 and r["msg"] == "TLSI TEST drop cmd.exe", r
assert r["classtype"] == "attempted-admin" and r["hits"] == 0 and r["alerts"] == 0, r
' || fail "rules show all -j"
pass "rules show all -j lists the 4 rules"
assert_eq "$(tlsictl rules show sid 9000003 | tail -n 1 | cut -d" " -f1-4)" "sid 9000003 rev 1" "rules show sid"
ctl_fail 1 "no rule with sid 1234" rules show sid 1234
stats=$(tlsictl -j rules stats)
echo "$stats" | python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin if l.strip()]
s, c = objs
assert s["rules"] == 4 and s["memory"] > 0 and s["scratch_bytes_per_cpu"] > 80000, s
assert s["session_bytes"] > 20000 and s["quarantine"] == "off" and s["timeout"] == 3600, s
assert c["ips_rule_loads"] == 1 and "ips_alerts" in c and "ips_flows_inspected" in c, c
' || fail "rules stats -j: $stats"
pass "rules stats: $(tlsictl rules stats | head -n 1)"

# ---- variables ------------------------------------------------------------------
tlsictl rules var | grep -q '^HOME_NET kind address value \[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12\]$' ||
	fail "rules var: $(tlsictl rules var | head)"
out=$(tlsictl rules var HOME_NET '[10.9.0.0/24,192.0.2.0/24]')
echo "$out" | grep -q '^HOME_NET value \[10.9.0.0/24,192.0.2.0/24\]$' || fail "var set: $out"
echo "$out" | grep -q '^EXTERNAL_NET value \[!10.9.0.0/24,!192.0.2.0/24\] follows HOME_NET$' ||
	fail "EXTERNAL_NET follows: $out"
echo "$out" | grep -q '^HTTP_SERVERS value .* follows HOME_NET$' || fail "HTTP_SERVERS follows: $out"
pass "HOME_NET changed, derived variables followed: $(echo "$out" | wc -l) variables"
tlsictl rules var | grep -q '^EXTERNAL_NET kind address value \[!10.9.0.0/24,!192.0.2.0/24\]$' ||
	fail "EXTERNAL_NET after: $(tlsictl rules var | grep EXTERNAL)"
# an explicitly set EXTERNAL_NET no longer follows
tlsictl rules var EXTERNAL_NET any >/dev/null
out=$(tlsictl rules var HOME_NET 10.9.0.0/24)
echo "$out" | grep -q EXTERNAL_NET && fail "EXTERNAL_NET followed after being set: $out"
tlsictl rules var HTTP_PORTS '[80,443,8080:8090]' | grep -q '^HTTP_PORTS value \[80,443,8080:8090\]$' ||
	fail "HTTP_PORTS"
tlsictl rules show | grep -q "build-id $build_local .*vars-changed [1-9]" ||
	fail "after var changes: $(tlsictl rules show | head -n 1)"
ctl_fail 2 "no variable .NOPE_NET" rules var NOPE_NET 10.0.0.0/8
ctl_fail 2 "bad address|NOT_AN_ADDRESS" rules var HOME_NET NOT_AN_ADDRESS
ctl_fail 2 "NAME VALUE pairs" rules var HOME_NET
pass "variables"

# ---- settings ---------------------------------------------------------------------
ctl_ok rules config quarantine on timeout 10m depth 1048576
assert_eq "$(tlsictl rules config)" "quarantine on timeout 600 depth 1048576 body-depth 0 trace off trace-bytes 1048576 trace-buffer 4194304 trace-used 0 trace-records 0" "rules config"
ctl_ok rules config quarantine off depth 0
ctl_fail 2 "on or off" rules config quarantine maybe
ctl_fail 2 "nothing to set|unknown keyword" rules config frobnicate 1

# ---- all of ET Open ------------------------------------------------------------------
if [ -d "$ET" ]; then
	t0=$SECONDS
	# the default: pcre compiled to regex programs the kernel validates
	out=$(tlsictl rules load "$ET"/*.rules)
	n=$(echo "$out" | sed -n 's/^loaded into tlsi.ko: \([0-9]*\) rules.*/\1/p')
	[ -n "$n" ] && [ "$n" -gt 23000 ] || fail "ET load: $out"
	pass "ET Open, pcre exact: $n rules loaded in $((SECONDS - t0)) s: $(echo "$out" | tail -n 1)"
	tlsictl rules show | grep -q "^rules $n .* pcre exact vars-changed 0$" ||
		fail "ET show: $(tlsictl rules show | head -n 1)"
	t0=$SECONDS
	tlsictl -j rules show all |
		python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["list"]) == d["rules"]' ||
		fail "ET rules listed"
	pass "ET rules listed in $((SECONDS - t0)) s"
	t0=$SECONDS
	tlsictl rules compile "$ET"/*.rules -o "$W/et.img" >/dev/null
	pass "ET compiled in $((SECONDS - t0)) s"
	good="$W/et.img"
else
	echo "skip: no ET Open at $ET"
	tlsictl rules compile "$W/local.rules" -o "$W/local.img" >/dev/null
	tlsictl rules load --image "$W/local.img" >/dev/null
	good="$W/local.img"
fi
tlsictl rules compile "$W/local.rules" -o "$W/local.img" >/dev/null
live=$(tlsictl rules show | head -n 1)
live_id=$(echo "$live" | sed -n 's/.*build-id \(0x[0-9a-f]*\).*/\1/p')

# ---- corrupt images: refused with the reason, the live rules stay ----------------
# corrupt IN OUT KIND: truncate | flip (CRC not fixed) | flipfix (CRC fixed) |
# nrules (huge count, CRC fixed) | magic | version | total (header size too big)
corrupt() {
	python3 - "$@" <<'EOF'
import struct, sys, zlib
src, dst, kind = sys.argv[1:4]
img = bytearray(open(src, "rb").read())
def fixcrc():
    img[12:16] = b"\0\0\0\0"
    img[12:16] = struct.pack("<I", zlib.crc32(bytes(img)) & 0xffffffff)
if kind == "truncate":
    img = img[: len(img) // 2]
elif kind == "flip":
    img[len(img) // 2] ^= 0x10
elif kind == "flipfix":
    # the first rule record: its action byte
    off = struct.unpack_from("<I", img, 48 + 2 * 8)[0]
    img[off + 12] = 0x77
    fixcrc()
elif kind == "nrules":
    struct.pack_into("<I", img, 16, 0x7fffffff)
    fixcrc()
elif kind == "magic":
    img[0:4] = b"XXXX"
elif kind == "version":
    struct.pack_into("<H", img, 4, 99)
elif kind == "total":
    struct.pack_into("<I", img, 8, 300 << 20)
elif kind == "sect":
    # RULES section pointing past the end
    struct.pack_into("<I", img, 48 + 2 * 8, len(img) + 64)
    fixcrc()
open(dst, "wb").write(img)
EOF
}
still_live() {
	assert_eq "$(tlsictl rules show | head -n 1)" "$live" "live rules after a refused load"
}
corrupt "$W/local.img" "$W/bad.img" truncate
ctl_fail 1 "incomplete|truncated|says [0-9]+ bytes" rules load --image "$W/bad.img"
still_live
corrupt "$W/local.img" "$W/bad.img" flip
ctl_fail 1 "checksum mismatch" rules load --image "$W/bad.img"
still_live
corrupt "$W/local.img" "$W/bad.img" flipfix
ctl_fail 1 "rule image refused: rule 0 \(sid [0-9]+\).*action" rules load --image "$W/bad.img"
still_live
corrupt "$W/local.img" "$W/bad.img" nrules
ctl_fail 1 "rule image refused: header says 2147483647 rules" rules load --image "$W/bad.img"
corrupt "$W/local.img" "$W/bad.img" magic
ctl_fail 1 "not a tlsi rule image \(bad magic" rules load --image "$W/bad.img"
corrupt "$W/local.img" "$W/bad.img" version
ctl_fail 1 "version 99" rules load --image "$W/bad.img"
corrupt "$W/local.img" "$W/bad.img" total
ctl_fail 1 "header says 314572800 bytes" rules load --image "$W/bad.img"
corrupt "$W/local.img" "$W/bad.img" sect
ctl_fail 1 "section RULES .* outside the image" rules load --image "$W/bad.img"
head -c 100 "$W/local.img" >"$W/short.img"
ctl_fail 1 "shorter than the image header" rules load --image "$W/short.img"
still_live

# 500 random corruptions with the checksum fixed, loaded over one netlink
# socket (tools/nlraw.py): each refused with the validator's reason or
# loaded, never a splat (vm-run checks the kernel log).
t0=$SECONDS
out=$(ip netns exec "$NS_A" python3 - "$W/local.img" "${TLSI_REPO:-.}/tests/vm/tools" <<'EOF'
import random, socket, struct, sys, zlib
sys.path.insert(0, sys.argv[2])
import nlraw
E = nlraw.uapi_enums()
base = open(sys.argv[1], "rb").read()
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, nlraw.NETLINK_GENERIC)
s.setsockopt(nlraw.SOL_NETLINK, nlraw.NETLINK_EXT_ACK, 1)
s.bind((0, 0))
fam = nlraw.family_id(s)
rnd = random.Random(4711)
u32 = lambda t, v: nlraw.attr(E[t], struct.pack("I", v))
refused = accepted = 0
for i in range(500):
    img = bytearray(base)
    for _ in range(rnd.randint(1, 8)):
        p = rnd.randrange(16, len(img))
        if rnd.random() < 0.5:
            img[p] ^= 1 << rnd.randrange(8)
        else:
            img[p] = rnd.choice([0, 0xff, 0x7f, 0x80, rnd.randrange(256)])
    img[12:16] = b"\0\0\0\0"
    img[12:16] = struct.pack("<I", zlib.crc32(bytes(img)) & 0xffffffff)
    batch = 1000 + i
    err, msg = nlraw.request(s, fam, E["TLSI_CMD_RULES_LOAD"], u32("TLSI_A_BATCH", batch) +
                             u32("TLSI_A_RULES_OFFSET", 0) +
                             nlraw.attr(E["TLSI_A_RULES_DATA"], bytes(img)), 2 * i + 10)
    if not err:
        err, msg = nlraw.request(s, fam, E["TLSI_CMD_RULES_COMMIT"], u32("TLSI_A_BATCH", batch),
                                 2 * i + 11)
    if not err:
        accepted += 1
    elif msg.startswith("rule image refused: ") or "image" in msg:
        refused += 1
    else:
        print("corruption %d: error %d: %s" % (i, -err, msg))
        sys.exit(1)
print("%d refused, %d loaded" % (refused, accepted))
EOF
) || fail "random corruptions: $out"
pass "random corruptions: $out ($((SECONDS - t0)) s)"
t0=$SECONDS
ctl_ok rules load --image "$good"
pass "good image loaded again in $((SECONDS - t0)) s"
if [ -d "$ET" ]; then
	tlsictl rules show | grep -Eq "^rules 2[0-9]{4} .* pcre exact vars-changed 0$" ||
		fail "ET image show: $(tlsictl rules show | head -n 1)"
fi
live=$(tlsictl rules show | head -n 1)
assert_eq "$(echo "$live" | sed -n 's/.*build-id \(0x[0-9a-f]*\).*/\1/p')" "$live_id" "good image back"

# ---- hostile requests ---------------------------------------------------------------
nl_fail() {
	local pat=$1 out
	shift
	out=$(ip netns exec "$NS_A" $NL "$@") && fail "accepted: $*"
	echo "$out" | grep -Eq -- "$pat" || fail "nlraw $*: '$out' does not match '$pat'"
	pass "refused: $out"
}
nl_ok() {
	local out
	out=$(ip netns exec "$NS_A" $NL "$@") || fail "refused: $* ($out)"
}
# the image header (struct tlsi_img_hdr: its size is at offset 6)
H=$(python3 -c 'import struct,sys; print(struct.unpack_from("<H", open(sys.argv[1], "rb").read(), 6)[0])' "$W/local.img")
hdr=$(head -c "$H" "$W/local.img" | od -An -tx1 -v | tr -d ' \n')
size=$(stat -c %s "$W/local.img")
nl_fail "unknown batch 77" TLSI_CMD_RULES_COMMIT TLSI_A_BATCH:u32:77
nl_fail "unknown batch 77" TLSI_CMD_RULES_ABORT TLSI_A_BATCH:u32:77
nl_fail "error 22|Missing|missing" TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:5 TLSI_A_RULES_OFFSET:u32:0
nl_fail "empty rule image chunk" TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:5 TLSI_A_RULES_OFFSET:u32:0 TLSI_A_RULES_DATA:hex:
nl_fail "offset $H, expected 0" TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:5 TLSI_A_RULES_OFFSET:u32:$H TLSI_A_RULES_DATA:hex:00
nl_fail "shorter than the image header" TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:5 TLSI_A_RULES_OFFSET:u32:0 TLSI_A_RULES_DATA:hex:544c5231
nl_fail "bad magic" TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:5 TLSI_A_RULES_OFFSET:u32:0 TLSI_A_RULES_DATA:hex:00${hdr:2}
nl_fail "error 34|range|Invalid|error 22" TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:5 TLSI_A_RULES_OFFSET:u32:0 \
	TLSI_A_RULES_DATA:hex:$(python3 -c 'print("00" * 65100)')
nl_fail "error 22|Missing|missing" TLSI_CMD_RULES_COMMIT
# out of order: a good first chunk, then a gap; the batch is discarded
cat >"$W/ooo.batch" <<EOF
TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:9 TLSI_A_RULES_OFFSET:u32:0 TLSI_A_RULES_DATA:hex:$hdr
TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:9 TLSI_A_RULES_OFFSET:u32:1000 TLSI_A_RULES_DATA:hex:00
EOF
out=$(ip netns exec "$NS_A" $NL --batch "$W/ooo.batch") && fail "out of order accepted"
echo "$out" | grep -q "line 2: error 22: rule image chunk at offset 1000, expected $H" || fail "out of order: $out"
pass "out of order: $out"
nl_fail "unknown batch 9" TLSI_CMD_RULES_COMMIT TLSI_A_BATCH:u32:9
# commit before the whole image is there
cat >"$W/part.batch" <<EOF
TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:10 TLSI_A_RULES_OFFSET:u32:0 TLSI_A_RULES_DATA:hex:$hdr
TLSI_CMD_RULES_COMMIT TLSI_A_BATCH:u32:10
EOF
out=$(ip netns exec "$NS_A" $NL --batch "$W/part.batch") && fail "partial commit accepted"
echo "$out" | grep -q "rule image incomplete: $H of $size bytes staged" || fail "partial: $out"
pass "partial image: $out"
# a chunk past the header's size
cat >"$W/past.batch" <<EOF
TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:11 TLSI_A_RULES_OFFSET:u32:0 TLSI_A_RULES_DATA:hex:$hdr
TLSI_CMD_RULES_LOAD TLSI_A_BATCH:u32:11 TLSI_A_RULES_OFFSET:u32:$H TLSI_A_RULES_DATA:hex:$(python3 -c "print('00' * $size)")
EOF
out=$(ip netns exec "$NS_A" $NL --batch "$W/past.batch") && fail "chunk past the end accepted"
echo "$out" | grep -q "runs past the image's $size bytes" || fail "past: $out"
pass "past the end: $out"
# variables
item_v4() { # [neg] a b c d plen: a struct tlsi_img_addr in hex
	python3 -c 'import struct,sys; a=[int(x) for x in sys.argv[1:]]; print(struct.pack("<BBHI10sBB4B", a[0], a[5], 0, 0, bytes(10), 255, 255, *a[1:5]).hex())' "$@"
}
v10=$(item_v4 0 10 0 0 0 104)
nest() { python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
from nlraw import attr, uapi_enums
enums = uapi_enums()
name, kind, items = sys.argv[2], int(sys.argv[3]), bytes.fromhex(sys.argv[4])
one = attr(enums["TLSI_A_NAME"], name.encode() + b"\0") + attr(enums["TLSI_A_VAR_KIND"], bytes([kind])) + \
    attr(enums["TLSI_A_VAR_ITEMS"], items)
print(attr(enums["TLSI_A_RULES_VAR"] | 0x8000, one).hex())
' "${TLSI_REPO:-.}/tests/vm/tools" "$@"; }
nl_fail "no variable NOPE" TLSI_CMD_RULES_VAR_SET TLSI_A_RULES_VARS:nest:$(nest NOPE 1 "$v10")
nl_fail "holds addresses, not ports" TLSI_CMD_RULES_VAR_SET TLSI_A_RULES_VARS:nest:$(nest HOME_NET 2 00000000)
nl_fail "not 0..2048 items of 24 bytes" TLSI_CMD_RULES_VAR_SET TLSI_A_RULES_VARS:nest:$(nest HOME_NET 1 "${v10}00")
nl_fail "no variables, reserved bits zero" TLSI_CMD_RULES_VAR_SET TLSI_A_RULES_VARS:nest:$(nest HOME_NET 1 "02${v10:2}")
nl_fail "prefix length 200 > 128" TLSI_CMD_RULES_VAR_SET TLSI_A_RULES_VARS:nest:$(nest HOME_NET 1 "$(item_v4 0 10 0 0 0 200)")
nl_fail "port range 90:80 reversed" TLSI_CMD_RULES_VAR_SET TLSI_A_RULES_VARS:nest:$(nest HTTP_PORTS 2 "$(python3 -c 'import struct; print(struct.pack("<BBHHHI", 0, 0, 90, 80, 0, 0).hex())')")
nl_fail "given twice" TLSI_CMD_RULES_VAR_SET TLSI_A_RULES_VARS:nest:$(nest HOME_NET 1 "$v10")$(nest HOME_NET 1 "$v10")
nl_fail "error" TLSI_CMD_RULES_VAR_SET TLSI_A_RULES_VARS:nest:$(nest HOME_NET 3 "$v10")
nl_fail "error" TLSI_CMD_IPS_SET TLSI_A_IPS_QUARANTINE:u8:2
nl_fail "no IPS setting" TLSI_CMD_IPS_SET
assert_eq "$(tlsictl rules show | head -n 1)" "$live" "live rules after hostile requests"
# a well-formed VAR_SET through the raw interface works
nl_ok TLSI_CMD_RULES_VAR_SET TLSI_A_RULES_VARS:nest:$(nest HOME_NET 1 "$v10")
tlsictl rules var | grep -q '^HOME_NET kind address value 10.0.0.0/8$' || fail "raw var set"

# unprivileged: neither reading (the rule set may be licensed) nor changing
unpriv() { ip netns exec "$NS_A" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$TLSICTL" "$@"; }
out=$(unpriv rules show 2>&1) && fail "unprivileged rules show succeeded"
echo "$out" | grep -Eqi "permitted|permission" || fail "unprivileged show: $out"
out=$(unpriv rules load --image "$W/local.img" 2>&1) && fail "unprivileged load succeeded"
echo "$out" | grep -Eqi "permitted|permission" || fail "unprivileged load: $out"
out=$(unpriv rules flush 2>&1) && fail "unprivileged flush succeeded"
pass "unprivileged: refused"

# ---- flush --------------------------------------------------------------------------
ctl_ok rules flush
assert_eq "$(tlsictl rules show)" "no IPS rules loaded" "after flush"
tlsictl -j rules show | grep -q '"loaded":false' || fail "-j after flush"
ctl_fail 1 "no IPS rules loaded" rules var HOME_NET 10.0.0.0/8
ctl_ok rules flush
