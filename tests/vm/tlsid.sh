# Helpers for the VM tests that run tlsid (source after lib.sh and tlsi.sh).
#
#   tlsid_setup DIR PORTS [OPTS]
#                        certificates (test CA, signing CA, site.test leaf)
#                        in DIR, files to serve in DIR/www, the appliance's
#                        address, and an SSL proxy "web" (PORTS, logging,
#                        OPTS such as reset) with policy "outbound" on
#                        profile p1
#   start_tlsid ARGS     tlsid with the signing CA; waits until it is ready
#   run_tlsid ARGS       tlsid with ARGS only; waits until it is ready
#   last_log             the inspection log's last session as key=value lines
#   log_has KEY=VALUE    ... or fail
#   s_server PORT OPTS   openssl s_server -WWW on DIR/www in the server ns
#   curl_site PORT ARGS  curl in the client ns, site.test:PORT -> the server
#   blob_c ARGS          tools/blob.py over TLS to site.test, trusting the
#                        signing CA
#   relay_active         sessions the kernel relays now
#   tlsid_stat NAME      tlsid's counter NAME (or sessions_active), from the
#                        stats line it writes to the inspection log on SIGUSR1

TLSID=$TLSI_REPO/userspace/tlsid/tlsid
TOOLS=$TLSI_REPO/tests/vm/tools

tlsid_setup() {
	W=$1
	[ -x "$TLSID" ] || fail "no $TLSID: make userspace first"
	mkdir -p "$W/www"
	CERTS=$W
	mkca testca "tlsi test CA"
	mkca signca "tlsi test signing CA"
	mkleaf site site.test testca rsa:2048
	head -c 1M /dev/urandom >"$W/www/m.bin"
	M_SHA=$(sha256sum <"$W/www/m.bin" | cut -d' ' -f1)
	tlsi_basic
	add_addr a br0 10.9.0.254/24
	in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0
	ctl_ok ssl-proxy add web ports "$2" "${@:3}" logging
	ctl_ok ssl-policy add outbound profile p1 proxy web
	ctl_ok config set ssl-client on
}

start_tlsid() {
	run_tlsid --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
		--trust "$W/testca.crt" --log "$W/inspect.log" "$@"
}
# run_tlsid ARGS: tlsid in the foreground with ARGS only, its output
# appended to $W/tlsid.log; waits for its readiness line (--ready-fd:
# listening, and tlsi.ko diverting to it), T_START at most: it generates no
# key, but loading a rules image takes tens of seconds under TCG.
run_tlsid() {
	spawn_ready a $T_START "$W/tlsid.log" "$TLSID" --foreground --ready-fd 3 "$@"
	TLSID_PID=$SPAWN_PID
	# What readiness promises, checked rather than waited for.
	_tlsid_diverting "${READY_LINE#ready }" ||
		fail "tlsid ready, but tlsi.ko does not divert to it: $(tlsictl config show)"
	_port_listening "$NS_A" -Hltn "${READY_LINE#ready }" || fail "tlsid ready, but not listening"
}
_tlsid_diverting() { tlsictl config show | grep -q "divert-port ${1:-15443} "; }
# tlsid_gone: exited (a zombie until reaped: it is our child).
tlsid_gone() { ! alive "$TLSID_PID"; }

last_log() {
	python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = [x for x in s if x["type"] == "session"][-1]
for k, v in s.items():
    if isinstance(v, dict):
        for k2, v2 in v.items():
            print("%s.%s=%s" % (k, k2, v2))
    else:
        print("%s=%s" % (k, v))
' "$W/inspect.log"
}
log_has() { last_log | grep -qxF -- "$1" || fail "inspection log: no '$1' in: $(last_log | tr '\n' ' ')"; }

s_server() {
	local port=$1
	shift
	spawn s sh -c "cd $W/www && exec openssl s_server -quiet -accept $port \
		-cert $W/site.crt -key $W/site.key $* -WWW"
	wait_port s "$port"
}
curl_site() {
	in_c curl -sS --max-time 120 --resolve "site.test:$1:10.9.0.2" "${@:2}"
}
blob_c() {
	in_c env BLOB_CA="$W/signca.crt" BLOB_SNI=site.test python3 "$TOOLS/blob.py" "$@"
}
relay_active() {
	tlsictl -j stats | python3 -c 'import json, sys; print(json.load(sys.stdin)["relay_sessions_active"])'
}

tlsid_stat() {
	local n
	n=$(grep -c '"type":"stats"' "$W/inspect.log" || true)
	kill -USR1 "$TLSID_PID"
	wait_until $T_REACT _tlsid_stats_after "$n" || fail "tlsid wrote no stats line on SIGUSR1"
	grep '"type":"stats"' "$W/inspect.log" | tail -1 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
_tlsid_stats_after() { [ "$(grep -c '"type":"stats"' "$W/inspect.log" || true)" -gt "$1" ]; }
