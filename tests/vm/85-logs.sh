#!/bin/bash
# The persistent logs: tlslogd writes every kernel event and every record of
# tlsid (sent with --events) as Suricata EVE JSON, one file per log type.
#   - each type reaches its file with the guide's fields: TM and IPS blocks
#     (block.json, with ssl_inspected false/true), reputation and IPS alerts
#     (alert.json), quarantine added/hit/expired (quarantine.json), SSL
#     inspection outcomes (ssl.json), system events: tlsid's certificate
#     expiry warning and the flow table's limit (system.json)
#   - `tlsictl log show' prints each, with the SSL column
#   - SIGHUP rotation during a stream of events loses nothing
#   - a full disk (a 64 KiB tmpfs) is counted per log and forwarding goes on
#   - a burst into a tiny receive buffer: raised = written + lost, and the
#     kernel and tlslogd both count the loss
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443, tlslogd] eth1 -- server 10.9.0.2
#                                                                           :443 site.test
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

TLSID=$TLSI_REPO/userspace/tlsid/tlsid
TLSLOGD=$TLSI_REPO/userspace/tlslogd/tlslogd
[ -x "$TLSID" ] && [ -x "$TLSLOGD" ] || fail "make userspace first"
W=/tmp/logs.$$
L=$W/logs
mkdir -p "$W"
on_exit "umount $W/full 2>/dev/null || true; rm -rf $W"
CERTS=$W
mkca testca "tlsi test CA"
mkca signca "tlsi test signing CA"	# 30 days: tlsid warns (< 30 days left)
mkleaf site site.test testca "ec -pkeyopt ec_paramgen_curve:P-256"
head -c 100K /dev/urandom >"$W/body.bin"

tlsi_basic
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0

# tlslogd [ARGS]: start it (in the appliance namespace) on $L, wait for its
# socket; LOGD_PID. stop_tlslogd: TERM, and wait.
start_tlslogd() {
	rm -f "$W/logd.sock"
	spawn a "$TLSLOGD" --foreground --dir "${LOGDIR:-$L}" --socket "$W/logd.sock" \
		--listen 127.0.0.1:9475 --web-dir "$TLSI_REPO/userspace/tlslogd/web" "$@" \
		>>"$W/tlslogd.out" 2>&1
	LOGD_PID=$!
	wait_until $T_START test -S "$W/logd.sock" || fail "tlslogd did not start: $(cat "$W/tlslogd.out")"
}
stop_tlslogd() {
	kill "$LOGD_PID"
	wait_until $T_REACT _logd_gone || fail "tlslogd did not stop"
}
_logd_gone() { ! kill -0 "$LOGD_PID" 2>/dev/null || grep -q '^[0-9]* ([^)]*) Z' "/proc/$LOGD_PID/stat" 2>/dev/null; }
# metric NAME: its value in tlslogd's /metrics (NAME may carry {labels}).
metric() {
	in_a curl -sS --max-time 20 http://127.0.0.1:9475/metrics |
		awk -v n="$1" '$1 == n { print $2; f = 1 } END { exit !f }' || fail "no metric $1"
}
# records LOG [JQ-like python condition]: number of records of DIR/LOG.json.
records() {
	python3 - "${LOGDIR:-$L}/$1.json" "${2:-True}" <<'EOF'
import json, sys
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    g = lambda *p: (lambda o: [o := (o or {}).get(k) for k in p][-1])(r)
    n += bool(eval(sys.argv[2], {"r": r, "g": g}))
print(n)
EOF
}
# has LOG CONDITION WHAT: at least one record of LOG satisfies CONDITION.
has() {
	wait_until "${HAS_WAIT:-20}" _has "$1" "$2" || fail "$1.json: no record where $2 ($3): $(tail -c 2000 "$L/$1.json")"
	pass "$1.json: $3"
}
_has() { [ "$(records "$1" "$2")" -gt 0 ]; }
# udp_burst N SPORT0 PORT: N datagrams to the server's PORT, each from its
# own source port (SPORT0, SPORT0+1, ...): N new flows.
udp_burst() {
	in_c python3 -c '
import socket, sys
n, p0, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.9.0.1", p0 + i))
    s.sendto(b"x", ("10.9.0.2", port))
    s.close()
' "$@"
}

start_tlslogd
has system 'g("tlsi_system","source") == "tlslogd"' "tlslogd's start"

# ---- tlsid's records: SSL outcomes, IPS alerts of decrypted sessions, its warnings
spawn s python3 "$TLSI_REPO/tests/vm/tools/https_server.py" 443 "$W/body.bin" "site.test=$W/site.crt,$W/site.key"
wait_port s 443 tcp 60
ctl_ok ssl-proxy add web ports 443 reset logging
ctl_ok ssl-policy add outbound profile p1 proxy web
ctl_ok config set ssl-client on
spawn a "$TLSID" --foreground --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
	--trust "$W/testca.crt" --events "$W/logd.sock" >>"$W/tlsid.log" 2>&1
_diverting() { tlsictl config show | grep -q "divert-port 15443 "; }
wait_until $T_START _diverting || fail "tlsid did not start: $(cat "$W/tlsid.log")"
wait_port a 15443 tcp 60
has system 'g("tlsi_system","source") == "tlsid" and "expires in" in g("tlsi_system","message")' \
	"tlsid's certificate expiry warning"

cat >"$W/local.rules" <<'EOF'
drop http any any -> any any (msg:"TLSI TEST block me"; flow:to_server; http.uri; content:"/tlsi-block-me"; classtype:web-application-attack; sid:9200001; rev:1;)
alert http any any -> any any (msg:"TLSI TEST alert me"; flow:to_server; http.uri; content:"/tlsi-alert-me"; classtype:misc-activity; sid:9200002; rev:1;)
EOF
ctl_ok rules load "$W/local.rules"
curl_c() { in_c curl -sS --max-time 60 --cacert "$W/signca.crt" --resolve site.test:443:10.9.0.2 "$@"; }
curl_c -o /dev/null https://site.test/ || fail "curl through tlsid"
has ssl 'r["event_type"] == "tlsi_ssl" and g("tlsi_ssl","result") == "decrypted" and g("tls","sni") == "site.test" and r["src_ip"] == "10.9.0.1" and r["dest_ip"] == "10.9.0.2" and r["dest_port"] == 443' \
	"a decrypted session (addresses, SNI, result)"
curl_c -o /dev/null https://site.test/tlsi-alert-me || fail "curl of an alert-only URL"
has alert 'g("alert","signature_id") == 9200002 and g("alert","action") == "allowed" and r["ssl_inspected"] is True and g("http","url") == "/tlsi-alert-me" and g("tls","sni") == "site.test"' \
	"an IPS alert in a decrypted session (ssl_inspected true)"
curl_c -o /dev/null https://site.test/tlsi-block-me 2>/dev/null && fail "the drop rule did not block"
has block 'g("alert","signature_id") == 9200001 and g("alert","action") == "blocked" and r["ssl_inspected"] is True and r["src_ip"] == "10.9.0.1"' \
	"an IPS block in a decrypted session (ssl_inspected true)"

# ---- the tables' decisions
ctl_ok tm add no-8081 action block proto tcp dport 8081
expect_probe timeout tcp 10.9.0.2 8081
has block 'g("tlsi","table") == "tm" and g("tlsi","rule") == "no-8081" and g("alert","action") == "blocked" and r["ssl_inspected"] is False and r["dest_port"] == 8081 and r["proto"] == "TCP" and g("tlsi","segment") == "seg1"' \
	"a TM block (ssl_inspected false)"
ctl_ok profile set p1 rep-block 80 rep-alert 50
ctl_ok reputation add 10.9.0.2/32 score 60 category scanner
expect_probe ok tcp 10.9.0.2 8080
has alert 'g("tlsi","table") == "reputation" and g("tlsi","score") == 60 and g("tlsi","category") == "scanner" and g("alert","action") == "allowed"' \
	"a reputation alert"
ctl_ok reputation flush
ctl_ok quarantine add 10.9.0.1 timeout 15 reason "infected laptop"
has quarantine 'g("tlsi_quarantine","event") == "added" and r["src_ip"] == "10.9.0.1" and g("tlsi_quarantine","reason") == "infected laptop" and g("tlsi_quarantine","timeout") == 15' \
	"quarantine added"
expect_probe timeout tcp 10.9.0.2 8080
has quarantine 'g("tlsi_quarantine","event") == "hit" and g("tlsi_quarantine","action") == "blocked" and r["dest_port"] == 8080' \
	"a flow blocked by quarantine"
HAS_WAIT=60 has quarantine 'g("tlsi_quarantine","event") == "expired" and r["src_ip"] == "10.9.0.1" and g("tlsi_quarantine","reason") == "infected laptop"' \
	"quarantine expired"
MAX_FLOWS=$(counter flows_max)
ctl_ok config set max-flows 40 timeout-udp 60
udp_burst 60 30000 5353
has system 'g("tlsi_system","source") == "tlsi.ko" and "flow table full" in g("tlsi_system","message")' \
	"the flow table's limit reached"
ctl_ok config set max-flows "$MAX_FLOWS"
ctl_ok config set timeout-udp 1

# ---- tlsictl log show
out=$(tlsictl log show block --dir "$L")
echo "$out" | grep -E '^TIME +ACTION +SSL ' >/dev/null || fail "log show block: no header: $out"
echo "$out" | grep -E 'blocked +yes +10\.9\.0\.1:[0-9]+ +10\.9\.0\.2:443 +TCP +\[1:9200001\] TLSI TEST block me' >/dev/null ||
	fail "log show block: no IPS block with SSL yes: $out"
echo "$out" | grep -E 'blocked +no +10\.9\.0\.1:[0-9]+ +10\.9\.0\.2:8081 +TCP +traffic management filter no-8081' >/dev/null ||
	fail "log show block: no TM block with SSL no: $out"
pass "log show block: the IPS and TM blocks with the SSL column"
out=$(tlsictl log show ssl --dir "$L")
echo "$out" | grep -E 'decrypted +10\.9\.0\.1:[0-9]+ +10\.9\.0\.2:443 +site\.test' >/dev/null || fail "log show ssl: $out"
out=$(tlsictl log show quarantine --dir "$L")
for e in added hit expired; do
	echo "$out" | grep -E "^[-0-9T:]+ +$e +10\.9\.0\.1 " >/dev/null || fail "log show quarantine: no $e: $out"
done
out=$(tlsictl log show system --dir "$L")
echo "$out" | grep -E 'warning +tlsid +warning: certificate .* expires in' >/dev/null || fail "log show system: $out"
out=$(tlsictl log show alert --dir "$L" --since 10m)
echo "$out" | grep -q 'TLSI TEST alert me' || fail "log show alert --since 10m: $out"
out=$(tlsictl log show alert --dir "$L" --since 2099-01-01)
[ "$(echo "$out" | grep -c 'TLSI TEST')" = 0 ] || fail "log show --since in the future: $out"
n=$(tlsictl -j log show alert --dir "$L" | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["event_type"] == "alert"))')
assert_eq "$n" "$(records alert)" "log show -j: every record"
ctl_fail 2 "block, alert, quarantine, ssl or system" log show nosuch --dir "$L"
ctl_fail 2 "--since" log show block --since yesterday --dir "$L"
ctl_fail 1 "No such file" log show block --dir "$W/nowhere"
# --follow prints what is written later
spawn a "$TLSICTL" log show block --follow --dir "$L" >"$W/follow.out" 2>&1
FOLLOW_PID=$!
sleep 1
expect_probe timeout tcp 10.9.0.2 8081
_followed() { [ "$(grep -c 'no-8081' "$W/follow.out")" -ge 2 ]; }
wait_until $T_REACT _followed || fail "log show --follow: $(cat "$W/follow.out")"
kill "$FOLLOW_PID"
pass "tlsictl log show: every view, --since, -j, --follow, bad input"

# ---- SIGHUP rotation during a stream of events loses nothing
ctl_ok tm add no-udp-7000 action block proto udp dport 7000
stats_snapshot
udp_burst 300 31000 7000 &
burst=$!
# Rotate in the middle of the stream.
_streaming() { [ "$(records block 'g("tlsi","rule") == "no-udp-7000"')" -ge 30 ]; }
wait_until $T_REACT _streaming || fail "no records of the stream"
mv "$L/block.json" "$L/block.json.1"
kill -HUP "$LOGD_PID"
wait "$burst"
udp_burst 100 31300 7000
sent=$(( $(delta events_sent) + $(delta events_failed) ))
old_records() {
	python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("tlsi",{}).get("rule") == "no-udp-7000"))' "$L/block.json.1"
}
_rot_done() { [ $(( $(records block 'g("tlsi","rule") == "no-udp-7000"') + $(old_records) )) -ge 400 ]; }
wait_until $T_REACT _rot_done || true
n_new=$(records block 'g("tlsi","rule") == "no-udp-7000"')
n_old=$(old_records)
assert_eq "$(delta events_failed)" 0 "events failed during rotation"
assert_eq "$((n_old + n_new))" 400 "records of the 400 flows in block.json.1 + block.json"
[ "$n_old" -ge 30 ] && [ "$n_new" -ge 100 ] || fail "old file $n_old, new file $n_new records"
[ "$sent" -ge 400 ] || fail "the kernel sent $sent events"
[ "$(metric tlslogd_reopens_total)" -ge 1 ] || fail "reopen not counted"
pass "SIGHUP rotation: $n_old records in the old file, $n_new in the new one, none lost"

# ---- a full disk: counted per log, forwarding goes on
stop_tlslogd
mkdir -p "$W/full"
mount -t tmpfs -o size=64k tmpfs "$W/full"
LOGDIR=$W/full/logs start_tlslogd
stats_snapshot
udp_burst 800 40000 7000
expect_probe ok tcp 10.9.0.2 8080
expect_probe ok udp 10.9.0.2 5353
_full_counted() { [ "$(metric 'tlslogd_records_failed_total{log="block"}')" -gt 0 ]; }
wait_until $T_REACT _full_counted || fail "no failed write counted: $(in_a curl -s http://127.0.0.1:9475/metrics | grep records_)"
_full_all() {
	[ $(( $(metric 'tlslogd_records_written_total{log="block"}') +
	      $(metric 'tlslogd_records_failed_total{log="block"}') )) -ge 800 ]
}
wait_until $T_REACT _full_all || fail "written + failed < 800: $(in_a curl -s http://127.0.0.1:9475/metrics | grep records_)"
written=$(metric 'tlslogd_records_written_total{log="block"}')
failed=$(metric 'tlslogd_records_failed_total{log="block"}')
assert_eq "$(LOGDIR=$W/full/logs records block)" "$written" "records in the full file"
assert_eq "$((written + failed))" "$(( $(delta events_sent) ))" "written + failed = events delivered"
pass "full disk: $written written, $failed counted as failed, forwarding on"
stop_tlslogd
umount "$W/full"

# ---- a burst into a tiny receive buffer: raised = written + lost
# tlslogd is stopped while the kernel raises the burst, the worst case of a
# reader that falls behind: whatever the VM's speed, 1000 events cannot fit
# in 4 KiB, and each one is either written or counted as lost.
start_tlslogd --netlink-rcvbuf 4096
stats_snapshot
before=$(records block 'g("tlsi","rule") == "no-udp-7000"')
N=1000
kill -STOP "$LOGD_PID"
udp_burst $N 50000 7000
_burst_seen() { [ "$(delta tm_block)" -ge $N ]; }
wait_until $T_REACT _burst_seen || { kill -CONT "$LOGD_PID"; fail "tm_block grew by $(delta tm_block) only"; }
kill -CONT "$LOGD_PID"
raised=$(( $(delta events_sent) + $(delta events_failed) ))
lost=$(delta events_failed)
_drained() { [ $(( $(records block 'g("tlsi","rule") == "no-udp-7000"') - before + lost )) -ge $N ]; }
wait_until $T_REACT _drained || true	# the assertion below says what is missing
written=$(( $(records block 'g("tlsi","rule") == "no-udp-7000"') - before ))
assert_eq "$raised" "$N" "events raised by $N new blocked flows"
assert_eq "$((written + lost))" "$N" "written ($written) + lost ($lost)"
[ "$lost" -gt 0 ] || fail "no event lost with a 4 KiB buffer: the test proves nothing"
[ "$(metric tlslogd_netlink_overruns_total)" -gt 0 ] || fail "tlslogd counted no overrun"
has system '"kernel events lost" in g("tlsi_system","message")' "the loss in the system log"
pass "burst of $N: $written written + $lost lost (counted by tlsi.ko and tlslogd)"
stop_tlslogd
