# shellcheck shell=bash
# tlsi-specific helpers for the VM tests, on top of lib.sh.

PROBE="${TLSI_REPO:-.}/tests/vm/tools/probe.py"

# probe tcp|udp DST PORT [--src A] [--sport N]: prints ok|refused|timeout,
# from the client namespace.
probe() { ip netns exec "$NS_C" python3 "$PROBE" "$@" || true; }
# probe_from NS ...: the same from another namespace.
probe_from() { local ns; ns=$(_ns "$1"); shift; ip netns exec "$ns" python3 "$PROBE" "$@" || true; }

# expect_probe WANT ARGS...: probe and compare.
expect_probe() {
	local want=$1 got
	shift
	got=$(probe "$@")
	assert_eq "$got" "$want" "probe $*"
}

# ctl_ok ARGS: tlsictl must succeed. ctl_fail RC PATTERN ARGS: must fail
# with exit code RC and a message matching PATTERN (grep -E).
ctl_ok() {
	local out
	out=$(tlsictl "$@" 2>&1) || fail "tlsictl $*: $out"
}
ctl_fail() {
	local rc=$1 pat=$2 out got=0
	shift 2
	out=$(tlsictl "$@" 2>&1) || got=$?
	[ "$got" = "$rc" ] || fail "tlsictl $*: exit $got, expected $rc: $out"
	echo "$out" | grep -Eq -- "$pat" || fail "tlsictl $*: message '$out' does not match '$pat'"
	pass "tlsictl $* refused ($rc): $out"
}

# tlsi_basic: topology, profile p1, segment seg1 over eth0/eth1, servers on
# TCP 8080 and 8081 and UDP 5353 in the server namespace.
tlsi_basic() {
	topo_up
	ctl_ok profile add p1
	ctl_ok segment add seg1 profile p1 ports eth0 eth1
	tcp_server 8080
	tcp_server 8081
	udp_echo 5353
}

# stats_snapshot: remember the counters; delta NAME: growth since then.
stats_snapshot() {
	_TLSI_SNAP=$(ip netns exec "$NS_A" cat /proc/net/tlsi/stats)
}
delta() {
	local before now
	before=$(echo "$_TLSI_SNAP" | awk -v n="$1" '$1 == n { print $2 }')
	now=$(counter "$1")
	echo $((now - ${before:-0}))
}
assert_delta() {
	assert_eq "$(delta "$1")" "$2" "counter $1 grew by"
}

# load_rules_home FILE N HOME: load the rules of FILE with ET's
# classifications, HOME_NET=[HOME] and EXTERNAL_NET=any; fails unless all
# N load.
load_rules_home() {
	local out
	out=$(tlsictl rules load --classification "${TLSI_ET_OPEN:-build/et-open}/classification.config" \
		--var "HOME_NET=[$3]" --var 'EXTERNAL_NET=any' "$1")
	grep -q "loaded into tlsi.ko: $2 rules" <<<"$out" || fail "load of $1: $out"
}

# monitor_start FILE [ARGS]: "tlsictl monitor ARGS" into FILE in the
# background; returns once it listens to the events group.
monitor_start() {
	local out=$1
	shift
	spawn a "$TLSICTL" monitor "$@" >"$out" 2>&1
	wait_until $T_START monitor_joined $! ||
		fail "tlsictl monitor did not join the events group: $(cat "$out")"
}
# monitor_joined PID: the netlink socket of PID (its port id, the first one
# a process binds) in the appliance joined a multicast group: the Groups
# column of /proc/net/netlink (protocol 16 is generic netlink).
monitor_joined() {
	ip netns exec "$NS_A" awk -v p="$1" '$2 == 16 && $3 == p && $4 != "00000000" { f = 1 }
		END { exit !f }' /proc/net/netlink
}

# Certificates made with the openssl CLI in $CERTS (set it first).
# mkca NAME CN: a self-signed ECDSA CA, valid for MKCA_DAYS (default 30)
# days.
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$CERTS/$1.key" -out "$CERTS/$1.crt" -days "${MKCA_DAYS:-30}" -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
# mkleaf NAME HOST CA KEYSPEC: a server certificate for HOST, 20 days.
# mkleaf_expired NAME CN CA: an RSA leaf of CA that expired in 2020.
mkleaf_expired() {
	local d=$CERTS/ca-$1
	mkdir -p "$d"
	: >"$d/index.txt"
	echo 01 >"$d/serial"
	printf '%s\n' "[ca]" "default_ca = c" "[c]" "database = $d/index.txt" "serial = $d/serial" \
		"new_certs_dir = $d" "default_md = sha256" "policy = p" "x509_extensions = ext" \
		"unique_subject = no" "[p]" "commonName = supplied" "[ext]" "subjectAltName = DNS:$2" \
		"basicConstraints = CA:FALSE" "extendedKeyUsage = serverAuth" >"$d/ca.cnf"
	openssl req -newkey rsa:2048 -nodes -keyout "$CERTS/$1.key" -out "$CERTS/$1.csr" -subj "/CN=$2" 2>/dev/null
	openssl ca -batch -config "$d/ca.cnf" -cert "$CERTS/$3.crt" -keyfile "$CERTS/$3.key" \
		-in "$CERTS/$1.csr" -out "$CERTS/$1.crt" -notext \
		-startdate 20200101000000Z -enddate 20200201000000Z 2>/dev/null
}
mkleaf() {
	printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" \
		>"$CERTS/$1.ext"
	# shellcheck disable=SC2086
	openssl req -newkey $4 -nodes -keyout "$CERTS/$1.key" -out "$CERTS/$1.csr" -subj "/CN=$2" 2>/dev/null
	openssl x509 -req -in "$CERTS/$1.csr" -CA "$CERTS/$3.crt" -CAkey "$CERTS/$3.key" -CAcreateserial \
		-out "$CERTS/$1.crt" -days 20 -extfile "$CERTS/$1.ext" 2>/dev/null
}

# EVE records of IPS alerts (tlsictl monitor --eve, tlsid --eve).
# eve SID [FILE]: the last record of rule SID in FILE (default $W/eve.json),
# as key=value lines (nested keys joined with '.'); fails when there is none.
# _eve_has SID: there is one. eve_has SID KEY=VALUE: the last one says so.
eve() {
	python3 - "${2:-$W/eve.json}" "$1" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
recs = [r for r in recs if r["alert"]["signature_id"] == int(sys.argv[2])]
if not recs:
    sys.exit(1)
def walk(p, o):
    for k, v in o.items():
        if isinstance(v, dict):
            walk(p + k + ".", v)
        else:
            print("%s%s=%s" % (p, k, v))
walk("", recs[-1])
EOF
}
_eve_has() { eve "$1" >/dev/null 2>&1; }
# eve_count SID [FILE]: how many alerts of rule SID FILE (default
# $W/eve.json) holds.
eve_count() { command grep -c "\"signature_id\": *$1[,}]" "${2:-$W/eve.json}" 2>/dev/null || true; }
eve_has() {
	eve "$1" | grep -qxF -- "$2" || fail "EVE record of $1: no '$2' in: $(eve "$1" | tr '\n' ' ')"
}
# eve_has_all SID KEY=VALUE...: the last record of SID says all of these
# (read once: each eve call starts python, slow under TCG).
eve_has_all() {
	local sid=$1 rec kv
	shift
	rec=$(eve "$sid") || fail "no EVE record of $sid"
	for kv in "$@"; do
		echo "$rec" | grep -qxF -- "$kv" ||
			fail "EVE record of $sid: no '$kv' in: $(echo "$rec" | tr '\n' ' ')"
	done
}
