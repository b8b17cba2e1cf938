#!/bin/bash
# IPS on TCP inside tunnels: GRE (with a key) and IPv4-in-IPv4 flows are
# inspected on the bridge by the inline stream normaliser (kmod/tunnel.c),
# without tlsid, with real ET rules and real programs:
#   - curl to python's http.server through each tunnel: a 1 MiB download
#     arrives byte for byte, inspected;
#   - ET 2017807 made a drop rule: the attack through IPIP is dropped (curl
#     fails, the server never logs it, no reset goes into the tunnel), EVE
#     names the inner addresses;
#   - dig +tcp and dig through GRE with ET 2012811 made drop: .tk dropped
#     over TCP (the stream) and over UDP (the inner datagram);
#   - scapy's evasions of 34-ips-evasion into GRE: conflicting
#     retransmissions (attack blocked, benign answered), an
#     overlapping extension and IP fragments (dropped, counted);
#   - ET 2025487 (tls.sni) on openssl s_client's ClientHello inside GRE
#     (tunnelled TLS is inspected as cleartext, not decrypted);
#   - netem reordering on the server's tunnel device: out-of-order
#     segments dropped, counted, the download still intact;
#   - a download begun before the rules: passed mid-stream, counted;
#   - inspect-cleartext off: the attack passes; rmmod with a stream in
#     flight.
# Each check is made once, in one tunnel, where the other would show
# nothing new (CI time).
#
#   client 10.9.0.1 ==gre1 (key 42): 192.168.77.1 -> .2, ipip1: 192.168.78.1 -> .2== server 10.9.0.2
#                                                       http.server :8000, s_server :8443
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

ET=${TLSI_ET_OPEN:-build/et-open}
[ -d "$ET" ] || fail "no ET Open rules at $ET"
TOOLS=$TLSI_REPO/tests/vm/tools
W=/tmp/ips-tunnel.$$
mkdir -p "$W/www"
on_exit "rm -rf $W"

topo_up
ctl_ok profile add p1
ctl_ok segment add seg1 profile p1 ports eth0 eth1
tunnel_add gre1 gre 192.168.77.1 192.168.77.2 key 42
tunnel_add ipip1 ipip 192.168.78.1 192.168.78.2

head -c 1048576 /dev/urandom >"$W/www/big.bin"
BIG_SHA=$(sha256sum <"$W/www/big.bin" | cut -d' ' -f1)
head -c 262144 /dev/urandom >"$W/www/small.bin"
SMALL_SHA=$(sha256sum <"$W/www/small.bin" | cut -d' ' -f1)
printf "tunnelled hello" >"$W/www/index.html"
spawn s python3 -m http.server 8000 --bind 0.0.0.0 --directory "$W/www" >"$W/http.log" 2>&1
wait_port s 8000
CERTS=$W
mkca site cdn.maraukog.info
spawn s python3 "$TOOLS/clear_servers.py" dns 53 192.168.77.2 "$W/queries.log"
wait_port s 53 udp
wait_port s 53 tcp
spawn s openssl s_server -quiet -accept 8443 -cert "$W/site.crt" -key "$W/site.key" -www
wait_port s 8443

get() { in_c curl -sS --max-time 120 "$@"; }
# slow_get HOST PATH: the body's sha256, read at about 80 KB/s through a
# small receive buffer, so that the transfer itself is slow (curl's
# --limit-rate only reads slowly from a buffer TCP fills at once).
slow_get() {
	python3 -c '
import hashlib, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((sys.argv[1], 8000))
s.sendall(b"GET %s HTTP/1.0\r\n\r\n" % sys.argv[2].encode())
buf = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    buf += d
    time.sleep(0.05)
print(hashlib.sha256(buf.split(b"\r\n\r\n", 1)[1]).hexdigest())
' "$@"
}
sha_of() { get "$1" | sha256sum | cut -d' ' -f1; }
through() { [ "$(get --max-time 5 "http://$1:8000/" 2>/dev/null)" = "tunnelled hello" ]; }
for dst in 192.168.77.2 192.168.78.2; do
	wait_until $T_REACT through "$dst" || fail "no path through the tunnel to $dst"
done

# A download older than the rules (it goes on meanwhile): picked up
# mid-stream, passed uninspected.
MID0=$(counter ips_tunnel_midstream_passed)
spawn c bash -c "$(declare -f slow_get); slow_get 192.168.78.2 /big.bin >$W/mid.sha"

# ---- rules: ET 2017807 and 2012811 made drop rules, ET 2025487 as it is -----------------
grep -h -e "sid:2017807;" -e "sid:2012811;" "$ET"/*.rules | sed 's/^#* *alert /drop /' >"$W/tunnel.rules"
grep -q '^drop dns' "$W/tunnel.rules" || fail "ET has no rule 2012811: $(cat "$W/tunnel.rules")"
grep -h "sid:2025487;" "$ET"/*.rules | grep '^alert tls' >>"$W/tunnel.rules" ||
	fail "ET has no enabled rule 2025487"
grep -q '^drop http' "$W/tunnel.rules" || fail "ET has no rule 2017807: $(cat "$W/tunnel.rules")"
out=$(tlsictl rules load --classification "$ET/classification.config" \
	--var 'HOME_NET=[192.168.0.0/16]' --var 'EXTERNAL_NET=any' "$W/tunnel.rules")
echo "$out" | grep -q "loaded into tlsi.ko: 3 rules" || fail "load: $out"
pass "ET 2017807, 2012811 (as drop) and ET 2025487 loaded"
monitor_start "$W/monitor.out" --eve "$W/eve.json"

# ---- clean downloads, byte for byte, inspected -------------------------------------------
stats_snapshot
for dst in 192.168.77.2 192.168.78.2; do
	assert_eq "$(sha_of "http://$dst:8000/big.bin")" "$BIG_SHA" "1 MiB through $dst, inspected"
done
[ "$(delta ips_tunnel_flows_inspected)" -ge 2 ] ||
	fail "ips_tunnel_flows_inspected: $(delta ips_tunnel_flows_inspected)"
[ "$(delta ips_bytes_inspected)" -ge $((2 * 1048576)) ] ||
	fail "ips_bytes_inspected: $(delta ips_bytes_inspected)"
assert_delta ips_blocks 0
assert_delta drop_ips_tunnel 0
assert_delta ssl_diverted 0
pass "1 MiB downloads through GRE and IPIP identical and inspected ($(delta ips_bytes_inspected) bytes)"

# ---- the attack: dropped inside IPIP (and inside GRE: the evasions below) --------------------
Q='/index.php?id=1+union+select+password+from+mysql.user'
stats_snapshot
rc=0
out=$(get --max-time 3 "http://192.168.78.2:8000$Q" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "attack through IPIP not blocked: $out"
[ "$(delta drop_ips_tunnel)" -ge 1 ] || fail "drop_ips_tunnel did not grow"
assert_delta ips_blocks 1
assert_delta tcp_resets_sent 0
grep -q "mysql.user" "$W/http.log" && fail "the attack reached the server through IPIP"
pass "attack through IPIP blocked (curl $rc), the server never saw it"
wait_until $T_REACT _eve_has 2017807 || fail "no EVE record of 2017807: $(cat "$W/monitor.out")"
eve_has_all 2017807 "alert.action=blocked" "src_ip=192.168.78.1" "dest_ip=192.168.78.2" \
	"dest_port=8000" "app_proto=http" "http.url=$Q"
pass "EVE names the rule and the inner addresses"
# the blocked flow's later frames stay dropped; a new connection is fine
assert_eq "$(get http://192.168.77.2:8000/)" "tunnelled hello" "a new connection after the block"

# ---- DNS inside GRE: over TCP (the stream) and over UDP (per datagram) ---------------------
dig_t() { in_c dig +time=2 +tries=1 +short @192.168.77.2 "$@" || true; }
stats_snapshot
assert_eq "$(dig_t +tcp ok.example)" "192.168.77.2" "dig +tcp through GRE"
assert_eq "$(dig_t ok.example)" "192.168.77.2" "dig through GRE"
dig_t +tcp evil.tk | grep -qx 192.168.77.2 && fail "the .tk query over TCP got an answer"
[ "$(delta drop_ips_tunnel)" -ge 1 ] || fail "drop_ips_tunnel did not grow for DNS over TCP"
dig_t evil.tk | grep -qx 192.168.77.2 && fail "the .tk query over UDP got an answer"
assert_delta drop_ips_udp 1
assert_delta ips_blocks 2
grep -q "^evil.tk " "$W/queries.log" && fail "a .tk query reached the server"
pass "DNS inside GRE: answered; .tk dropped over TCP and over UDP before the server"

wait_until $T_REACT test -s "$W/mid.sha" || fail "the download older than the rules did not end"
assert_eq "$(cat "$W/mid.sha")" "$BIG_SHA" "1 MiB begun before the rules"
assert_eq "$(($(counter ips_tunnel_midstream_passed) - MID0))" 1 "ips_tunnel_midstream_passed grew by"
pass "a tunnelled flow older than the rules passed uninspected, counted"

# ---- evasions, sent with scapy into the tunnel --------------------------------------------
# The client's kernel knows nothing of scapy's connections: its resets
# would end them.
in_c nft add table ip evasion
in_c nft 'add chain ip evasion out { type filter hook output priority 0; }'
in_c nft add rule ip evasion out tcp flags '&' rst != 0 drop
stats_snapshot
in_c env EVASION_RAW=1 EVASION_WAIT=2 EVASION_MODES="conflict extend fragments" \
	/usr/bin/python3 "$TOOLS/evasion.py" all 192.168.77.2 8000 \
	'/index.html?id=1+union+select+name+from+users' "$Q" >"$W/evasion.out" 2>"$W/scapy.err" || true
sed 's/^/  scapy: /' "$W/scapy.err" | tail -n 20 >&2
for want in "conflict response nothing" "extend nothing nothing" \
	"fragments nothing nothing"; do
	grep -qxF "$want" "$W/evasion.out" || fail "evasion: no '$want' in: $(cat "$W/evasion.out")"
done
[ "$(delta drop_ips_tunnel_overlap)" -ge 2 ] || fail "drop_ips_tunnel_overlap: $(delta drop_ips_tunnel_overlap)"
[ "$(delta drop_ips_tunnel_fragment)" -ge 2 ] || fail "drop_ips_tunnel_fragment: $(delta drop_ips_tunnel_fragment)"
assert_delta ips_blocks 1
grep -q "mysql.user" "$W/http.log" && fail "an evasion delivered the attack"
in_c nft delete table ip evasion
pass "in GRE, conflicting retransmissions: the attack blocked, the benign request answered; overlapping and fragmented segments dropped"

# ---- tls.sni on a tunnelled ClientHello ----------------------------------------------------
stats_snapshot
out=$(in_c timeout 60 openssl s_client -connect 192.168.77.2:8443 -servername cdn.maraukog.info \
	</dev/null 2>&1) || fail "s_client through GRE: $out"
wait_until $T_REACT _eve_has 2025487 || fail "no EVE record of ET 2025487: $(cat "$W/monitor.out")"
eve_has_all 2025487 "src_ip=192.168.77.1" "dest_port=8443" "app_proto=tls" "alert.action=allowed"
assert_delta ssl_tunnel_not_intercepted 0
pass "ET 2025487 (tls.sni) matched openssl s_client's ClientHello inside GRE"

# ---- reordering on the inner path ----------------------------------------------------------
if in_s tc qdisc add dev gre1 root netem delay 10ms reorder 50% 50% 2>"$W/tc.err"; then
	stats_snapshot
	n=0
	while [ "$(delta drop_ips_tunnel_out_of_order)" = 0 ] && [ $n -lt 5 ]; do
		assert_eq "$(sha_of http://192.168.77.2:8000/small.bin)" "$SMALL_SHA" \
			"256 KiB through reordering GRE"
		n=$((n + 1))
	done
	[ "$(delta drop_ips_tunnel_out_of_order)" -ge 1 ] ||
		fail "no out-of-order segment dropped in $n downloads"
	in_s tc qdisc del dev gre1 root
	pass "reordered: $(delta drop_ips_tunnel_out_of_order) out-of-order segments dropped, $n download(s) intact"
else
	echo "skip: no netem here: $(cat "$W/tc.err")"
fi

# ---- inspect-cleartext off: nothing inspected ----------------------------------------------
ctl_ok profile set p1 inspect-cleartext off
stats_snapshot
get -o /dev/null "http://192.168.77.2:8000$Q" 2>/dev/null || true
grep -q "mysql.user" "$W/http.log" || fail "with inspect-cleartext off the attack did not pass"
assert_eq "$(sha_of http://192.168.78.2:8000/small.bin)" "$SMALL_SHA" "256 KiB with inspect-cleartext off"
assert_delta ips_tunnel_flows_inspected 0
assert_delta ips_blocks 0
pass "inspect-cleartext off: tunnelled TCP passes uninspected"

# ---- unload with a live inspected stream ------------------------------------------------------
ctl_ok profile set p1 inspect-cleartext on
stats_snapshot
spawn c bash -c "$(declare -f slow_get); slow_get 192.168.78.2 /big.bin >/dev/null"
_streaming() { [ "$(delta ips_tunnel_flows_inspected)" -ge 1 ] && [ "$(delta ips_bytes_inspected)" -ge 100000 ]; }
wait_until $T_REACT _streaming || fail "no inspected download in flight"
rmmod "$TLSI_MODULE_NAME" || fail "rmmod failed"
insmod "$TLSI_MODULE"
pass "rmmod with a tunnelled stream in flight"
