#!/bin/bash
# Configuration files: `tlsictl -f FILE' applies a whole configuration, only
# what differs, all or nothing; `-c -f' only checks; `save' prints the
# running configuration so that `save | -f -' changes nothing and a fresh
# instance (another network namespace) made from it saves the same lines.
# A file whose 40th line is wrong (a bad value, or one the kernel refuses
# after the lines before it took effect) changes nothing and names line 40.
# Reloading between two configurations under traffic drops no flow that
# both allow, and keeps what both have (hit counters, positions).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

W=$(mktemp -d /tmp/63-config.XXXXXX)
on_exit rm -rf "$W"
topo_up

cat >"$W/full.conf" <<'CONF'
# tlsi configuration: every table
config set max-flows 50000 flow-full bypass timeout-udp 45 \
	timeout-tcp-established 2h
rules config quarantine on timeout 30m depth 65536
profile add office rep-block 80 rep-alert 50
profile add lab inspect-depth 1m ssl-no-daemon block
ssl-proxy add web ports 443,8443 service http block-invalid \
	description "the web proxy"       # quoted, with blanks
ssl-proxy add mail ports 993 service imap
segment add lan profile office ports eth0 eth1
tm add no-9000 action block reset proto tcp dport 9000
tm add dns action rate-limit rate 1000 proto udp dport 53
tm add trusted action trust src 10.9.0.0/24 proto tcp dport 7000-7010
tm add office-only action block profile office proto tcp dport 9100
bypass add backup src 10.1.2.0/24 proto tcp dport 873
bypass add ntp proto udp dport 123
reputation add 198.51.100.0/24 score 90 category scanner
reputation add 203.0.113.5/32 score 100 category c2
quarantine add 10.9.0.77 reason "known bad"
ssl-policy add office-web profile office proxy web never-decrypt 10.0.0.0/8
ssl-policy add lab-mail profile lab proxy mail disabled
CONF
cat >"$W/local.rules" <<'RULES'
alert http any any -> any any (msg:"LOCAL cfg test"; http.uri; content:"/cfg-test"; sid:9100001; rev:1;)
RULES
echo "rules load --var HOME_NET=[10.9.0.0/24] $W/local.rules" >>"$W/full.conf"

# -c: checks, applies nothing
out=$(tlsictl -c -f "$W/full.conf") || fail "-c -f full.conf: $out"
echo "$out" | grep -q 'no errors' || fail "-c output: $out"
[ -z "$(tlsictl profile show)" ] || fail "-c changed the profiles"
[ -z "$(tlsictl tm show)" ] || fail "-c changed the TM filters"
tlsictl rules show | grep -q '^no IPS rules loaded' || fail "-c loaded rules"
pass "-c -f: checked, nothing applied"

out=$(tlsictl -f "$W/full.conf") || fail "-f full.conf: $out"
echo "$out" | grep -q 'applied: 16 added, 2 changed, 0 removed' || fail "-f output: $out"
echo "$out" | grep -q 'loaded into tlsi.ko: 1 rules' || fail "-f: rules not loaded: $out"
tlsictl rules var | grep -q '^HOME_NET .*10.9.0.0/24' || fail "rules load --var in the file: $(tlsictl rules var)"
tlsictl save >"$W/s1"
cat "$W/s1"
for want in 'profile add office rep-block 80 rep-alert 50' \
	'segment add lan profile office ports eth0 eth1' \
	'tm add no-9000 action block reset proto tcp dport 9000' \
	'description "the web proxy"' \
	'quarantine add 10.9.0.77 reason "known bad"' \
	'ssl-policy add lab-mail profile lab proxy mail disabled' \
	'config set max-flows 50000 flow-full bypass' \
	'rules config quarantine on timeout 1800 depth 65536'; do
	grep -qF -- "$want" "$W/s1" || fail "save lacks '$want'"
done
[ "$(grep -c '^tm add' "$W/s1")" = 4 ] || fail "save: not 4 TM filters"
tlsictl tm show | head -1 | grep -q '^no-9000 ' || fail "TM order not the file's"
pass "-f full.conf applied, save prints every table"

# The TM filter no-9000 works, and counts a hit that a reload keeps.
# (python under TCG on a loaded host: up within minutes, not 10 s)
spawn s python3 -c "$_PY_TCP_SERVER" 9000 "hello
"
wait_port s 9000 tcp 120
expect_probe refused tcp 10.9.0.2 9000
hits() { tlsictl tm show | awk -v n="$1" '$1 == n { for (i = 1; i < NF; i++) if ($i == "hits") print $(i + 1) }'; }
h1=$(hits no-9000)
[ "$h1" -gt 0 ] || fail "no-9000 has no hits"

# save | -f -: nothing to do, nothing touched
out=$(tlsictl save | tlsictl -f -) || fail "save | -f -: $out"
echo "$out" | grep -q 'applied: 0 added, 0 changed, 0 removed' || fail "save | -f -: $out"
tlsictl save >"$W/s1b"
diff -u "$W/s1" "$W/s1b" || fail "save | -f - changed the configuration"
# and the hand-written file again: the same (keyword order, defaults)
out=$(tlsictl -f "$W/full.conf") || fail "-f full.conf again: $out"
echo "$out" | grep -q 'applied: 0 added, 0 changed, 0 removed' || fail "-f again: $out"
echo "$out" | grep -q 'unchanged: tlsi.ko runs this image already' || fail "-f again reloaded the rules: $out"
assert_eq "$(hits no-9000)" "$h1" "no-9000 hits after reapplying"
pass "save | -f - and reapplying change nothing (hits kept: $h1)"

# A fresh instance: another namespace with its own bridge, made from the
# saved file, saves the same lines.
NS_F=tlsi-f-$$
ip netns add "$NS_F"
on_exit ip netns del "$NS_F"
ip -n "$NS_F" link add eth0 type veth peer name eth1
ip -n "$NS_F" link add br0 type bridge
ip -n "$NS_F" link set eth0 master br0
ip -n "$NS_F" link set eth1 master br0
ip netns exec "$NS_F" "$TLSICTL" -f - <"$W/s1" >/dev/null || fail "-f s1 in a fresh namespace"
ip netns exec "$NS_F" "$TLSICTL" save >"$W/s2"
diff -u "$W/s1" "$W/s2" || fail "save, apply to a fresh instance, save: differs"
pass "save -> fresh instance -> save: no difference"

# Line 40 wrong: a value (caught before anything is sent) ...
mkbad() {
	{
		echo "# line 1"
		echo "config set max-flows 60000"
		echo "rules config quarantine off"
		echo "profile add office rep-block 10"	# changed
		echo "profile add new1"
		echo "ssl-proxy add web ports 443,8443 service http block-invalid description \"the web proxy\""
		echo "ssl-proxy add mail ports 993 service imap"
		echo "segment add lan profile office ports eth0 eth1"
		echo "tm add dns action rate-limit rate 1000 proto udp dport 53"	# moved
		echo "tm add no-9000 action block reset proto tcp dport 9000"
		# no-9000's position changes, `trusted' and `office-only' are gone
		for i in $(seq 11 38); do echo "tm add t$i action block proto tcp dport $((20000 + i))"; done
		echo "reputation add 198.51.100.0/24 score 20"
		echo "$1"
		echo "ssl-policy add office-web profile office proxy web"
	} >"$W/bad.conf"
	[ "$(sed -n 40p "$W/bad.conf")" = "$1" ] || fail "mkbad: line 40 is not the bad one"
}
mkbad 'reputation add 203.0.113.5 score 101'
out=$(tlsictl -f "$W/bad.conf" 2>&1) && fail "-f bad.conf (score 101) succeeded"
echo "$out" | grep -q 'bad.conf:40: reputation add: score' || fail "line 40 not named: $out"
tlsictl save >"$W/s3"
diff -u "$W/s1" "$W/s3" || fail "a bad value on line 40 changed the configuration"
out=$(tlsictl -c -f "$W/bad.conf" 2>&1) && fail "-c -f bad.conf succeeded"
echo "$out" | grep -q 'bad.conf:40:' || fail "-c: line 40 not named: $out"
pass "bad value on line 40: $out"

# ... and one the kernel refuses after the lines before it took effect
# (profiles changed, TM filters removed, moved and added): rolled back.
mkbad 'segment add lan2 profile ghost ports eth0 eth1'
tlsictl -c -f "$W/bad.conf" >/dev/null || fail "-c -f: the refused line should pass the check"
out=$(tlsictl -f "$W/bad.conf" 2>&1) && fail "-f bad.conf (profile ghost) succeeded"
echo "$out" | grep -q 'bad.conf:40: segment add: kernel refused' || fail "line 40 not named: $out"
echo "$out" | grep -q 'nothing applied' || fail "no rollback message: $out"
tlsictl save >"$W/s4"
diff -u "$W/s1" "$W/s4" || fail "a refused line 40 left changes behind"
tlsictl tm show | head -1 | grep -q '^no-9000 ' || fail "TM order not restored"
pass "kernel refusal on line 40 rolled back: $(echo "$out" | head -1)"

# Reload under traffic: configurations A and B share the segment and a TM
# permit for TCP 8080, and differ in other objects (added and removed each
# time). A long-lived connection and a stream of new ones on 8080 see no
# failure over several reloads.
cat >"$W/a.conf" <<'CONF'
profile add office rep-block 80
profile add spare
segment add lan profile office ports eth0 eth1
tm add no-9000 action block reset proto tcp dport 9000
tm add web action permit proto tcp dport 8080
tm add a-only action block proto tcp dport 9200
reputation add 198.51.100.0/24 score 90
CONF
cat >"$W/b.conf" <<'CONF'
profile add office rep-block 70 rep-alert 40
segment add lan profile office ports eth0 eth1
tm add b-first action block proto udp dport 9300
tm add web action permit proto tcp dport 8080
tm add no-9000 action block reset proto tcp dport 9000
bypass add b-only proto udp dport 123
reputation add 192.0.2.0/24 score 95 category b
quarantine add 10.9.0.99
CONF
ctl_ok -f "$W/a.conf"
spawn s python3 -c '
import socket, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(128)
def serve(c):
    try:
        while True:
            d = c.recv(4096)
            if not d:
                break
            c.sendall(d)
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'
wait_port s 8080 tcp 120
# The traffic runs until $W/stop exists; any failed or reset connection
# is written to $W/traffic.err. 20 s per exchange is generous for TCG.
ip netns exec "$NS_C" python3 -c '
import os, socket, sys, threading, time
stop, err = sys.argv[1], sys.argv[2]
fails, counts = [], {"long": 0, "short": 0}
def long_lived():
    s = socket.create_connection(("10.9.0.2", 8080), timeout=20)
    i = 0
    while not os.path.exists(stop):
        m = b"ping %d\n" % i
        s.sendall(m)
        got = b""
        while len(got) < len(m):
            d = s.recv(4096)
            if not d:
                raise OSError("closed by peer")
            got += d
        if got != m:
            raise OSError("echo mismatch")
        counts["long"] += 1
        i += 1
        time.sleep(0.05)
def short():
    while not os.path.exists(stop):
        with socket.create_connection(("10.9.0.2", 8080), timeout=20) as s:
            s.sendall(b"x\n")
            if s.recv(16) != b"x\n":
                raise OSError("short: bad echo")
        counts["short"] += 1
def run(f):
    try:
        f()
    except Exception as e:
        fails.append("%s: %r" % (f.__name__, e))
ts = [threading.Thread(target=run, args=(f,)) for f in (long_lived, short)]
for t in ts: t.start()
for t in ts: t.join()
with open(err, "w") as f:
    f.write("".join(x + "\n" for x in fails))
    f.write("counts %d %d\n" % (counts["long"], counts["short"]))
' "$W/stop" "$W/traffic.err" &
TRAFFIC=$!
on_exit "touch $W/stop; kill $TRAFFIC 2>/dev/null || true"
web_hit() { [ -n "$(tlsictl tm show | awk '$1 == "web" && / hits [1-9]/')" ]; }
wait_until $T_REACT web_hit || fail "no traffic through the web permit: $(tlsictl tm show)"
for round in 1 2 3; do
	out=$(tlsictl -f "$W/b.conf") || fail "reload to B ($round): $out"
	echo "$out" | grep -q ' 0 removed' && fail "B removed nothing: $out"
	tlsictl tm show | awk '{ print $1 }' | tr '\n' ' ' | grep -q '^b-first web no-9000 $' ||
		fail "B's TM order: $(tlsictl tm show)"
	sleep 1
	out=$(tlsictl -f "$W/a.conf") || fail "reload to A ($round): $out"
	tlsictl tm show | awk '{ print $1 }' | tr '\n' ' ' | grep -q '^no-9000 web a-only $' ||
		fail "A's TM order: $(tlsictl tm show)"
	sleep 1
done
touch "$W/stop"
wait "$TRAFFIC" || true
cat "$W/traffic.err"
[ "$(grep -vc '^counts' "$W/traffic.err")" = 0 ] || fail "flows failed across reloads"
read -r _ nlong nshort <<<"$(grep '^counts' "$W/traffic.err")"
[ "$nlong" -gt 0 ] && [ "$nshort" -gt 0 ] || fail "no traffic measured"
expect_probe refused tcp 10.9.0.2 9000
pass "6 reloads under traffic: $nlong echoes on one connection, $nshort connections, none failed"
