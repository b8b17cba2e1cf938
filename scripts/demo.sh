#!/bin/bash
# The README's demo, run inside the VM by "make demo": a client, the tlsi
# appliance (a bridge) and a server, each in its own network namespace.
# It configures the appliance with tlsictl and shows traffic passing, being
# blocked by each table, the events it raises and the counters it keeps.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/vm/lib.sh
. tests/vm/tlsi.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Topology: client 10.9.0.1 -- [eth0 br0 eth1 appliance] -- server 10.9.0.2"
topo_up
mkdir -p /tmp/demo-www.$$ && echo "hello from the server" >/tmp/demo-www.$$/index.html
spawn s python3 -m http.server 80 --bind 10.9.0.2 --directory /tmp/demo-www.$$
wait_port s 80
tcp_server 8080
monitor_start /tmp/demo-events.$$

say "Bind the bridge ports to a segment with a profile"
run tlsictl profile add office rep-block 80 rep-alert 50
run tlsictl segment add lan-wan profile office ports eth0 eth1
run tlsictl segment show

# The demo checks what it shows: anything unexpected is counted and makes
# it fail at the end.
UNEXPECTED=0
unexpected() {
	echo "  !! unexpected: $*" >&2
	UNEXPECTED=$((UNEXPECTED + 1))
}

# web EXPECT: the client fetches http://10.9.0.2/ with curl; EXPECT is
# answer or dropped. A request that should be answered may take 60 s (TCG on
# a busy host: it normally takes well under one); one that should be dropped
# never answers, so 5 s only keep the demo short.
web() {
	local out rc=0 secs=60 got
	[ "$1" = dropped ] && secs=5
	out=$(in_c curl -sS --max-time $secs http://10.9.0.2/ 2>&1) || rc=$?
	case $rc in
	0) got=answer; echo "client: curl http://10.9.0.2/ -> $out" ;;
	28) got=dropped; echo "client: curl http://10.9.0.2/ -> no answer (dropped)" ;;
	7) got=reset; echo "client: curl http://10.9.0.2/ -> connection refused (reset)" ;;
	*) got=error; echo "client: curl http://10.9.0.2/ -> error $rc: $out" ;;
	esac
	[ "$got" = "$1" ] || unexpected "expected $1, got $got"
}

say "A web request passes"
web answer

say "Traffic management: block TCP 8080 with a reset"
run tlsictl tm add no-8080 action block reset proto tcp dport 8080
got=$(probe tcp 10.9.0.2 8080)
printf 'client -> server:8080: %s\n' "$got"
[ "$got" = refused ] || unexpected "expected refused, got $got"

say "Reputation: the server's address is on a feed with score 90"
run tlsictl reputation add 10.9.0.2/32 score 90 category botnet-c2
web dropped
run tlsictl reputation del 10.9.0.2/32

# 30 s: the request below must come before it expires, and under TCG on a
# busy host the guest's clock runs ahead (10 s were once over before it).
say "Quarantine the client for 30 seconds"
run tlsictl quarantine add 10.9.0.1 timeout 30 reason "demo: infected host"
web dropped
quarantine_empty() { [ "$(tlsictl -j quarantine show)" = "[]" ]; }
wait_until $T_REACT quarantine_empty || unexpected "the quarantine did not expire"
echo "after expiry:"
web answer

say "SSL client inspection: tlsid decrypts https://site.test with a forged certificate"
CERTS=/tmp/demo-certs.$$
mkdir -p "$CERTS"
# A year: tlsid warns about a signing CA that expires within 30 days.
export MKCA_DAYS=365
mkca webca "Public Web CA"            # the CA that signed the real site
mkca corpca "Corp Inspection CA"      # the organisation's signing CA
mkleaf site site.test webca rsa:2048
head -c 1M /dev/urandom >"$CERTS/big.bin"
spawn s python3 tests/vm/tools/https_server.py 443 "$CERTS/big.bin" "site.test=$CERTS/site.crt,$CERTS/site.key"
wait_port s 443
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0
export TLSI_CERT_REPO=$CERTS/repo
printf '$ tlsictl cert import corpca cert corpca.crt key corpca.key signing\n'
tlsictl cert import corpca cert "$CERTS/corpca.crt" key "$CERTS/corpca.key" signing
run tlsictl ssl-proxy add web ports 443 cert corpca logging reset
run tlsictl ssl-policy add outbound profile office proxy web
run tlsictl config set ssl-client on
printf '$ tlsid --cert-repo %s --trust webca.crt --log inspect.log\n' "$TLSI_CERT_REPO"
# --ready-fd 3: tlsid says when it listens and tlsi.ko diverts to it.
spawn_ready a $T_START - userspace/tlsid/tlsid --foreground --ready-fd 3 --cert-repo "$TLSI_CERT_REPO" \
	--keystore "$CERTS/keys" --trust "$CERTS/webca.crt" --log "$CERTS/inspect.log"
echo "client: curl --cacert corpca.crt https://site.test/ (the client trusts only the Corp CA):"
# (curl's 120 s and s_client's 60: generous for a handshake through tlsid
# under TCG, a second or two normally)
in_c curl -sS --max-time 120 --resolve site.test:443:10.9.0.2 --cacert "$CERTS/corpca.crt" \
	-w '  -> HTTP %{http_code}, %{size_download} bytes\n' https://site.test/ ||
	unexpected "the inspected download failed"
echo "the certificate the client was shown:"
in_c timeout 60 openssl s_client -connect 10.9.0.2:443 -servername site.test </dev/null 2>/dev/null |
	openssl x509 -noout -subject -issuer | sed 's/^/  /'
echo "the SSL inspection log:"
sed 's/^/  /' "$CERTS/inspect.log" | head -n 3

say "IPS on the decrypted stream: an Emerging Threats rule, made a drop rule"
ET=${TLSI_ET_OPEN:-build/et-open}
SID=2017807	# ET WEB_SERVER Possible MySQL SQLi User-Dump Attempt
grep -h "sid:$SID;" "$ET"/*.rules | sed 's/^alert /drop /' >"$CERTS/local.rules"
sed 's/^/  /' "$CERTS/local.rules"
# The rule protects web servers in $HOME_NET from $EXTERNAL_NET: here the
# server is the protected network and the client the outside.
run tlsictl rules load --classification "$ET/classification.config" --var 'HOME_NET=[10.9.0.2/32]' \
	"$CERTS/local.rules"
# Packet trace: every alerting rule records its flow's decrypted bytes.
run tlsictl rules config trace alerts
monitor_start /dev/null --eve "$CERTS/eve.json"
URL='https://site.test/index.php?id=1+union+select+password+from+mysql.user'
echo "client: curl --cacert corpca.crt '$URL'"
in_c curl -sS --max-time 120 --resolve site.test:443:10.9.0.2 --cacert "$CERTS/corpca.crt" \
	-w '  -> HTTP %{http_code}\n' "$URL" >"$CERTS/attack.out" 2>&1 &&
	unexpected "the attack was not blocked"
sed 's/^/  /' "$CERTS/attack.out"
echo "client: a normal request on a new connection still works:"
in_c curl -sS --max-time 120 --resolve site.test:443:10.9.0.2 --cacert "$CERTS/corpca.crt" \
	-w '  -> HTTP %{http_code}\n' -o /dev/null https://site.test/ >"$CERTS/normal.out" 2>&1 ||
	unexpected "the normal request failed"
sed 's/^/  /' "$CERTS/normal.out"
_eve_alert() { grep -q '"event_type":"alert"' "$CERTS/eve.json"; }
wait_until $T_REACT _eve_alert || unexpected "no EVE alert"
echo "the EVE alert (tlsictl monitor --eve):"
sed 's/^/  /' "$CERTS/eve.json" | head -n 2
run tlsictl rules stats
echo "the packet trace of the blocked flow, decrypted (tlsictl trace save; tcpdump -A):"
run tlsictl trace save "$CERTS/trace.pcap"
tcpdump -nr "$CERTS/trace.pcap" -A 2>/dev/null | grep -a -E "^[0-9:.]+ IP |GET /" | head -n 6 | sed 's/^/  /'

say "Events (tlsictl monitor)"
cat /tmp/demo-events.$$

say "Counters (/proc/net/tlsi/stats, non-zero)"
ip netns exec "$NS_A" awk '$2 != 0' /proc/net/tlsi/stats
run tlsictl tm show

if [ "$UNEXPECTED" -ne 0 ]; then
	echo "demo: $UNEXPECTED unexpected outcome(s), marked !! above" >&2
	exit 1
fi
