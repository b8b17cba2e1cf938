#!/bin/bash
# TCP/IP evasions against cleartext inspection: a real ET attack (sid
# 2017807, made a drop rule) sent with scapy as one segment, one segment per
# byte, reordered segments, retransmissions with conflicting data,
# overlapping out-of-order segments and reversed 24-byte IP fragments. The
# appliance's own TCP/IP stack reassembles for the relay as the server would,
# so each attack is still blocked (the client is reset, nginx never serves
# it), while the same technique carrying a benign request gets its answer
# (so a block is the IPS, not a broken path).
#
#   client 10.9.0.1 (scapy) -- eth0 [br0 10.9.0.254, tlsid's divert routing] eth1 -- server 10.9.0.2 nginx :80
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

command -v nginx >/dev/null || fail "no nginx (scripts/install-deps.sh)"
/usr/bin/python3 -c 'import scapy' 2>/dev/null || fail "no scapy (python3-scapy, scripts/install-deps.sh)"
W=/tmp/ips-evasion.$$
mkdir -p "$W"
on_exit "rm -rf $W"

tlsid_setup "$W" 443
chmod 755 "$W" "$W/www"
printf "evasion test" >"$W/www/index.html"
mkdir -p "$W/nginx/logs"
cat >"$W/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log info;
events { worker_connections 256; }
http {
	access_log $W/nginx/logs/access.log;
	client_body_temp_path $W/nginx/body;
	proxy_temp_path $W/nginx/proxy;
	fastcgi_temp_path $W/nginx/fastcgi;
	uwsgi_temp_path $W/nginx/uwsgi;
	scgi_temp_path $W/nginx/scgi;
	server {
		listen 10.9.0.2:80;
		root $W/www;
		location / { try_files \$uri /index.html; }
	}
}
EOF
spawn s nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -g "daemon off; user root;"
wait_port s 80

cat >"$W/evasion.rules" <<'EOF'
drop http $EXTERNAL_NET any -> $HOME_NET any (msg:"ET WEB_SERVER Possible MySQL SQLi User-Dump Attempt"; flow:to_server,established; http.uri; content:"select"; nocase; content:"mysql.user"; nocase; distance:1; reference:url,pentestmonkey.net/cheat-sheet/sql-injection/mysql-sql-injection-cheat-sheet; classtype:web-application-attack; sid:2017807; rev:4; metadata:created_at 2013_12_06, updated_at 2020_04_27;)
EOF
out=$(tlsictl rules load --var 'HOME_NET=[10.9.0.0/24]' --var 'EXTERNAL_NET=any' "$W/evasion.rules")
echo "$out" | grep -q "loaded into tlsi.ko: 1 rules" || fail "load: $out"
start_tlsid

# The client's kernel knows nothing of scapy's connections: its resets
# would end them.
in_c nft add table ip evasion
in_c nft 'add chain ip evasion out { type filter hook output priority 0; }'
in_c nft add rule ip evasion out tcp flags '&' rst != 0 drop
BENIGN='/index.html?id=1+union+select+name+from+users'
ATTACK='/index.html?id=1+union+select+password+from+mysql.user'
# Each mode with the benign request, then the attack (one scapy process:
# its start takes seconds under TCG).
stats_snapshot
in_c /usr/bin/python3 "$TOOLS/evasion.py" all 10.9.0.2 80 "$BENIGN" "$ATTACK" \
	>"$W/evasion.out" 2>"$W/scapy.err" || true
sed 's/^/  scapy: /' "$W/scapy.err" | tail -n 40 >&2
for mode in plain tiny reorder conflict overlap fragments; do
	assert_eq "$(grep "^$mode " "$W/evasion.out")" "$mode response reset" \
		"$mode: the benign request answered, the attack reset"
done
assert_delta ips_blocks 6
# Bytes before the match are passed on as they come: cut into tiny
# segments, the server may get the request head but for its last bytes,
# then a reset. It must never serve it (nginx logs such a cut request with
# status 400).
served=$(grep "mysql.user" "$W/nginx/logs/access.log" | grep -v '" 400 ' || true)
[ -z "$served" ] || fail "nginx served the attack: $served"
grep "mysql.user" "$W/nginx/logs/access.log" | sed "s/^/info: nginx logged a cut request: /" || true
assert_eq "$(grep -c "union+select+name" "$W/nginx/logs/access.log")" 6 "benign requests in nginx's log"
pass "6 evasions: each attack blocked and never served, each benign request answered"
echo "info: fragments steered $(counter ssl_packets_steered), reassembled by the appliance's stack"
