#!/bin/bash
# SSL client inspection through the kernel relay: tlsid does both
# handshakes, installs the keys into kTLS on both sockets and hands them to
# tlsi.ko, which relays and inspects the plaintext. Real clients (curl,
# Python ssl) and servers (openssl s_server, Python ssl): every cipher kTLS
# carries, TLS 1.2 and 1.3, both sides; a CBC suite relayed by tlsid in
# userspace, inspected there with the rules `tlsictl rules load' published
# (drop and alert rules, EVE alerts, a variable changed, flush); 50 MB down
# and up, byte for byte. (23-ktls-sessions.sh: many sessions, tlsid killed,
# exceptions, rmmod.)
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#        :4431..4437 openssl s_server (one cipher each), :4440 s_server (any),
#        :4460 s_server CBC (proxy "webr" with reset), :9000 blob.py over TLS
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

[ -e /dev/tlsi ] || fail "no /dev/tlsi: the module has no kernel relay"
on_exit "rm -rf /tmp/ktls-test.$$"
# CBC suites are not in the proxies' default (forward-secret AEAD).
CBC=default,kx:ecdhe/rsa+enc:aes128-cbc/aes256-cbc
tlsid_setup /tmp/ktls-test.$$ 4430-4450,9000 client-ciphers $CBC server-ciphers $CBC
head -c 50M /dev/urandom >"$W/www/big.bin"
BIG_SHA=$(sha256sum <"$W/www/big.bin" | cut -d' ' -f1)
# Where tlsictl publishes the rules it loads and tlsid reads them.
export TLSI_RULES_IMAGE=$W/rules.img
# -v -v: tlsid reads back every kTLS key it installs and compares.
start_tlsid -v -v --eve "$W/eve.json"

# ---- every cipher kTLS carries, TLS 1.2 and 1.3, both sides ---------------
port=4431
for spec in "1.2 ECDHE-RSA-AES128-GCM-SHA256 aes128_gcm" \
	    "1.2 ECDHE-RSA-AES256-GCM-SHA384 aes256_gcm" \
	    "1.2 ECDHE-RSA-CHACHA20-POLY1305 chacha20_poly1305" \
	    "1.3 TLS_AES_128_GCM_SHA256 aes128_gcm" \
	    "1.3 TLS_AES_256_GCM_SHA384 aes256_gcm" \
	    "1.3 TLS_CHACHA20_POLY1305_SHA256 chacha20_poly1305"; do
	read -r ver cipher counter <<<"$spec"
	if [ "$ver" = 1.2 ]; then
		s_server $port -tls1_2 -cipher "$cipher"
		copts=(--tlsv1.2 --tls-max 1.2 --ciphers "$cipher")
	else
		s_server $port -tls1_3 -ciphersuites "$cipher"
		copts=(--tlsv1.3 --tls13-ciphers "$cipher")
	fi
	stats_snapshot
	got=$(curl_site $port "${copts[@]}" --cacert "$W/signca.crt" "https://site.test:$port/m.bin" |
		sha256sum | cut -d' ' -f1)
	assert_eq "$got" "$M_SHA" "TLS $ver $cipher: 1 MB through the kernel relay"
	log_has "result=decrypted"
	log_has "relay=kernel"
	log_has "client_tls.cipher=$cipher"
	log_has "server_tls.cipher=$cipher"
	assert_delta relay_ktls_sessions 1
	assert_delta ssl_decrypted 1
	assert_delta "ssl_client_$counter" 1
	assert_delta "ssl_server_$counter" 1
	assert_delta "ssl_client_tls${ver/./_}" 1
	[ "$(delta inspect_bytes_server_to_client)" -ge $((1024 * 1024)) ] ||
		fail "the inspection hook saw $(delta inspect_bytes_server_to_client) bytes"
	port=$((port + 1))
done
pass "6 cipher suites over kTLS, both versions, both sides"

# A CBC suite: kTLS cannot carry it, tlsid relays it itself, and inspects
# it with the rules the kernel has (tlsictl publishes them for tlsid).
_loads() { grep -c "IPS rules for the userspace relay" "$W/tlsid.log" || true; }
_loads_above() { [ "$(_loads)" -gt "$1" ]; }
_nstats() { grep -c '"type":"stats"' "$W/inspect.log" || true; }
_stats_above() { [ "$(_nstats)" -gt "$1" ]; }
# tlsid_counters: tlsid's counters as NAME=VALUE lines (SIGUSR1 writes them
# to its inspection log)
tlsid_counters() {
	local n
	n=$(_nstats)
	kill -USR1 "$TLSID_PID"
	wait_until $T_REACT _stats_above "$n" || fail "tlsid wrote no counters"
	python3 -c 'import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"type\":\"stats\"" in l][-1]
for k, v in s.items():
    print("%s=%s" % (k, v))' "$W/inspect.log"
}
# eve_has SID KEY=VALUE: tlsid's last EVE record of rule SID has it
eve_has() {
	python3 - "$W/eve.json" "$@" <<'EOF' || fail "EVE record of $1: no '$2' in $(cat "$W/eve.json")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
recs = [r for r in recs if r["alert"]["signature_id"] == int(sys.argv[2])]
def walk(p, o):
    for k, v in o.items():
        if isinstance(v, dict):
            yield from walk(p + k + ".", v)
        else:
            yield "%s%s=%s" % (p, k, v)
sys.exit(not recs or sys.argv[3] not in walk("", recs[-1]))
EOF
}
cbc() {
	curl_site "$1" --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA256 --cacert "$W/signca.crt" \
		"https://site.test:$1$2"
}
echo "not so evil" >"$W/www/cbc-evil"
cat >"$W/cbc.rules" <<'EOF'
drop http $HOME_NET any -> any any (msg:"TLSI TEST cbc"; flow:to_server; http.uri; content:"/cbc-evil"; classtype:policy-violation; sid:9200001; rev:1;)
alert http any any -> any any (msg:"TLSI TEST cbc alert"; flow:to_server; http.uri; content:"/m.bin"; classtype:misc-activity; sid:9200002; rev:1;)
EOF
n=$(_loads)
out=$(tlsictl rules load --var 'HOME_NET=[10.9.0.0/24]' "$W/cbc.rules" 2>&1)
echo "$out" | grep -q "^loaded into tlsi.ko: 2 rules" || fail "rules load: $out"
! echo "$out" | grep -q warning || fail "rules load: $out"
[ -s "$W/rules.img" ] || fail "rules load published no image at $W/rules.img"
wait_until $T_REACT _loads_above "$n" || fail "tlsid did not load the rules: $(tail -3 "$W/tlsid.log")"
grep -q "IPS rules for the userspace relay: 2 rules from $W/rules.img" "$W/tlsid.log" ||
	fail "tlsid: $(grep IPS "$W/tlsid.log")"
pass "rules loaded, published to $W/rules.img and loaded by tlsid"

s_server $port -tls1_2 -cipher ECDHE-RSA-AES128-SHA256
stats_snapshot
got=$(cbc $port /m.bin | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$M_SHA" "CBC suite through tlsid's userspace relay, inspected"
log_has "relay=userspace"
log_has "result=decrypted"
assert_delta relay_ktls_sessions 0
assert_delta ssl_relay_userspace 1
assert_delta ssl_client_cbc 1
eve_has 9200002 "alert.action=allowed"
eve_has 9200002 "http.url=/m.bin"
eve_has 9200002 "ssl_inspected=True"
pass "CBC: userspace relay, counted; the alert rule fired, the download passed"

# The drop rule: the server is reset, the client closed (proxy without reset).
stats_snapshot
rc=0
out=$(cbc $port /cbc-evil 2>&1) || rc=$?
[ "$rc" != 0 ] && ! echo "$out" | grep -q "not so evil" || fail "/cbc-evil passed: rc $rc: $out"
# (the client may see the close before tlsid has logged and reported it)
_reported() { [ "$(delta ssl_blocked)" -ge 1 ]; }
wait_until $T_REACT _reported || fail "the block was not reported to the kernel"
log_has "result=blocked"
log_has "relay=userspace"
log_has "reason=ips sid 9200001: TLSI TEST cbc"
assert_delta ssl_blocked 1
assert_delta ssl_relay_userspace 1
eve_has 9200001 "event_type=alert"
eve_has 9200001 "alert.action=blocked"
eve_has 9200001 "alert.signature=TLSI TEST cbc"
eve_has 9200001 "app_proto=http"
eve_has 9200001 "direction=to_server"
eve_has 9200001 "src_ip=10.9.0.1"
eve_has 9200001 "dest_ip=10.9.0.2"
eve_has 9200001 "http.url=/cbc-evil"
eve_has 9200001 "tls.sni=site.test"
eve_has 9200001 "ssl_inspected=True"
pass "CBC: /cbc-evil blocked by sid 9200001 (curl $rc), EVE record, reported blocked"
# ... and with a proxy that says reset, the client is reset too.
ctl_ok ssl-proxy add webr ports 4460 reset logging client-ciphers $CBC server-ciphers $CBC
ctl_ok ssl-policy add outr profile p1 proxy webr
s_server 4460 -tls1_2 -cipher ECDHE-RSA-AES128-SHA256
rc=0
out=$(cbc 4460 /cbc-evil 2>&1) || rc=$?
[ "$rc" != 0 ] && echo "$out" | grep -qi reset || fail "/cbc-evil not reset: rc $rc: $out"
pass "CBC: /cbc-evil reset with the proxy's reset (curl $rc: $out)"
c=$(tlsid_counters)
echo "$c" | grep -qx "ips_blocks=2" || fail "tlsid counters: $c"
echo "$c" | grep -qx "ips_alerts=3" || fail "tlsid counters: $c"
echo "$c" | grep -qx "ips_inspected_sessions=3" || fail "tlsid counters: $c"
[ "$(echo "$c" | sed -n 's/^ips_bytes=//p')" -ge $((1024 * 1024)) ] || fail "tlsid counters: $c"
pass "tlsid counters: $(echo "$c" | grep '^ips_' | tr '\n' ' ')"
# The profile's inspection depth reaches the userspace relay (through
# TLSI_IOC_SESSION_INFO): at 10 bytes the drop rule's URI lies beyond it.
ctl_ok profile set p1 inspect-depth 10
assert_eq "$(cbc $port /cbc-evil)" "not so evil" "CBC, profile inspect-depth 10: uninspected beyond it"
ctl_ok profile set p1 inspect-depth default
rc=0
out=$(cbc $port /cbc-evil 2>&1) || rc=$?
[ "$rc" != 0 ] && ! echo "$out" | grep -q "not so evil" || fail "depth default: /cbc-evil passed: $out"
pass "CBC, profile inspect-depth default: blocked again"

# rules var: tlsictl rewrites the published image as the kernel rewrote its
# own; the drop rule no longer applies to this client.
n=$(_loads)
out=$(tlsictl rules var HOME_NET '[192.0.2.0/24]' 2>&1) || fail "rules var: $out"
! echo "$out" | grep -q warning || fail "rules var: $out"
wait_until $T_REACT _loads_above "$n" || fail "tlsid did not reload the rules: $(tail -3 "$W/tlsid.log")"
assert_eq "$(cbc $port /cbc-evil)" "not so evil" "/cbc-evil with HOME_NET changed"
log_has "result=decrypted"
# tls.cert_* rules in the userspace relay: the server's leaf as tlsid got it.
n=$(_loads)
echo 'alert tls any any -> any any (msg:"TLSI TEST cbc server cert"; flow:to_client; tls.cert_subject; content:"CN=site.test"; tls.cert_issuer; content:"CN="; classtype:misc-activity; sid:9200003; rev:1;)' >"$W/cert.rules"
ctl_ok rules load "$W/cert.rules"
wait_until $T_REACT _loads_above "$n" || fail "tlsid did not load cert.rules: $(tail -3 "$W/tlsid.log")"
assert_eq "$(cbc $port /cbc-evil)" "not so evil" "CBC with a certificate rule"
eve_has 9200003 "alert.action=allowed"
eve_has 9200003 "app_proto=tls"
pass "CBC: tls.cert_subject/tls.cert_issuer rule fired in the userspace relay"
# flush: the published image goes, tlsid stops inspecting
ctl_ok rules flush
[ ! -e "$W/rules.img" ] || fail "rules flush left $W/rules.img"
_unloaded() { grep -q "the userspace relay stops inspecting" "$W/tlsid.log"; }
wait_until $T_REACT _unloaded || fail "tlsid kept the rules: $(tail -3 "$W/tlsid.log")"
pass "CBC: rules var and flush reach tlsid"

# ---- bulk: 50 MB down (curl, s_server) and up (Python ssl) ----------------
s_server 4440
spawn s env BLOB_CERT="$W/site.crt" BLOB_KEY="$W/site.key" python3 "$TOOLS/blob.py" server 9000
wait_port s 9000
stats_snapshot
t0=$(date +%s)
got=$(curl_site 4440 --cacert "$W/signca.crt" https://site.test:4440/big.bin | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$BIG_SHA" "50 MB download, byte for byte"
t1=$(date +%s)
assert_eq "$(blob_c put 10.9.0.2 9000 $((50 * 1024 * 1024)))" same "50 MB upload, byte for byte"
echo "info: 50 MB down in $((t1 - t0)) s, up in $(($(date +%s) - t1)) s (TCG)"
assert_delta relay_ktls_sessions 2
[ "$(delta relay_bytes_server_to_client)" -ge $((50 * 1024 * 1024)) ] || fail "download not relayed by the kernel"
[ "$(delta relay_bytes_client_to_server)" -ge $((50 * 1024 * 1024)) ] || fail "upload not relayed by the kernel"
pass "50 MB each way through kTLS"

