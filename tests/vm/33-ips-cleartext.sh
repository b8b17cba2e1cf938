#!/bin/bash
# IPS on cleartext TCP: connections no SSL policy intercepts are relayed by
# tlsi.ko as a plain TCP proxy and inspected by the same engine as
# decrypted ones. Real ET rules (their text copied below) with real
# clients: curl to nginx on port 80 and on a port outside $HTTP_PORTS,
# python smtplib to an SMTP server, dig +tcp to a DNS server, and curl
# --http2-prior-knowledge to nginx's cleartext HTTP/2 listener (h2c).
# Benign traffic passes byte for byte; alert rules alert with app_proto and
# ssl_inspected false in EVE; drop rules block (the client is reset, the
# server never sees the attack); the profile setting inspect-cleartext off
# and tlsid's absence let traffic pass uninspected, counted.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid's divert routing] eth1 -- server 10.9.0.2
#                                                     nginx :80 :9181 :9182 (h2c)
#                                                     smtp :25, dns :53 (TCP)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

command -v nginx >/dev/null || fail "no nginx (scripts/install-deps.sh)"
command -v dig >/dev/null || fail "no dig (bind9-dnsutils, scripts/install-deps.sh)"
W=/tmp/ips-clear.$$
mkdir -p "$W/mail"
on_exit "rm -rf $W"

# tlsid with an SSL proxy on 443 only: its policy routing is what diverts
# cleartext connections to the module's listener.
tlsid_setup "$W" 443
chmod 755 "$W" "$W/www"
printf "cleartext says hello" >"$W/www/index.html"

# ---- servers ------------------------------------------------------------------------
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
		listen 10.9.0.2:9181;
		listen 10.9.0.2:9182 http2;
		root $W/www;
	}
}
EOF
spawn s nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -g "daemon off; user root;"
wait_port s 80
wait_port s 9182
spawn s python3 "$TOOLS/clear_servers.py" smtp 25 "$W/mail"
wait_port s 25
spawn s python3 "$TOOLS/clear_servers.py" dns 53 10.9.0.2
wait_port s 53

# ---- rules: real ET rules, two of them made drop rules -------------------------------
cat >"$W/clear.rules" <<'EOF'
drop http $EXTERNAL_NET any -> $HOME_NET any (msg:"ET WEB_SERVER Possible MySQL SQLi User-Dump Attempt"; flow:to_server,established; http.uri; content:"select"; nocase; content:"mysql.user"; nocase; distance:1; reference:url,pentestmonkey.net/cheat-sheet/sql-injection/mysql-sql-injection-cheat-sheet; classtype:web-application-attack; sid:2017807; rev:4; metadata:created_at 2013_12_06, updated_at 2020_04_27;)
alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS (msg:"GPL EXPLOIT cmd32.exe access"; flow:to_server,established; content:"cmd32.exe"; nocase; classtype:web-application-attack; sid:2101661; rev:5; metadata:created_at 2010_09_23, updated_at 2019_07_26;)
drop tcp $HOME_NET any -> $EXTERNAL_NET 25 (msg:"ET ATTACK_RESPONSE Possible /etc/passwd via SMTP (linux style)"; flow:established,to_server; content:"root|3a|x|3a|0|3a|0|3a|root|3a|/root|3a|/"; nocase; classtype:successful-recon-limited; sid:2003149; rev:6; metadata:created_at 2010_07_30, updated_at 2019_07_26;)
drop dns $HOME_NET any -> any any (msg:"ET DNS Query to a .tk domain - Likely Hostile"; dns.query; content:".tk"; fast_pattern; nocase; endswith; content:!"www.google.tk"; classtype:bad-unknown; sid:2012811; rev:7; metadata:created_at 2011_05_15, former_category DNS, updated_at 2020_09_17;)
alert dns $HOME_NET any -> any any (msg:"ET DNS Query for .su TLD (Soviet Union) Often Malware Related"; dns.query; content:".su"; nocase; endswith; reference:url,www.abuse.ch/?p=3581; classtype:bad-unknown; sid:2014169; rev:4; metadata:created_at 2012_01_31, updated_at 2020_09_14;)
EOF
ET=${TLSI_ET_OPEN:-build/et-open}
CLS=()
[ -f "$ET/classification.config" ] && CLS=(--classification "$ET/classification.config")
out=$(tlsictl rules load "${CLS[@]}" --var 'HOME_NET=[10.9.0.0/24]' --var 'EXTERNAL_NET=any' "$W/clear.rules")
echo "$out" | grep -q "loaded into tlsi.ko: 5 rules" || fail "load: $out"
pass "5 ET rules loaded"

# no daemon yet: fail open, counted
stats_snapshot
assert_eq "$(in_c curl -sS --max-time 60 http://10.9.0.2/)" "cleartext says hello" "no tlsid: passes"
assert_delta cleartext_no_divert_bypassed 1
assert_delta cleartext_diverted 0
pass "without tlsid's routing a cleartext flow passes uninspected, counted"

start_tlsid
monitor_start "$W/monitor.out" --eve "$W/eve.json"
curl_h() { in_c curl -sS --max-time 60 "$@"; }

# ---- HTTP on 80 and 9181: benign, byte for byte ------------------------------------
stats_snapshot
for port in 80 9181; do
	got=$(curl_h "http://10.9.0.2:$port/m.bin" | sha256sum | cut -d' ' -f1)
	assert_eq "$got" "$M_SHA" "1 MiB download on port $port through the inspecting relay"
done
assert_delta cleartext_diverted 2
assert_delta cleartext_relayed 2
[ "$(delta ips_flows_inspected)" -ge 2 ] || fail "ips_flows_inspected: $(delta ips_flows_inspected)"
[ "$(delta inspect_bytes_server_to_client)" -ge $((2 * 1048576)) ] ||
	fail "inspect_bytes_server_to_client: $(delta inspect_bytes_server_to_client)"
assert_delta ips_blocks 0
pass "benign downloads on 80 and 9181 identical, inspected"

# ---- a half-close that outlives the flow -------------------------------------------
# The server sends a line and closes its side; the client sends its last
# line only after the flow's close timeout has removed the flow. That late
# segment belongs to the relay's sockets (picked up: steered to them), not
# to the server, which has no such connection: it must arrive.
spawn s python3 -c '
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("10.9.0.2", 9300)); l.listen(1)
c = l.accept()[0]
c.sendall(b"first\n"); c.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = c.recv(4096)
    if not d:
        break
    got += d
open(sys.argv[1], "wb").write(got)
' "$W/late.got"
wait_port s 9300
ctl_ok config set timeout-tcp-close 1
stats_snapshot
mkfifo "$W/late.go"
in_c python3 -c '
import socket, sys
s = socket.create_connection(("10.9.0.2", 9300), timeout=120)
got = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    got += d
print(got.decode().strip(), flush=True)
open(sys.argv[1]).read()          # until the flow is gone
s.sendall(b"late\n"); s.shutdown(socket.SHUT_WR)
print("closed" if s.recv(1) == b"" else "data", flush=True)
' "$W/late.go" >"$W/late.out" 2>&1 &
late_pid=$!
wait_until $T_REACT grep -qx first "$W/late.out" || fail "half-close client: $(cat "$W/late.out")"
# (the appliance's own table: debugfs names each namespace's by its inode)
FLOWS=/sys/kernel/debug/tlsi/$(in_a stat -L -c %i /proc/self/ns/net)/flows
[ -r "$FLOWS" ] || fail "no flow table at $FLOWS"
# The diverted flow, half-closed (state fin_reply: the server's FIN came
# before the hook saw the client's ACK), is gone by the close timeout; a
# later ACK of the client's may have started a new one, picked up.
_flow_gone() { ! grep -q ":9300 .*flags .*diverted" "$FLOWS"; }
wait_until $T_REACT _flow_gone || fail "the flow stays: $(cat "$FLOWS")"
echo go >"$W/late.go"
wait "$late_pid" || fail "half-close client: $(cat "$W/late.out")"
assert_eq "$(tr '\n' ' ' <"$W/late.out")" "first closed " "client's view of the half-close"
wait_until $T_REACT test -e "$W/late.got" || fail "the server never saw the end"
assert_eq "$(cat "$W/late.got")" "late" "what the server got after the flow expired"
[ "$(delta ssl_flows_picked_up)" -ge 1 ] || fail "ssl_flows_picked_up: $(delta ssl_flows_picked_up)"
ctl_ok config set timeout-tcp-close 10
pass "a client's last line after the flow expired reached the server through the relay"

# ---- alert rule: raw stream, $HTTP_PORTS ----------------------------------------------
curl_h -o /dev/null "http://10.9.0.2/cmd32.exe" || fail "cmd32.exe on 80 did not pass"
wait_until $T_REACT _eve_has 2101661 || fail "no EVE record of 2101661: $(cat "$W/monitor.out")"
eve_has 2101661 "alert.action=allowed"
eve_has 2101661 "ssl_inspected=False"
eve_has 2101661 "app_proto=http"
eve_has 2101661 "dest_port=80"
eve_has 2101661 "src_ip=10.9.0.1"
n=$(grep -c '"signature_id": *2101661' "$W/eve.json")
curl_h -o /dev/null "http://10.9.0.2:9181/cmd32.exe" || fail "cmd32.exe on 9181 did not pass"
curl_h -o /dev/null "http://10.9.0.2/" || fail "after cmd32.exe"
assert_eq "$(grep -c '"signature_id": *2101661' "$W/eve.json")" "$n" "no alert outside \$HTTP_PORTS"
pass "alert rule on port 80 only (\$HTTP_PORTS), EVE app_proto http, ssl_inspected false"

# ---- drop rule: HTTP on a non-standard port ------------------------------------------
stats_snapshot
URL='http://10.9.0.2:9181/index.php?id=1+union+select+password+from+mysql.user'
rc=0
out=$(curl_h "$URL" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "attack on 9181 not blocked: $out"
pass "attack on port 9181 blocked (curl $rc: $out)"
assert_delta ips_blocks 1
assert_delta relay_inspection_blocked 1
wait_until $T_REACT _eve_has 2017807 || fail "no EVE record of 2017807"
eve_has 2017807 "alert.action=blocked"
eve_has 2017807 "app_proto=http"
eve_has 2017807 "ssl_inspected=False"
eve_has 2017807 "dest_port=9181"
eve_has 2017807 "http.url=/index.php?id=1+union+select+password+from+mysql.user"
grep -q "mysql.user" "$W/nginx/logs/access.log" && fail "the attack reached nginx"
pass "HTTP attack on a non-standard port: blocked before nginx, EVE names the rule"

# ---- SMTP: python smtplib ---------------------------------------------------------------
smtp_send() {
	in_c python3 - "$1" <<'EOF'
import smtplib, sys
body = open(sys.argv[1], "rb").read()
try:
    with smtplib.SMTP("10.9.0.2", 25, timeout=60) as s:
        s.sendmail("a@client.test", ["b@mail.test"], body)
    print("sent")
except (OSError, smtplib.SMTPException) as e:
    print("failed: %r" % e)
EOF
}
printf 'Subject: hello\r\n\r\nA benign message.\r\n' >"$W/benign.eml"
head -c 30000 /dev/urandom | base64 | sed 's/$/\r/' >>"$W/benign.eml"
assert_eq "$(smtp_send "$W/benign.eml")" "sent" "benign mail"
cmp -s "$W/benign.eml" "$W/mail/0.eml" || fail "the delivered mail differs from the one sent"
printf 'Subject: passwd\r\n\r\nroot:x:0:0:root:/root:/bin/bash\r\n' >"$W/attack.eml"
stats_snapshot
out=$(smtp_send "$W/attack.eml")
case $out in failed*) ;; *) fail "SMTP attack: $out" ;; esac
assert_delta ips_blocks 1
grep -rq "root:x:0:0" "$W/mail" && fail "the attack mail was delivered"
wait_until $T_REACT _eve_has 2003149 || fail "no EVE record of 2003149"
eve_has 2003149 "app_proto=smtp"
eve_has 2003149 "alert.action=blocked"
pass "SMTP: benign mail delivered byte for byte, /etc/passwd mail blocked ($out)"

# ---- DNS over TCP: dig +tcp ------------------------------------------------------------
dig_c() { in_c dig +tcp +time=20 +tries=1 +short @10.9.0.2 "$@" || true; }
assert_eq "$(dig_c ok.example)" "10.9.0.2" "dig +tcp ok.example"
assert_eq "$(dig_c mirror.example.su)" "10.9.0.2" "dig +tcp of a .su name (alert only)"
wait_until $T_REACT _eve_has 2014169 || fail "no EVE record of 2014169"
eve_has 2014169 "app_proto=dns"
eve_has 2014169 "alert.action=allowed"
stats_snapshot
dig_c evil.tk | grep -qx 10.9.0.2 && fail "the .tk query got an answer"
assert_delta ips_blocks 1
wait_until $T_REACT _eve_has 2012811 || fail "no EVE record of 2012811"
eve_has 2012811 "alert.action=blocked"
eve_has 2012811 "app_proto=dns"
pass "DNS over TCP: answered, .su alerted, .tk blocked"

# ---- h2c with prior knowledge ---------------------------------------------------------
assert_eq "$(curl_h --http2-prior-knowledge -w ' %{http_version}' http://10.9.0.2:9182/)" \
	"cleartext says hello 2" "h2c benign"
stats_snapshot
rc=0
out=$(curl_h --http2-prior-knowledge "http://10.9.0.2:9182/x.php?id=1+union+select+password+from+mysql.user" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "h2c attack not blocked: $out"
assert_delta ips_blocks 1
[ "$(grep -c "mysql.user" "$W/nginx/logs/access.log" || true)" = 0 ] || fail "the h2c attack reached nginx"
pass "h2c prior knowledge: benign passes with HTTP/2, the attack is blocked (curl $rc)"

# ---- malformed h2c: counted, the kernel unharmed ------------------------------------
stats_snapshot
got=$(in_c python3 - preface index tablesize continuation huffman oversized <<'EOF'
import socket, sys
def fr(t, fl, sid, p=b""):
    return len(p).to_bytes(3, "big") + bytes([t, fl]) + sid.to_bytes(4, "big") + p
pre = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + fr(4, 0, 0)
bad = {
    "preface": b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + fr(4, 0, 0),
    "index": pre + fr(1, 5, 1, b"\x82\xff\x40"),
    "tablesize": pre + fr(1, 5, 1, b"\x3f\xe1\xff\x03\x82"),
    "continuation": pre + fr(1, 0, 1, b"\x82") + b"".join(fr(9, 0, 1) for _ in range(40)),
    "huffman": pre + fr(1, 5, 1, b"\x82\x40\x81\xff\x01\x61"),
    "oversized": pre + ((1 << 24) - 1).to_bytes(3, "big") + bytes([0, 0, 0, 0, 0, 1]) + b"A" * 70000,
}
for kind in sys.argv[1:]:
    s = socket.create_connection(("10.9.0.2", 9182), timeout=60)
    try:
        s.sendall(bad[kind])
        s.settimeout(3)
        while s.recv(4096):
            pass
    except Exception:
        pass
    print(kind)
    s.close()
EOF
)
assert_eq "$(echo $got)" "preface index tablesize continuation huffman oversized" "malformed h2c sent"
_h2_anomalies() { [ "$(delta ips_http2_anomalies)" -ge 4 ]; }
wait_until $T_REACT _h2_anomalies || fail "ips_http2_anomalies grew by $(delta ips_http2_anomalies)"
assert_eq "$(curl_h --http2-prior-knowledge -w ' %{http_version}' http://10.9.0.2:9182/)" \
	"cleartext says hello 2" "h2c after malformed input"
pass "malformed h2c counted ($(delta ips_http2_anomalies) anomalies), the site works afterwards"

# ---- inspect-cleartext off ------------------------------------------------------------
ctl_ok profile set p1 inspect-cleartext off
tlsictl profile show | grep -q "^p1 .*inspect-cleartext off" || fail "profile show: $(tlsictl profile show)"
stats_snapshot
curl_h -o /dev/null "$URL" || fail "with inspect-cleartext off the request did not pass"
assert_delta cleartext_diverted 0
assert_delta ips_blocks 0
grep -q "mysql.user" "$W/nginx/logs/access.log" || fail "the request did not reach nginx"
ctl_ok profile set p1 inspect-cleartext on
ctl_fail 2 "neither .on. nor .off." profile set p1 inspect-cleartext maybe
pass "inspect-cleartext off: not diverted, not inspected"

# ---- refusals: a direct connection to the listener ------------------------------------
# The module's listener is the one without a process (a kernel socket,
# dual-stack: `*:PORT').
port=$(in_a ss -Hltnp | awk '$4 ~ /^(\*|0\.0\.0\.0|\[::\]):/ && !/users:/ { sub(/.*:/, "", $4); print $4 }' | head -1)
[ -n "$port" ] || fail "no kernel listener: $(in_a ss -Hltnp)"
stats_snapshot
in_a python3 -c '
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    s.settimeout(10)
    print("data" if s.recv(1) else "closed")
except OSError as e:
    print("reset" if isinstance(e, ConnectionResetError) else repr(e))
' "$port" >"$W/direct.out" || true
assert_eq "$(cat "$W/direct.out")" "reset" "a direct connection to the listener (port $port)"
assert_delta cleartext_refused_not_diverted 1
pass "a connection to the listener that was not diverted is reset, counted"
