#!/bin/bash
# IPS packet trace, end to end, as a user drives it: tlsid decrypts, tlsi.ko
# relays and inspects; a real ET rule given the metadata tlsi_trace records
# the decrypted flow; `tlsictl trace save` writes a pcap that tcpdump reads
# with the attack request in clear, the flow's real addresses and ports,
# correct checksums, a handshake and FINs. Also: the `trace alerts`
# setting, a drop rule's trace, the per-flow cap, buffer eviction, --clear,
# and bad inputs (refused with clear errors, nothing changed).
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#                                                                  :443 site.test
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

TLSID=$TLSI_REPO/userspace/tlsid/tlsid
NL="python3 ${TLSI_REPO:-.}/tests/vm/tools/nlraw.py"
[ -x "$TLSID" ] || fail "no $TLSID: make userspace first"
[ -e /dev/tlsi ] || fail "no /dev/tlsi: the module has no kernel relay"
command -v tcpdump >/dev/null || fail "no tcpdump in the VM"
ET=${TLSI_ET_OPEN:-build/et-open}
[ -d "$ET" ] || fail "no ET Open rules at $ET"
W=/tmp/ips-trace.$$
mkdir -p "$W"
on_exit "rm -rf $W"

CERTS=$W
mkca testca "tlsi test CA"
mkca signca "tlsi test signing CA"
mkleaf site site.test testca "ec -pkeyopt ec_paramgen_curve:P-256"
head -c 3M /dev/urandom >"$W/big.bin"

tlsi_basic
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0
spawn s python3 "$TLSI_REPO/tests/vm/tools/https_server.py" 443 "$W/big.bin" "site.test=$W/site.crt,$W/site.key"
wait_port s 443
# The CBC session below: not in the proxies' default suites.
ctl_ok ssl-proxy add web ports 443 reset client-ciphers default,kx:ecdhe/rsa+enc:aes128-cbc/aes256-cbc server-ciphers default,kx:ecdhe/rsa+enc:aes128-cbc/aes256-cbc
ctl_ok ssl-policy add outbound profile p1 proxy web
ctl_ok config set ssl-client on

curl_c() {
	in_c curl -sS --max-time 120 --resolve site.test:443:10.9.0.2 --cacert "$W/signca.crt" "$@"
}
# Ready (--ready-fd): listening, and tlsi.ko diverts to it.
spawn_ready a $T_START "$W/tlsid.log" "$TLSID" --foreground --ready-fd 3 --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
	--trust "$W/testca.crt" --trace-file "$W/tlsid.pcap" --trace-file-max 6000
TLSID_PID=$SPAWN_PID

# ---- rules: a real ET rule, given tlsi_trace, and local ones ---------------------
SID=2017807	# ET WEB_SERVER Possible MySQL SQLi User-Dump Attempt (alert)
grep -h "sid:$SID;" "$ET"/*.rules | grep '^alert http' | grep -q 'metadata:created_at' ||
	fail "ET has no enabled rule $SID with metadata"
grep -h "sid:$SID;" "$ET"/*.rules | sed 's/metadata:created_at/metadata:tlsi_trace, created_at/' >"$W/local.rules"
grep -q "tlsi_trace" "$W/local.rules" || fail "could not add tlsi_trace to $SID"
cat >>"$W/local.rules" <<'EOF'
alert http any any -> any any (msg:"TLSI TEST alert only"; flow:to_server; http.uri; content:"/tlsi-alert-me"; classtype:misc-activity; sid:9100001; rev:1;)
drop http any any -> any any (msg:"TLSI TEST traced drop"; flow:to_server; http.uri; content:"/tlsi-trace-drop"; classtype:web-application-attack; sid:9100011; rev:1; metadata: tlsi_trace;)
alert http any any -> any any (msg:"TLSI TEST traced download"; flow:to_server; http.header; content:"X-Tlsi-Trace|3a| me"; classtype:misc-activity; sid:9100012; rev:1; metadata:tlsi_trace;)
EOF
out=$(tlsictl rules load --classification "$ET/classification.config" \
	--var 'HOME_NET=[10.9.0.2/32]' "$W/local.rules")
echo "$out" | grep -q "^loaded into tlsi.ko: 4 rules" || fail "load: $out"
monitor_start "$W/monitor.out" --eve "$W/eve.json"
# flow_id of the last EVE record of SID
eve_flow() {
	python3 - "$W/eve.json" "$1" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
recs = [r for r in recs if r["alert"]["signature_id"] == int(sys.argv[2])]
if not recs:
    sys.exit(1)
print(recs[-1]["flow_id"])
EOF
}
_eve_has() { eve_flow "$1" >/dev/null 2>&1; }
# the `trace show' line of flow ID
trace_line() { tlsictl trace show | grep "^$1 " || true; }
_ended() { trace_line "$1" | grep -q " ended"; }

# The defaults, and no trace yet.
tlsictl rules config | grep -q "trace off trace-bytes 1048576 trace-buffer 4194304 trace-used 0 trace-records 0" ||
	fail "default trace settings: $(tlsictl rules config)"
assert_eq "$(tlsictl trace show)" "" "trace show with nothing traced"
ctl_fail 1 "no trace records to save" trace save "$W/none.pcap"
[ ! -e "$W/none.pcap" ] || fail "an empty save created a file"

# ---- an untraced alert stays untraced with trace off -------------------------------
stats_snapshot
assert_eq "$(curl_c https://site.test/tlsi-alert-me)" "site.test says hello" "alert-only rule"
wait_until $T_REACT _eve_has 9100001 || fail "no EVE record of 9100001"
assert_delta ips_traces_started 0
assert_eq "$(tlsictl trace show)" "" "trace show after an untraced alert"

# ---- the ET rule with tlsi_trace: the whole flow is recorded -------------------------
stats_snapshot
URL='https://site.test/index.php?id=1+union+select+password+from+mysql.user'
assert_eq "$(curl_c --local-port 40123 "$URL")" "site.test says hello" "traced alert-only attack"
wait_until $T_REACT _eve_has $SID || fail "no EVE record of $SID: $(cat "$W/monitor.out")"
FLOW=$(eve_flow $SID)
wait_until $T_REACT _ended "$FLOW" || fail "trace of flow $FLOW not ended: $(tlsictl trace show)"
line=$(trace_line "$FLOW")
echo "$line" | grep -Eq "^$FLOW client 10.9.0.1:40123 server 10.9.0.2:443 sid $SID bytes [1-9][0-9]* records [0-9]+ ended$" ||
	fail "trace show: $line"
pass "trace show: $line"
assert_delta ips_traces_started 1
[ "$(delta ips_trace_records)" -ge 4 ] || fail "ips_trace_records: $(delta ips_trace_records)"
[ "$(delta ips_trace_bytes)" -gt 100 ] || fail "ips_trace_bytes: $(delta ips_trace_bytes)"
assert_delta ips_trace_records_evicted 0
assert_delta ips_trace_failed_no_memory 0
tlsictl stats | grep -q "ips_traces_started" || fail "tlsictl stats lacks the trace counters"

ctl_ok trace save "$W/et.pcap" --flow "$FLOW"
[ "$(stat -c %a "$W/et.pcap")" = 600 ] || fail "pcap mode $(stat -c %a "$W/et.pcap")"
tcpdump -nn -r "$W/et.pcap" -A >"$W/et.txt" 2>&1 || fail "tcpdump -r: $(cat "$W/et.txt")"
grep -qF "GET /index.php?id=1+union+select+password+from+mysql.user HTTP/1.1" "$W/et.txt" ||
	fail "the decrypted request is not in the pcap: $(head -c 3000 "$W/et.txt")"
grep -qF "site.test says hello" "$W/et.txt" || fail "the decrypted response is not in the pcap"
grep -q "IP 10.9.0.1.40123 > 10.9.0.2.443: Flags \[S\]" "$W/et.txt" || fail "no SYN of the real flow: $(grep ' IP ' "$W/et.txt" | head -3)"
grep -q "IP 10.9.0.2.443 > 10.9.0.1.40123: Flags \[S.\]" "$W/et.txt" || fail "no SYN-ACK"
grep -q "IP 10.9.0.1.40123 > 10.9.0.2.443: Flags \[F.\]" "$W/et.txt" || fail "no client FIN"
grep -q "IP 10.9.0.2.443 > 10.9.0.1.40123: Flags \[F.\]" "$W/et.txt" || fail "no server FIN"
tcpdump -nn -vv -r "$W/et.pcap" >"$W/et.vv" 2>&1 || fail "tcpdump -vv: $(cat "$W/et.vv")"
c=$(pcap_complaints "$W/et.vv"); [ -z "$c" ] || fail "tcpdump complains: $c"
grep -q "cksum 0x[0-9a-f]* (correct)" "$W/et.vv" || fail "tcpdump did not verify checksums: $(head -4 "$W/et.vv")"
pass "pcap of flow $FLOW: $(grep -c ' IP ' "$W/et.txt") packets, request and response in clear, checksums correct"
# Ethernet frames work too
ctl_ok trace save "$W/eth.pcap" --flow "$FLOW" --ethernet
tcpdump -nn -e -r "$W/eth.pcap" 2>&1 | grep -q "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4" ||
	fail "ethernet pcap: $(tcpdump -nn -e -r "$W/eth.pcap" 2>&1 | head -2)"

# ---- `trace alerts': an alert without tlsi_trace traces too ---------------------------
ctl_ok rules config trace alerts
tlsictl rules config | grep -q " trace alerts trace-bytes " || fail "rules config: $(tlsictl rules config)"
stats_snapshot
assert_eq "$(curl_c https://site.test/tlsi-alert-me)" "site.test says hello" "alert-only rule, trace alerts"
assert_delta ips_traces_started 1
_sid_traced() { tlsictl trace show | grep -q " sid 9100001 "; }
wait_until $T_REACT _sid_traced || fail "trace alerts: no trace of 9100001: $(tlsictl trace show)"
ctl_ok rules config trace off

# ---- a drop rule with tlsi_trace: the blocked request is in the trace ------------------
stats_snapshot
rc=0
out=$(curl_c https://site.test/tlsi-trace-drop 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "traced drop rule did not block: $out"
assert_delta ips_blocks 1
assert_delta ips_traces_started 1
_drop_traced() { tlsictl trace show | grep -q " sid 9100011 .* ended"; }
wait_until $T_REACT _drop_traced || fail "no ended trace of 9100011: $(tlsictl trace show)"
DROPFLOW=$(tlsictl trace show | awk '/ sid 9100011 / { print $1 }')
ctl_ok trace save "$W/drop.pcap" --flow "$DROPFLOW"
tcpdump -nn -r "$W/drop.pcap" -A 2>&1 | grep -qF "GET /tlsi-trace-drop HTTP/1.1" ||
	fail "blocked request not in its trace: $(tcpdump -nn -r "$W/drop.pcap" -A 2>&1 | head -20)"
pass "the blocked request is in the trace of flow $DROPFLOW"

# ---- bad inputs: clear errors, nothing changed -----------------------------------------
before_cfg=$(tlsictl rules config)
before_show=$(tlsictl trace show)
ctl_fail 2 "trace-buffer .0.: out of range" rules config trace-buffer 0
ctl_fail 2 "trace-buffer .65M.: out of range" rules config trace-buffer 65M
ctl_fail 2 "trace-bytes .0.: out of range" rules config trace-bytes 0
ctl_fail 2 "expected off or alerts" rules config trace sometimes
ctl_fail 2 "expected a flow id" trace save "$W/x.pcap" --flow nope
ctl_fail 2 "missing FILE" trace save
ctl_fail 1 "no trace records of flow 12345" trace save "$W/x.pcap" --flow 12345
[ ! -e "$W/x.pcap" ] || fail "a refused save created a file"
ctl_fail 1 "cannot write /nonexistent/x.pcap: .*No such file" trace save /nonexistent/x.pcap
ctl_fail 1 "cannot write /proc/x.pcap" trace save /proc/x.pcap --clear
ctl_fail 1 "no trace records of flow 12345" trace clear --flow 12345
# the kernel's own checks (hostile requests without tlsictl's)
nl_fail() {
	local pat=$1 out
	shift
	out=$(ip netns exec "$NS_A" $NL "$@") && fail "accepted: $*"
	echo "$out" | grep -Eq -- "$pat" || fail "nlraw $*: '$out' does not match '$pat'"
	pass "refused: $out"
}
nl_fail "error" TLSI_CMD_IPS_SET TLSI_A_IPS_TRACE_BUFFER:u32:0
nl_fail "error" TLSI_CMD_IPS_SET TLSI_A_IPS_TRACE_BUFFER:u32:67108865
nl_fail "error" TLSI_CMD_IPS_SET TLSI_A_IPS_TRACE_BYTES:u32:0
nl_fail "error" TLSI_CMD_IPS_SET TLSI_A_IPS_TRACE:u8:2
nl_fail "no trace records of flow" TLSI_CMD_TRACE_CLEAR TLSI_A_FLOW_ID:raw:3930050000000000
nl_fail "error" TLSI_CMD_TRACE_CLEAR TLSI_A_FLOW_ID:u32:1
assert_eq "$(tlsictl rules config)" "$before_cfg" "settings after refusals"
assert_eq "$(tlsictl trace show)" "$before_show" "trace records after refusals"
# unprivileged: no decrypted data for them
out=$(ip netns exec "$NS_A" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$TLSICTL" trace show 2>&1) && fail "unprivileged trace show worked: $out"
pass "unprivileged trace show refused: $out"

# ---- the per-flow cap ---------------------------------------------------------------------
ctl_ok rules config trace-bytes 1000
stats_snapshot
got=$(curl_c -H "X-Tlsi-Trace: me" https://site.test/big | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$(sha256sum <"$W/big.bin" | cut -d' ' -f1)" "traced download intact"
assert_delta ips_traces_started 1
assert_delta ips_trace_flows_capped 1
_capped() { tlsictl trace show | grep -q " sid 9100012 bytes 1000 .*ended capped$"; }
wait_until $T_REACT _capped || fail "capped trace: $(tlsictl trace show)"
pass "trace of a 3 MB download capped at 1000 bytes"

# ---- the buffer bound: the oldest records are evicted ------------------------------------------
ctl_ok rules config trace-bytes 1M trace-buffer 64K
used=$(tlsictl -j rules config | python3 -c 'import json,sys; print(json.load(sys.stdin)["trace_used"])')
[ "$used" -le 65536 ] || fail "trace-used $used after shrinking to 64K"
stats_snapshot
curl_c -H "X-Tlsi-Trace: me" https://site.test/big >/dev/null
assert_delta ips_traces_started 1
[ "$(delta ips_trace_records_evicted)" -gt 0 ] || fail "nothing evicted: $(tlsictl rules config)"
used=$(tlsictl -j rules config | python3 -c 'import json,sys; print(json.load(sys.stdin)["trace_used"])')
[ "$used" -le 65536 ] && [ "$used" -gt 32768 ] || fail "trace-used $used with a 64K buffer"
pass "64K buffer: $(delta ips_trace_records_evicted) records evicted, $used bytes held"
ctl_ok trace save "$W/evicted.pcap"
tcpdump -nn -vv -r "$W/evicted.pcap" >"$W/evicted.vv" 2>&1 || fail "tcpdump: $(tail -3 "$W/evicted.vv")"
c=$(pcap_complaints "$W/evicted.vv"); [ -z "$c" ] || fail "tcpdump complains about the evicted trace: $c"

# ---- dumps while records are added and evicted ---------------------------------------------
curl_c -H "X-Tlsi-Trace: me" --limit-rate 500k https://site.test/big >/dev/null 2>&1 &
busy=$!
saves=0
for i in $(seq 1 15); do
	tlsictl trace save "$W/busy.pcap" >/dev/null 2>&1 || fail "trace save $i during eviction"
	tcpdump -nn -vv -r "$W/busy.pcap" >"$W/busy.vv" 2>&1 || fail "tcpdump of busy save $i: $(tail -2 "$W/busy.vv")"
	c=$(pcap_complaints "$W/busy.vv"); [ -z "$c" ] || fail "tcpdump complains about busy save $i: $c"
	tlsictl trace show >/dev/null || fail "trace show $i during eviction"
	saves=$((saves + 1))
done
wait "$busy" || fail "the traced download failed"
pass "$saves saves and shows while a traced download evicted records"

# ---- save --clear drops exactly what was saved ------------------------------------------------------
ctl_ok trace save "$W/all.pcap" --clear
[ -s "$W/all.pcap" ] || fail "save --clear wrote nothing"
assert_eq "$(tlsictl trace show)" "" "trace show after save --clear"
tlsictl rules config | grep -q "trace-used 0 trace-records 0" || fail "after --clear: $(tlsictl rules config)"
ctl_ok rules config trace-buffer 4M

# ---- dumps while flows' records are cleared from the middle of the buffer ------------------
for i in 1 2 3; do
	curl_c -H "X-Tlsi-Trace: me" https://site.test/big >/dev/null || fail "traced download $i"
done
flows=$(tlsictl trace show | awk '{ print $1 }')
[ "$(echo "$flows" | wc -l)" = 3 ] || fail "three traced downloads: $(tlsictl trace show)"
(for f in $flows; do sleep 0.3; tlsictl trace clear --flow "$f" >/dev/null 2>&1; done) &
clearer=$!
for i in 1 2 3 4 5 6; do
	rc=0
	out=$(tlsictl trace save "$W/mid.pcap" 2>&1) || rc=$?
	[ "$rc" = 0 ] || echo "$out" | grep -q "no trace records to save" || fail "save $i while clearing: $out"
	[ "$rc" != 0 ] || tcpdump -nn -r "$W/mid.pcap" >/dev/null 2>&1 || fail "tcpdump of save $i while clearing"
done
wait "$clearer"
assert_eq "$(tlsictl trace show)" "" "trace show after clearing each flow"
pass "saves of 3 MB traces while their flows were cleared one by one"
# trace clear
assert_eq "$(curl_c --local-port 40124 "$URL")" "site.test says hello" "traced attack again"
wait_until $T_REACT _eve_has $SID
_any() { [ -n "$(tlsictl trace show)" ]; }
wait_until $T_REACT _any || fail "no trace"
ctl_ok trace clear
assert_eq "$(tlsictl trace show)" "" "trace show after trace clear"

# ---- tlsid's userspace relay (a CBC suite kTLS cannot carry): --trace-file ----------
[ -s "$W/tlsid.pcap" ] || fail "tlsid did not start its trace file"
stats_snapshot
assert_eq "$(curl_c --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-SHA256 --local-port 40125 "$URL")" \
	"site.test says hello" "CBC suite, traced by tlsid"
assert_delta ssl_relay_userspace 1
assert_delta ips_traces_started 0
_tlsid_fins() { [ "$(tcpdump -nn -r "$W/tlsid.pcap" 2>/dev/null | grep -c 'Flags \[F\.\]')" = 2 ]; }
wait_until $T_REACT _tlsid_fins || fail "tlsid's trace: $(tcpdump -nn -r "$W/tlsid.pcap" 2>&1 | tail -5; tail -5 "$W/tlsid.log")"
tcpdump -nn -r "$W/tlsid.pcap" -A >"$W/tlsid.txt" 2>&1
grep -qF "GET /index.php?id=1+union+select+password+from+mysql.user HTTP/1.1" "$W/tlsid.txt" ||
	fail "the request is not in tlsid's trace: $(head -c 2000 "$W/tlsid.txt")"
grep -q "IP 10.9.0.1.40125 > 10.9.0.2.443: Flags \[S\]" "$W/tlsid.txt" || fail "tlsid's trace: no SYN of the flow"
grep -qF "site.test says hello" "$W/tlsid.txt" || fail "the response is not in tlsid's trace"
tcpdump -nn -vv -r "$W/tlsid.pcap" >"$W/tlsid.vv" 2>&1 || fail "tcpdump -vv of tlsid's trace"
c=$(pcap_complaints "$W/tlsid.vv"); [ -z "$c" ] || fail "tcpdump complains about tlsid's trace: $c"
pass "tlsid's userspace relay traced the CBC session into its --trace-file"

# ---- tlsid's trace file is bounded (--trace-file-max 6000) -------------------------
size0=$(stat -c %s "$W/tlsid.pcap")
[ "$size0" -lt 6000 ] || fail "tlsid's trace file already has $size0 bytes"
got=$(curl_c --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-SHA256 -H "X-Tlsi-Trace: me" https://site.test/big |
	sha256sum | cut -d' ' -f1)
assert_eq "$got" "$(sha256sum <"$W/big.bin" | cut -d' ' -f1)" "CBC download with a full trace file"
_full_logged() { grep -q "no more traces" "$W/tlsid.log"; }
wait_until $T_REACT _full_logged || fail "tlsid did not log its full trace file: $(tail -3 "$W/tlsid.log")"
size=$(stat -c %s "$W/tlsid.pcap")
[ "$size" -ge 6000 ] && [ "$size" -lt $((6000 + 20000)) ] || fail "tlsid's trace file: $size bytes with --trace-file-max 6000"
tcpdump -nn -r "$W/tlsid.pcap" >/dev/null 2>&1 || fail "tcpdump of the full trace file"
pass "tlsid's trace file stopped at $size bytes (--trace-file-max 6000)"

# ---- unload with a traced session live, records held ---------------------------------------------------
ctl_ok rules config trace alerts
# 10 KB/s: 300 s for the 3 MB, far longer than anything below takes on a
# loaded machine (at 300 KB/s a 6x slower VM finished it before rmmod).
curl_c -H "X-Tlsi-Trace: me" --limit-rate 10k -o /dev/null https://site.test/big >"$W/slow.out" 2>&1 &
slow=$!
_live() { tlsictl trace show | grep -q " sid 9100012 "; }
wait_until $T_REACT _live || fail "no live trace: $(tlsictl trace show)"
_relayed() { [ "$(counter relay_ended)" -lt "$(counter relay_ktls_sessions)" ]; }
_relayed || fail "the traced download is not relayed any more"
# tlsid holds /dev/tlsi open, which pins the module; the session does not need it.
kill -TERM "$TLSID_PID"
_tlsid_gone() { ! kill -0 "$TLSID_PID" 2>/dev/null || grep -q '^[0-9]* ([^)]*) Z' "/proc/$TLSID_PID/stat"; }
wait_until $T_REACT _tlsid_gone || fail "tlsid did not exit on SIGTERM"
rmmod "$TLSI_MODULE_NAME" || fail "rmmod with a live traced session"
rc=0
wait "$slow" || rc=$?
[ "$rc" != 0 ] || fail "the download survived rmmod: $(cat "$W/slow.out")"
pass "rmmod with a live traced session and trace records held (curl $rc)"
insmod "$TLSI_MODULE"
