#!/bin/bash
# Interception and inspection over IPv6, with IPv4 beside it in the same
# run: tlsid's one dual-stack listener takes diverted connections of both
# families (tlsi.ko's IPv6 PRE_ROUTING hook assigns IPv6 SYNs to it, its
# policy routing has an `ip -6' rule and local route), connects upstream
# from the client's own IPv6 address, forges the certificate and hands the
# session to the kernel relay, whose engine blocks a real ET rule; cleartext
# HTTP over IPv6 goes through the module's own dual-stack listener and the
# same engine. Events, EVE and the inspection log carry RFC 5952 addresses.
#
#   client 10.9.0.1 2001:db8:9::1 -- [br0 10.9.0.254 2001:db8:9::254,
#        tlsid :15443] -- server 10.9.0.2 2001:db8:9::2 (nginx :443 TLS, :80)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

command -v nginx >/dev/null || fail "no nginx (scripts/install-deps.sh)"
C6=2001:db8:9::1
S6=2001:db8:9::2
W=/tmp/ipv6-icpt.$$
mkdir -p "$W"
on_exit "rm -rf $W"

tlsid_setup "$W" 443
chmod 755 "$W" "$W/www"
printf "hello over both families" >"$W/www/index.html"
ip -n "$NS_C" addr add "$C6/64" dev eth0 nodad
ip -n "$NS_S" addr add "$S6/64" dev eth0 nodad
ip -n "$NS_A" addr add 2001:db8:9::254/64 dev br0 nodad

mkdir -p "$W/nginx/logs"
cat >"$W/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log info;
events { worker_connections 256; }
http {
	log_format peer '\$remote_addr \$request';
	access_log $W/nginx/logs/access.log peer;
	client_body_temp_path $W/nginx/body;
	proxy_temp_path $W/nginx/proxy;
	fastcgi_temp_path $W/nginx/fastcgi;
	uwsgi_temp_path $W/nginx/uwsgi;
	scgi_temp_path $W/nginx/scgi;
	server {
		listen 10.9.0.2:443 ssl;
		listen [$S6]:443 ssl;
		listen 10.9.0.2:80;
		listen [$S6]:80;
		ssl_certificate $W/site.crt;
		ssl_certificate_key $W/site.key;
		root $W/www;
	}
}
EOF
spawn s nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -g "daemon off; user root;"
wait_port s 443
wait_port s 80
v6_up() { in_c curl -s -o /dev/null --max-time 10 "http://[$S6]/"; }
wait_until $T_REACT v6_up || fail "IPv6 through the bridge before tlsid"

cat >"$W/v6.rules" <<'EOF'
drop http $EXTERNAL_NET any -> $HOME_NET any (msg:"ET WEB_SERVER Possible MySQL SQLi User-Dump Attempt"; flow:to_server,established; http.uri; content:"select"; nocase; content:"mysql.user"; nocase; distance:1; reference:url,pentestmonkey.net/cheat-sheet/sql-injection/mysql-sql-injection-cheat-sheet; classtype:web-application-attack; sid:2017807; rev:4; metadata:created_at 2013_12_06, updated_at 2020_04_27, tlsi_trace;)
EOF
out=$(tlsictl rules load --var 'HOME_NET=[10.9.0.0/24,2001:db8:9::/64]' --var 'EXTERNAL_NET=any' "$W/v6.rules")
echo "$out" | grep -q "loaded into tlsi.ko: 1 rules" || fail "load: $out"

start_tlsid
in_a ip -6 rule | grep -q "fwmark 0x7a5 lookup 233" || fail "no IPv6 rule: $(in_a ip -6 rule)"
in_a ip -6 route show table 233 | grep -q "^local" ||
	fail "no IPv6 local route: $(in_a ip -6 route show table 233)"
pass "tlsid's policy routing covers IPv6"
monitor_start "$W/monitor.out" --eve "$W/eve.json"

# ---- SSL over IPv6: intercepted, forged, relayed by the kernel ---------------------
curl6() { in_c curl -sS --max-time 120 --cacert "$W/signca.crt" --resolve "site.test:443:[$S6]" "$@"; }
stats_snapshot
assert_eq "$(curl6 https://site.test/)" "hello over both families" "HTTPS over IPv6 through tlsid"
assert_delta ssl_diverted 1
assert_delta ssl_diverted_ipv6 1
issuer=$(in_c timeout 60 openssl s_client -connect "[$S6]:443" -servername site.test </dev/null 2>/dev/null |
	openssl x509 -noout -issuer)
echo "$issuer" | grep -q "tlsi test signing CA" || fail "IPv6 client not shown a forged certificate: $issuer"
last_log | grep -q "^client=\[$C6\]:[0-9]*$" || fail "inspection log client: $(last_log | tr '\n' ' ')"
log_has "server=[$S6]:443"
grep -q "^$C6 GET / " "$W/nginx/logs/access.log" ||
	fail "the server did not see the client's own IPv6 address: $(cat "$W/nginx/logs/access.log")"
pass "HTTPS over IPv6: forged certificate, the server sees $C6, log in RFC 5952"

# the same listener, IPv4
assert_eq "$(in_c curl -sS --max-time 120 --cacert "$W/signca.crt" --resolve site.test:443:10.9.0.2 https://site.test/)" \
	"hello over both families" "HTTPS over IPv4 through the same tlsid"
pass "one dual-stack listener serves IPv4 too"

# ---- the engine blocks an attack inside IPv6 TLS ---------------------------------------
stats_snapshot
rc=0
out=$(curl6 'https://site.test/index.php?id=1+union+select+password+from+mysql.user' 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "attack over IPv6 TLS not blocked: $out"
assert_delta ips_blocks 1
wait_until $T_REACT _eve_has 2017807 || fail "no EVE record of 2017807: $(cat "$W/monitor.out")"
eve_has 2017807 "alert.action=blocked"
eve_has 2017807 "src_ip=$C6"
eve_has 2017807 "dest_ip=$S6"
eve_has 2017807 "ssl_inspected=True"
grep -q "mysql.user" "$W/nginx/logs/access.log" && fail "the attack reached nginx"
pass "attack in IPv6 TLS blocked by the kernel relay's engine, EVE with IPv6 addresses"

# the blocked flow was traced (the rule says tlsi_trace): an IPv6 pcap
FLOW=$(eve 2017807 | sed -n 's/^flow_id=//p')
_trace_ended() { tlsictl trace show | grep -q "^$FLOW .* ended$"; }
wait_until $T_REACT _trace_ended || fail "trace of flow $FLOW: $(tlsictl trace show)"
tlsictl trace show | grep -Eq "^$FLOW client \[$C6\]:[0-9]+ server \[$S6\]:443 sid 2017807 " ||
	fail "trace show: $(tlsictl trace show)"
ctl_ok trace save "$W/v6.pcap" --flow "$FLOW"
tcpdump -nn -vv -r "$W/v6.pcap" -A >"$W/v6.txt" 2>&1 || fail "tcpdump -r: $(cat "$W/v6.txt")"
grep -qF "GET /index.php?id=1+union+select+password+from+mysql.user" "$W/v6.txt" ||
	fail "the decrypted request is not in the pcap: $(head -c 2000 "$W/v6.txt")"
grep -q "$C6\.[0-9]* > $S6\.443: Flags \[S\]" "$W/v6.txt" ||
	fail "no IPv6 SYN of the real flow: $(grep -m3 ' > ' "$W/v6.txt")"
c=$(pcap_complaints "$W/v6.txt"); [ -z "$c" ] || fail "tcpdump complains: $c"
grep -q "cksum 0x[0-9a-f]* (correct)" "$W/v6.txt" || fail "tcpdump did not verify checksums: $(head -4 "$W/v6.txt")"
pass "the blocked IPv6 flow's trace: tlsictl trace show in RFC 5952, an IPv6 pcap with the request in clear"

# ---- cleartext HTTP over IPv6 --------------------------------------------------------------
stats_snapshot
assert_eq "$(in_c curl -sS --max-time 120 "http://[$S6]/")" "hello over both families" "HTTP over IPv6"
assert_delta cleartext_diverted_ipv6 1
rc=0
out=$(in_c curl -sS --max-time 120 "http://[$S6]/index.php?id=1+union+select+password+from+mysql.user" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "cleartext attack over IPv6 not blocked: $out"
assert_delta ips_blocks 1
assert_delta cleartext_diverted_ipv6 2
grep -q "mysql.user" "$W/nginx/logs/access.log" && fail "the cleartext attack reached nginx"
[ "$(grep -c "^$C6 GET / " "$W/nginx/logs/access.log")" -ge 2 ] ||
	fail "cleartext: the server did not see $C6: $(cat "$W/nginx/logs/access.log")"
pass "cleartext HTTP over IPv6: relayed from the client's address, attack blocked"

# ---- a TM trust filter: still proxied (forged certificate), never inspected ----------------
ctl_ok tm add trusted action trust src "$C6" proto tcp dport 443
stats_snapshot
out=$(curl6 'https://site.test/?id=1+union+select+password+from+mysql.user') ||
	fail "a trusted client's request was blocked: $out"
assert_eq "$out" "hello over both families" "trusted: the request passes uninspected"
assert_delta ssl_diverted 1
assert_delta ips_flows_trusted_uninspected 1
assert_delta ips_blocks 0
ctl_ok tm del trusted
pass "TM trust: the IPv6 session is proxied (decrypted) but not inspected"

kill "$TLSID_PID"
wait_until $T_REACT tlsid_gone || fail "tlsid did not exit"
! in_a ip -6 rule | grep -q "fwmark 0x7a5" || fail "IPv6 rule left behind: $(in_a ip -6 rule)"
pass "tlsid took its IPv6 routing down"
