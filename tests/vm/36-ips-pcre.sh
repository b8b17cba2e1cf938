#!/bin/bash
# pcre evaluated in the kernel on live decrypted traffic: tlsid intercepts,
# tlsi.ko relays the plaintext through kTLS and its engine runs ET Open's
# web-server rules as `tlsictl rules load' compiles them by default (their
# pcre evaluated exactly by the regex matcher). A real ET rule whose pcre
# decides (2017091, made a drop rule) resets the request its expression
# matches and lets through a request that has the rule's content but not
# the expression's match; an alert-only ET pcre rule (2017437) alerts on
# its match and not on a near miss. With --pcre=prefilter (expressions
# ignored) the same near miss is blocked: the difference is the pcre.
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
W=/tmp/ips-pcre.$$
mkdir -p "$W"
on_exit "rm -rf $W"

CERTS=$W
mkca testca "tlsi test CA"
mkca signca "tlsi test signing CA"
mkleaf site site.test testca "ec -pkeyopt ec_paramgen_curve:P-256"
head -c 64K /dev/urandom >"$W/file.bin"

tlsi_basic
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0
spawn s python3 "$TLSI_REPO/tests/vm/tools/https_server.py" 443 "$W/file.bin" "site.test=$W/site.crt,$W/site.key"
wait_port s 443 tcp 120
ctl_ok ssl-proxy add web ports 443 reset
ctl_ok ssl-policy add outbound profile p1 proxy web
ctl_ok config set ssl-client on
spawn a "$TLSID" --foreground --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
	--trust "$W/testca.crt" >>"$W/tlsid.log" 2>&1
_diverting() { tlsictl config show | grep -q "divert-port 15443 "; }
wait_until $T_START _diverting || fail "tlsid did not start: $(cat "$W/tlsid.log")"
wait_port a 15443 tcp 120

# -g: the URLs carry [ and ] literally
curl_c() {
	in_c curl -sS -g --max-time 30 --cacert "$W/signca.crt" --resolve site.test:443:10.9.0.2 "$@"
}

# ---- ET's web-server rules, pcre exact (the default) ----------------------------------
DROP=2017091	# ET WEB_SERVER WebShell - Pouya - URI - action=
ALERT=2017437	# ET WEB_SERVER PHP GET SuperGlobal in URI
RULES=$ET/emerging-web_server.rules
for sid in $DROP $ALERT; do
	grep -h "sid:$sid;" "$RULES" | grep -q '^alert http.*pcre:' || fail "ET has no enabled pcre rule $sid"
done
grep -v "sid:$DROP;" "$RULES" >"$W/web.rules"
grep -h "sid:$DROP;" "$RULES" | sed 's/^alert /drop /' >"$W/local.rules"
load() {
	out=$(tlsictl rules load "$@" --classification "$ET/classification.config" \
		--var 'HOME_NET=[10.9.0.2/32]' "$W/web.rules" "$W/local.rules")
	NRULES=$(echo "$out" | sed -n 's/^loaded into tlsi.ko: \([0-9]*\) rules.*/\1/p')
	[ -n "$NRULES" ] && [ "$NRULES" -gt 500 ] || fail "load $*: $out"
}
load
tlsictl rules show sid $DROP | tail -n 1 | grep -Eq "^sid $DROP rev [0-9]+ gid 1 action drop " ||
	fail "rules show sid $DROP: $(tlsictl rules show sid $DROP)"
show=$(tlsictl rules show sid $DROP)
grep -q " pcre exact " <<<"$show" || fail "rules show: $show"
pass "ET web-server rules, pcre exact: $NRULES rules in the kernel"
monitor_start "$W/monitor.out" --eve "$W/eve.json"

# ---- the drop rule: its content alone does not block, its expression does --------------
# /\.asp\?action=(?:txt(?:edit|view)|upload|info|del)(?:&|$)/i on http.uri
stats_snapshot
assert_eq "$(curl_c https://site.test/shell.asp?action=uploadx)" "site.test says hello" \
	"content \".asp?action=\" without the pcre's match passes"
assert_eq "$(curl_c https://site.test/shell.asp?action=listfiles)" "site.test says hello" \
	"another near miss passes"
[ "$(delta ips_flows_inspected)" -ge 2 ] || fail "ips_flows_inspected: $(delta ips_flows_inspected)"
assert_delta ips_blocks 0
_eve_has $DROP && fail "EVE record of $DROP for a near miss: $(eve $DROP | tr '\n' ' ')"
for url in '/shell.asp?action=upload' '/x/Shell.ASP?Action=TxtView&f=1'; do
	stats_snapshot
	rc=0
	out=$(curl_c "https://site.test$url" 2>&1) || rc=$?
	[ "$rc" != 0 ] && echo "$out" | grep -qi "reset" || fail "$url not reset: rc $rc: $out"
	assert_delta ips_blocks 1
	assert_delta relay_inspection_blocked 1
	wait_until $T_REACT _eve_has $DROP || fail "no EVE record of $DROP: $(cat "$W/monitor.out")"
	eve_has $DROP "http.url=$url"
	pass "$url: reset by sid $DROP's pcre (curl $rc)"
done
eve_has $DROP "alert.action=blocked"
eve_has $DROP "alert.signature=ET WEB_SERVER WebShell - Pouya - URI - action="
eve_has $DROP "ssl_inspected=True"
eve_has $DROP "app_proto=http"
eve_has $DROP "tls.sni=site.test"
eve_has $DROP "src_ip=10.9.0.1"

# ---- an alert-only pcre rule: alert on the match, silence on the near miss -------------
# /[&\?]_GET\[[^\]]+?\][^=]*?=/ on http.uri
assert_eq "$(curl_c 'https://site.test/x.php?_GET[cmd]')" "site.test says hello" "near miss (no =)"
assert_eq "$(curl_c 'https://site.test/x.php?a=_GET[cmd]=1')" "site.test says hello" "near miss (no ? or & before)"
assert_eq "$(curl_c 'https://site.test/x.php?id=2&_GET[cmd]=id')" "site.test says hello" "alert-only rule lets it through"
wait_until $T_REACT _eve_has $ALERT || fail "no EVE record of $ALERT: $(cat "$W/monitor.out")"
eve_has $ALERT "alert.action=allowed"
eve_has $ALERT "http.url=/x.php?id=2&_GET[cmd]=id"
[ "$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if l.strip() and json.loads(l)["alert"]["signature_id"] == int(sys.argv[2])))' "$W/eve.json" $ALERT)" = 1 ] ||
	fail "sid $ALERT alerted on a near miss: $(grep -c . "$W/eve.json") records"
tlsictl rules show sid $ALERT | tail -n 1 | grep -Eq "^sid $ALERT .* hits 1 alerts 1 drops 0" ||
	fail "rules show sid $ALERT: $(tlsictl rules show sid $ALERT)"
pass "alert-only ET pcre rule $ALERT: one alert, for its match only"

# ---- the same rules with the expressions ignored: the near miss is blocked ----------------
load --pcre=prefilter
show=$(tlsictl rules show sid $DROP)
grep -q " pcre prefilter " <<<"$show" || fail "rules show: $show"
stats_snapshot
rc=0
out=$(curl_c https://site.test/shell.asp?action=uploadx 2>&1) || rc=$?
[ "$rc" != 0 ] && echo "$out" | grep -qi "reset" || fail "prefilter: near miss not reset: rc $rc: $out"
assert_delta ips_blocks 1
pass "with --pcre=prefilter the near miss is blocked (a false positive the pcre prevents)"
load
assert_eq "$(curl_c https://site.test/shell.asp?action=uploadx)" "site.test says hello" \
	"pcre exact again: the near miss passes"
