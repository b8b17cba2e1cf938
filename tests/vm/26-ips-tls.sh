#!/bin/bash
# IPS on intercepted TLS, end to end: tlsid decrypts, tlsi.ko relays the
# plaintext through kTLS and runs the filter engine with all of ET Open (and
# a few local rules). An attack request matching a real ET rule (made a drop
# rule) is blocked: the client sees a reset, the EVE alert names the rule
# with ssl_inspected true; the same request from a never-decrypt source
# passes. Alert-only rules let traffic through; a rule with metadata
# tlsi_quarantine quarantines the client; reloading the rules while
# downloads run loses no byte.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#                                                                  :443 site.test
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

TLSID=$TLSI_REPO/userspace/tlsid/tlsid
[ -x "$TLSID" ] || fail "no $TLSID: make userspace first"
[ -e /dev/tlsi ] || fail "no /dev/tlsi: the module has no kernel relay"
ET=${TLSI_ET_OPEN:-build/et-open}
[ -d "$ET" ] || fail "no ET Open rules at $ET"
W=/tmp/ips-tls.$$
mkdir -p "$W"
on_exit "rm -rf $W"

CERTS=$W
mkca testca "tlsi test CA"
mkca signca "tlsi test signing CA"
mkleaf site site.test testca "ec -pkeyopt ec_paramgen_curve:P-256"
mkleaf evil evil.test testca "ec -pkeyopt ec_paramgen_curve:P-256"
# tls.cert_serial as Suricata prints it: "0A:1B:..."
SERIAL=$(openssl x509 -in "$W/site.crt" -noout -serial | cut -d= -f2 | sed 's/../&:/g; s/:$//')
head -c 5M /dev/urandom >"$W/big.bin"
BIG_SHA=$(sha256sum <"$W/big.bin" | cut -d' ' -f1)

tlsi_basic
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0
spawn s python3 "$TLSI_REPO/tests/vm/tools/https_server.py" 443 "$W/big.bin" "site.test=$W/site.crt,$W/site.key" \
	"evil.test=$W/evil.crt,$W/evil.key"
wait_port s 443
ctl_ok ssl-proxy add web ports 443 reset
ctl_ok ssl-policy add outbound profile p1 proxy web
ctl_ok config set ssl-client on

curl_c() {
	in_c curl -sS --max-time 120 --resolve site.test:443:10.9.0.2 "$@"
}
# Ready (--ready-fd): listening, and tlsi.ko diverts to it.
spawn_ready a $T_START "$W/tlsid.log" "$TLSID" --foreground --ready-fd 3 --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
	--trust "$W/testca.crt"
TLSID_PID=$SPAWN_PID

# ---- rules: ET Open with a real web-attack rule made a drop rule --------------
# (the ET files are read in place; the edited copy lives in the test's tmp)
SID=2017807	# ET WEB_SERVER Possible MySQL SQLi User-Dump Attempt
grep -h "sid:$SID;" "$ET"/*.rules | grep -q '^alert http' || fail "ET has no enabled rule $SID"
cat "$ET"/*.rules | grep -v "sid:$SID;" >"$W/et.rules"
grep -h "sid:$SID;" "$ET"/*.rules | sed 's/^alert /drop /' >"$W/local.rules"
cat >>"$W/local.rules" <<'EOF'
alert http any any -> any any (msg:"TLSI TEST alert only"; flow:to_server; http.uri; content:"/tlsi-alert-me"; classtype:misc-activity; sid:9100001; rev:1;)
drop http any any -> any any (msg:"TLSI TEST quarantine"; flow:to_server; http.uri; content:"/tlsi-quarantine-me"; classtype:trojan-activity; sid:9100002; rev:1; metadata:tlsi_quarantine 120;)
alert http any any -> any any (msg:"TLSI TEST response"; flow:to_client; http.stat_code; content:"200"; file.data; content:"says hello"; classtype:misc-activity; sid:9100003; rev:1;)
drop tls any any -> any any (msg:"TLSI TEST blocked site"; tls.sni; content:"blocked.test"; endswith; classtype:policy-violation; sid:9100004; rev:1;)
alert tls any any -> any any (msg:"TLSI TEST cert subject"; flow:to_client; tls.cert_subject; content:"CN=site.test"; classtype:misc-activity; sid:9100006; rev:1;)
alert tls any any -> any any (msg:"TLSI TEST cert issuer"; tls.cert_issuer; content:"CN=tlsi test CA"; classtype:misc-activity; sid:9100007; rev:1;)
drop tls any any -> any any (msg:"TLSI TEST evil certificate"; tls.certs; content:"evil.test"; classtype:trojan-activity; sid:9100008; rev:1;)
EOF
echo "alert tls any any -> any any (msg:\"TLSI TEST cert serial\"; tls.cert_serial; content:\"$SERIAL\"; classtype:misc-activity; sid:9100009; rev:1;)" >>"$W/local.rules"
# Compiled once (ET's compile is the slow part under TCG), loaded here and
# reloaded under traffic below.
tlsictl rules compile --pcre=prefilter --classification "$ET/classification.config" \
	--var 'HOME_NET=[10.9.0.2/32]' "$W/et.rules" "$W/local.rules" -o "$W/all.img" >/dev/null
out=$(tlsictl rules load --image "$W/all.img")
NRULES=$(echo "$out" | sed -n 's/^loaded into tlsi.ko: \([0-9]*\) rules.*/\1/p')
[ -n "$NRULES" ] && [ "$NRULES" -gt 15000 ] || fail "load: $out"
pass "ET Open + local rules: $NRULES rules in the kernel"
monitor() { monitor_start "$W/monitor.out" --eve "$W/eve.json"; }
monitor

# ---- a benign request passes, inspected -------------------------------------------
stats_snapshot
assert_eq "$(curl_c --cacert "$W/signca.crt" https://site.test/)" "site.test says hello" "benign request"
[ "$(delta ips_flows_inspected)" -ge 1 ] || fail "ips_flows_inspected did not count"
[ "$(delta ips_bytes_inspected)" -gt 100 ] || fail "ips_bytes_inspected: $(delta ips_bytes_inspected)"
assert_delta ips_blocks 0
# the response rule (alert only, to_client, body) fired with the response's status
wait_until $T_REACT _eve_has 9100003 || fail "no EVE record of 9100003: $(cat "$W/monitor.out")"
eve_has 9100003 "alert.action=allowed"
eve_has 9100003 "direction=to_client"
eve_has 9100003 "src_ip=10.9.0.2"
eve_has 9100003 "http.status=200"

# ---- the attack: blocked with a reset, the EVE record names the rule --------------
stats_snapshot
URL='https://site.test/index.php?id=1+union+select+password+from+mysql.user'
rc=0
out=$(curl_c --cacert "$W/signca.crt" "$URL" 2>&1) || rc=$?
[ "$rc" != 0 ] && echo "$out" | grep -qi "reset" || fail "attack not reset: rc $rc: $out"
pass "attack: the client was reset (curl $rc: $out)"
assert_delta ips_blocks 1
assert_delta relay_inspection_blocked 1
wait_until $T_REACT _eve_has $SID || fail "no EVE record of $SID: $(cat "$W/monitor.out")"
eve_has $SID "event_type=alert"
eve_has $SID "alert.action=blocked"
eve_has $SID "alert.signature=ET WEB_SERVER Possible MySQL SQLi User-Dump Attempt"
eve_has $SID "alert.category=web-application-attack"
eve_has $SID "alert.severity=1"
eve_has $SID "ssl_inspected=True"
eve_has $SID "app_proto=http"
eve_has $SID "proto=TCP"
eve_has $SID "src_ip=10.9.0.1"
eve_has $SID "dest_ip=10.9.0.2"
eve_has $SID "dest_port=443"
eve_has $SID "http.hostname=site.test"
eve_has $SID "http.url=/index.php?id=1+union+select+password+from+mysql.user"
eve_has $SID "http.http_method=GET"
eve_has $SID "tls.sni=site.test"
eve $SID | grep -q '^flow_id=[1-9]' || fail "flow_id: $(eve $SID | tr '\n' ' ')"
pass "EVE: $(grep -c . "$W/eve.json") records, $SID blocked with ssl_inspected true"
# A tls.sni rule: the SNI tlsid saw reaches the engine with the hand-off.
# (The server has no certificate for blocked.test: the client gets a leaf
# from the untrusted CA, hence -k.)
rc=0
out=$(in_c curl -sS -k --max-time 30 --resolve blocked.test:443:10.9.0.2 https://blocked.test/ 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "tls.sni drop rule: the request passed: $out"
wait_until $T_REACT _eve_has 9100004 || fail "no EVE record of 9100004: $(cat "$W/monitor.out")"
eve_has 9100004 "tls.sni=blocked.test"
eve_has 9100004 "alert.action=blocked"
pass "tls.sni rule blocks by the ClientHello's server name (curl $rc)"
# The server's certificates, as tlsid received them, travel with the
# hand-off: tls.cert_subject, tls.cert_issuer, tls.cert_serial and tls.certs
# rules match (the benign request above), and a drop rule on the chain's DER
# blocks that server before any request reaches it.
for sid in 9100006 9100007 9100009; do
	wait_until $T_REACT _eve_has $sid || fail "no EVE record of $sid: $(cat "$W/monitor.out")"
	eve_has $sid "app_proto=tls"
	eve_has $sid "alert.action=allowed"
done
eve_has 9100006 "direction=to_client"
rc=0
out=$(in_c curl -sS --cacert "$W/signca.crt" --max-time 30 --resolve evil.test:443:10.9.0.2 \
	https://evil.test/ 2>&1) || rc=$?
[ "$rc" != 0 ] && echo "$out" | grep -qi reset || fail "tls.certs drop rule: rc $rc: $out"
wait_until $T_REACT _eve_has 9100008 || fail "no EVE record of 9100008: $(cat "$W/monitor.out")"
eve_has 9100008 "alert.action=blocked"
eve_has 9100008 "tls.sni=evil.test"
pass "tls.cert_subject/issuer/serial rules fire; a tls.certs drop rule resets evil.test (curl $rc)"
tlsictl rules show sid $SID | tail -n 1 | grep -Eq "^sid $SID rev [0-9]+ gid 1 action drop priority 1 hits [1-9][0-9]* alerts [1-9][0-9]* drops [1-9]" ||
	fail "rules show sid $SID: $(tlsictl rules show sid $SID)"
# stats reset zeroes the per-rule counters too (and the rules stay).
ctl_ok stats reset
tlsictl rules show sid $SID | tail -n 1 | grep -Eq "^sid $SID rev [0-9]+ gid 1 action drop priority 1 hits 0 alerts 0 drops 0" ||
	fail "rules show sid $SID after stats reset: $(tlsictl rules show sid $SID)"
stats_snapshot

# an alert-only rule: reported, not blocked
assert_eq "$(curl_c --cacert "$W/signca.crt" https://site.test/tlsi-alert-me)" "site.test says hello" "alert-only rule"
wait_until $T_REACT _eve_has 9100001 || fail "no EVE record of 9100001"
eve_has 9100001 "alert.action=allowed"

# ---- the profile's inspection depth -------------------------------------------------
# Two requests on one connection: a benign one with 2 KB of headers, then the
# attack. With the profile's depth at 1 KiB the attack lies beyond it and is
# relayed uninspected; back at the device's setting (all) it is blocked.
PAD=$(head -c 2000 /dev/zero | tr '\0' a)
two_requests() {
	curl_c --cacert "$W/signca.crt" -H "X-Pad: $PAD" -w ' connects=%{num_connects}\n' \
		https://site.test/ "$URL"
}
ctl_ok profile set p1 inspect-depth 1k
tlsictl profile show | grep -q "^p1 .*inspect-depth 1024 " || fail "profile show: $(tlsictl profile show)"
stats_snapshot
out=$(two_requests 2>&1) || fail "depth 1k: the two requests failed: $out"
[ "$(echo "$out" | grep -c '^site.test says hello$')" = 2 ] &&
	echo "$out" | grep -qx ' connects=0' || fail "depth 1k: not two responses on one connection: $out"
assert_delta ips_blocks 0
[ "$(delta ips_depth_reached)" -ge 1 ] || fail "ips_depth_reached did not count"
pass "profile inspect-depth 1k: the attack beyond it passes uninspected"
ctl_ok profile set p1 inspect-depth default
tlsictl profile show | grep -q "^p1 .*inspect-depth default " || fail "profile show: $(tlsictl profile show)"
stats_snapshot
rc=0
out=$(two_requests 2>&1) || rc=$?
[ "$rc" != 0 ] && [ "$(echo "$out" | grep -c '^site.test says hello$')" = 1 ] || fail "depth default: rc $rc: $out"
# (curl retries a request whose reused connection died on a new one: 1 or 2)
[ "$(delta ips_blocks)" -ge 1 ] || fail "depth default: ips_blocks did not count"
pass "profile inspect-depth default: the same attack is blocked (curl $rc)"
ctl_fail 2 "inspect-depth: 0 bytes" profile set p1 inspect-depth 0
ctl_fail 2 "out of range" profile set p1 inspect-depth 4294967295
ctl_fail 1 'no profile "nosuch"' profile set nosuch inspect-depth 1k
tlsictl profile show | grep -q "^p1 .*inspect-depth default " || fail "a refused set changed p1: $(tlsictl profile show)"

# ---- never-decrypt source: the same request passes, not inspected ---------------
ctl_ok ssl-policy set outbound profile p1 never-decrypt 10.9.0.1
stats_snapshot
assert_eq "$(curl_c --cacert "$W/testca.crt" "$URL")" "site.test says hello" "never-decrypt: the attack passes"
assert_delta ips_blocks 0
assert_delta ips_flows_inspected 0
ctl_ok ssl-policy set outbound profile p1 never-decrypt none

# ---- reload under traffic ------------------------------------------------------------
tlsictl rules compile --var 'HOME_NET=[10.9.0.2/32]' "$W/local.rules" -o "$W/local.img" >/dev/null
dl=()
for i in 1 2 3; do
	(curl_c --cacert "$W/signca.crt" https://site.test/big | sha256sum | cut -d' ' -f1 >"$W/dl.$i") &
	dl+=($!)
done
t0=$SECONDS
for i in 1 2 3 4; do
	ctl_ok rules load --image "$W/local.img"
	ctl_ok rules var HOME_NET '[10.9.0.0/24]'
	ctl_ok rules load --image "$W/all.img"
done
pass "4 reloads of ET and local rules, with variables, in $((SECONDS - t0)) s"
wait "${dl[@]}"
for i in 1 2 3; do
	assert_eq "$(cat "$W/dl.$i")" "$BIG_SHA" "download $i during reloads"
done
rc=0
out=$(curl_c --cacert "$W/signca.crt" "$URL" 2>&1) || rc=$?
[ "$rc" != 0 ] && echo "$out" | grep -qi "reset" || fail "attack after reloads: rc $rc: $out"
pass "attack still blocked after the reloads"

# ---- quarantine from rule metadata ---------------------------------------------------
stats_snapshot
rc=0
out=$(curl_c --cacert "$W/signca.crt" https://site.test/tlsi-quarantine-me 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "quarantine rule did not block: $out"
assert_delta ips_quarantines 1
tlsictl quarantine show | grep -q "^10.9.0.1 .*reason \"ips sid 9100002: TLSI TEST quarantine\"" ||
	fail "quarantine show: $(tlsictl quarantine show)"
wait_until $T_REACT _eve_has 9100002 || fail "no EVE record of 9100002"
eve_has 9100002 "tlsi.quarantined=True"
eve_has 9100002 "tlsi.quarantine_timeout=120"
grep -q '"type":"quarantine"' "$W/monitor.out" || fail "no quarantine event: $(cat "$W/monitor.out")"
expect_probe timeout tcp 10.9.0.2 8080
ctl_ok quarantine del 10.9.0.1
expect_probe ok tcp 10.9.0.2 8080

# ---- global quarantine setting --------------------------------------------------------
ctl_ok rules config quarantine on timeout 60
rc=0
curl_c --cacert "$W/signca.crt" "$URL" >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "attack passed with quarantine on"
tlsictl quarantine show | grep -q "^10.9.0.1 .*ips sid $SID" || fail "global quarantine: $(tlsictl quarantine show)"
ctl_ok quarantine del 10.9.0.1
ctl_ok rules config quarantine off

# ---- flush: no inspection -------------------------------------------------------------
ctl_ok rules flush
stats_snapshot
assert_eq "$(curl_c --cacert "$W/signca.crt" "$URL")" "site.test says hello" "no rules: the attack passes"
assert_delta ips_flows_no_rules 1
tlsictl rules stats | grep -q "^ips_alerts [1-9]" || fail "rules stats: $(tlsictl rules stats)"
