#!/bin/bash
# IPS on DNS over TLS (RFC 7858), end to end: tlsid intercepts port 853,
# tlsi.ko relays the decrypted DNS through kTLS and runs the filter engine
# with ET Open loaded (pcre evaluated exactly, the default). A query for a
# domain named by a real ET dns rule (made a drop rule) is blocked: the
# client's connection is reset and no answer arrives; the EVE alert names
# the rule, with ssl_inspected true and app_proto dns. A benign name
# resolves; an alert-only dns.query rule reports and lets the answer
# through. The same block on tlsid's userspace relay (a DoT server that
# only speaks a CBC suite, which kTLS cannot carry), where tlsid counts the
# malformed query and the rule's hits, alerts and drops as the kernel does
# (its stats line on SIGUSR1).
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#     dot.py query                                   :853 dot.py server (TLS 1.3)
#                                                    :8853 dot.py server (CBC)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

TLSID=$TLSI_REPO/userspace/tlsid/tlsid
DOT=$TLSI_REPO/tests/vm/tools/dot.py
[ -x "$TLSID" ] || fail "no $TLSID: make userspace first"
[ -e /dev/tlsi ] || fail "no /dev/tlsi: the module has no kernel relay"
ET=${TLSI_ET_OPEN:-build/et-open}
[ -d "$ET" ] || fail "no ET Open rules at $ET"
W=/tmp/ips-dot.$$
mkdir -p "$W"
on_exit "rm -rf $W"

CERTS=$W
mkca testca "tlsi test CA"
mkca signca "tlsi test signing CA"
mkleaf site site.test testca "ec -pkeyopt ec_paramgen_curve:P-256"

tlsi_basic
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0
ANSWER=10.9.0.53
spawn s python3 "$DOT" server 853 "$W/site.crt" "$W/site.key" "$ANSWER"
spawn s python3 "$DOT" server 8853 "$W/site.crt" "$W/site.key" "$ANSWER" cbc
wait_port s 853
wait_port s 8853
# dot.py's CBC server: not in the proxies' default suites.
ctl_ok ssl-proxy add dot ports 853,8853 reset client-ciphers default,kx:ecdhe/rsa+enc:aes128-cbc/aes256-cbc server-ciphers default,kx:ecdhe/rsa+enc:aes128-cbc/aes256-cbc
ctl_ok ssl-policy add outbound profile p1 proxy dot
ctl_ok config set ssl-client on
# the rules image tlsictl publishes for tlsid's userspace relay
export TLSI_RULES_IMAGE=$W/rules.img
# Ready (--ready-fd): listening, and tlsi.ko diverts to it.
spawn_ready a $T_START "$W/tlsid.log" "$TLSID" --foreground --ready-fd 3 -v --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
	--trust "$W/testca.crt" --eve "$W/tlsid-eve.json"
TLSID_PID=$SPAWN_PID

# dot_q NAME: one DoT query from the client, trusting the signing CA
# (the certificate the client sees is tlsid's); prints the answer or
# reset/closed, returns dot.py's status
dot_q() {
	in_c env DOT_CA="$W/signca.crt" DOT_SNI=site.test python3 "$DOT" query 10.9.0.2 "${2:-853}" "$1"
}

# ---- rules: ET Open with a real dns rule made a drop rule -----------------------
SID=2029107	# ET ADWARE_PUP Observed DNS Query to OSX/Bundalore Domain
BAD=appsdown.urbanvillager.xyz
grep -h "sid:$SID;" "$ET"/*.rules | grep '^alert dns' | grep -q "content:\"$BAD\"" ||
	fail "ET has no enabled dns rule $SID for $BAD"
cat "$ET"/*.rules | grep -v "sid:$SID;" >"$W/et.rules"
grep -h "sid:$SID;" "$ET"/*.rules | sed 's/^alert /drop /' >"$W/local.rules"
cat >>"$W/local.rules" <<'EOF'
alert dns any any -> any any (msg:"TLSI TEST dot alert only"; dns.query; dotprefix; content:".alert-me.test"; nocase; endswith; classtype:misc-activity; sid:9100101; rev:1;)
EOF
out=$(tlsictl rules load --classification "$ET/classification.config" \
	--var 'HOME_NET=[10.9.0.0/24]' "$W/et.rules" "$W/local.rules")
NRULES=$(echo "$out" | sed -n 's/^loaded into tlsi.ko: \([0-9]*\) rules.*/\1/p')
[ -n "$NRULES" ] && [ "$NRULES" -gt 18000 ] || fail "load: $out"
pass "ET Open (pcre exact) + local rules: $NRULES rules in the kernel"
monitor_start "$W/monitor.out" --eve "$W/eve.json"

# ---- a benign name resolves, inspected ------------------------------------------
stats_snapshot
assert_eq "$(dot_q www.example.org)" "$ANSWER" "benign DoT query"
[ "$(delta ips_flows_inspected)" -ge 1 ] || fail "ips_flows_inspected did not count"
assert_delta ips_blocks 0
_eve_has $SID && fail "EVE record of $SID for a benign name"

# ---- the ET domain: reset, no answer, the EVE record names the rule -------------
stats_snapshot
rc=0
out=$(dot_q $BAD 2>&1) || rc=$?
[ "$rc" = 2 ] && [ "$out" = reset ] || fail "query for $BAD not reset: rc $rc: $out"
pass "query for $BAD: the client was reset, no answer"
assert_delta ips_blocks 1
wait_until $T_REACT _eve_has $SID || fail "no EVE record of $SID: $(cat "$W/monitor.out")"
eve_has $SID "event_type=alert"
eve_has $SID "alert.action=blocked"
eve_has $SID "alert.signature=ET ADWARE_PUP Observed DNS Query to OSX/Bundalore Domain"
eve_has $SID "ssl_inspected=True"
eve_has $SID "app_proto=dns"
eve_has $SID "src_ip=10.9.0.1"
eve_has $SID "dest_ip=10.9.0.2"
eve_has $SID "dest_port=853"
eve_has $SID "direction=to_server"
eve_has $SID "tls.sni=site.test"
pass "EVE: $SID blocked with ssl_inspected true"
tlsictl rules show sid $SID | tail -n 1 | grep -Eq "^sid $SID rev [0-9]+ gid 1 action drop .* drops [1-9]" ||
	fail "rules show sid $SID: $(tlsictl rules show sid $SID)"

# ---- an alert-only dns.query rule: reported, answered -----------------------------
stats_snapshot
assert_eq "$(dot_q www.Alert-Me.test)" "$ANSWER" "alert-only dns rule"
wait_until $T_REACT _eve_has 9100101 || fail "no EVE record of 9100101: $(cat "$W/monitor.out")"
eve_has 9100101 "alert.action=allowed"
eve_has 9100101 "app_proto=dns"
assert_delta ips_blocks 0

# ---- the benign name still resolves after the block ------------------------------
assert_eq "$(dot_q benign.example.net)" "$ANSWER" "benign DoT query after the block"

# ---- a malformed query (a 70-byte second label, RFC 1035 allows 63): counted ---
# (the first label decides that the flow is DNS at all)
stats_snapshot
dot_q "www.$(printf 'a%.0s' $(seq 70)).example.org" >/dev/null 2>&1 || true
assert_delta ips_dns_anomalies 1
assert_delta ips_http_anomalies 0

# ---- the userspace relay: a CBC-only DoT server, the same rule -----------------
_tlsid_loaded() { grep -q "IPS rules for the userspace relay: $NRULES rules" "$W/tlsid.log"; }
wait_until $T_REACT _tlsid_loaded || fail "tlsid did not load the rules: $(grep IPS "$W/tlsid.log")"
assert_eq "$(dot_q www.example.org 8853)" "$ANSWER" "benign DoT query, userspace relay"
stats_snapshot
rc=0
out=$(dot_q $BAD 8853 2>&1) || rc=$?
[ "$rc" = 2 ] && [ "$out" = reset ] || fail "userspace relay: query for $BAD not reset: rc $rc: $out"
_reported() { [ "$(delta ssl_blocked)" -ge 1 ]; }
wait_until $T_REACT _reported || fail "the block was not reported to the kernel"
assert_delta ssl_relay_userspace 1
_tlsid_eve() { eve $SID "$W/tlsid-eve.json" >/dev/null 2>&1; }
wait_until $T_REACT _tlsid_eve || fail "no tlsid EVE record of $SID: $(tail -3 "$W/tlsid.log")"
eve $SID "$W/tlsid-eve.json" | grep -qxF "alert.action=blocked" || fail "tlsid EVE: $(eve $SID "$W/tlsid-eve.json")"
eve $SID "$W/tlsid-eve.json" | grep -qxF "app_proto=dns" || fail "tlsid EVE: $(eve $SID "$W/tlsid-eve.json")"
eve $SID "$W/tlsid-eve.json" | grep -qxF "ssl_inspected=True" || fail "tlsid EVE: $(eve $SID "$W/tlsid-eve.json")"
pass "userspace relay (CBC): query for $BAD reset, tlsid's EVE record names $SID"

# ---- tlsid counts as the kernel does (the engine's session driver) -------------
# the malformed query on the userspace relay; then SIGUSR1: the stats line
# has the engine event counter and the per-rule counters of the drop rule
dot_q "www.$(printf 'a%.0s' $(seq 70)).example.org" 8853 >/dev/null 2>&1 || true
_nstats() { grep -c 'tlsid: stats {' "$W/tlsid.log" || true; }
n0=$(_nstats)
kill -USR1 "$TLSID_PID"
_new_stats() { [ "$(_nstats)" -gt "$n0" ]; }
wait_until $T_REACT _new_stats || fail "no stats line after SIGUSR1: $(tail -3 "$W/tlsid.log")"
stats=$(python3 -c '
import json, sys
l = [x for x in open(sys.argv[1]) if "tlsid: stats {" in x][-1]
s = json.loads(l[l.index("{"):])
print("ips_dns_anomalies=%d" % s["ips_dns_anomalies"])
print("ips_http_anomalies=%d" % s["ips_http_anomalies"])
for r in s.get("ips_rules", []):
    if r["sid"] == int(sys.argv[2]):
        print("rule alerts=%d drops=%d hit=%s" % (r["alerts"], r["drops"], r["hits"] >= 1))
' "$W/tlsid.log" "$SID")
echo "$stats" | grep -qx "ips_dns_anomalies=1" || fail "tlsid did not count the malformed query: $stats"
echo "$stats" | grep -qx "ips_http_anomalies=0" || fail "tlsid: $stats"
echo "$stats" | grep -qx "rule alerts=1 drops=1 hit=True" || fail "tlsid's per-rule counters of $SID: $stats"
pass "tlsid counts the malformed DoT query (ips_dns_anomalies) and sid $SID's hits, alerts and drops"
