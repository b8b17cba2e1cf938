# shellcheck shell=bash
# Helpers for tlsi's VM tests (run by scripts/vm-run.sh, as root, in the VM).
#
#   #!/bin/bash
#   set -euo pipefail
#   . "$(dirname "$0")/lib.sh"
#   topo_up
#   tcp_server 8080
#   expect_ok tcp_ok 10.9.0.2 8080
#
# Environment (exported by scripts/vm-init.sh): TLSI_MODULE (path of the
# module under test, loaded before each test), TLSI_MODULE_NAME, TLSI_REPO,
# TLSICTL, TLSI_ET_OPEN (the ET Open rules). Tests run with cwd = the repo, /tmp is a fresh-ish
# tmpfs (shared by all tests of a run), the rest of / is read-only.
#
# Topology (topo_up): three network namespaces, plain L2 through a bridge.
#
#   client ns $NS_C          appliance ns $NS_A                  server ns $NS_S
#  +----------------+      +------------------------------+      +----------------+
#  | eth0           |<veth>| eth0 ──┐            ┌── eth1 |<veth>| eth0           |
#  | 10.9.0.1/24    |      |        └─── br0 ────┘        |      | 10.9.0.2/24    |
#  +----------------+      +------------------------------+      +----------------+
#
# br0 has no address (add one with add_addr if needed), STP off,
# forward_delay 0, multicast snooping off. lo is up in every namespace.
#
# Cleanup: use `on_exit CMD` instead of `trap ... EXIT` (lib.sh owns the EXIT
# trap); topo_up registers topo_down, which kills the servers and deletes the
# namespaces. Helpers that "fail" print a message and exit 1 (from a $(...)
# they only exit that subshell; with set -e the assignment then fails too).

C_IP=10.9.0.1
S_IP=10.9.0.2
NS_C=${NS_C:-}
NS_A=${NS_A:-}
NS_S=${NS_S:-}
TLSI_MODULE_NAME=${TLSI_MODULE_NAME:-$(basename "${TLSI_MODULE:-tlsi.ko}" .ko | tr - _)}
TLSICTL=${TLSICTL:-${TLSI_REPO:-.}/userspace/tlsictl/tlsictl}

_LIB_CLEANUPS=()
_LIB_PIDS=()
_LIB_TRAP=0

# grep that reads its whole pipe. The tests run with pipefail, and
# "cmd | grep -q PAT" fails when grep exits at the first match while cmd,
# still writing (ip, dmesg and others flush line by line), dies of
# SIGPIPE: a race that a busy or one-vCPU VM loses. With -q, -m or
# --quiet and no file operands, the rest of a piped input is drained
# after grep has answered, so cmd always finishes.
grep() {
	local a early=0 operands=0 takes_arg=0 pattern_opt=0 opts=1
	for a in "$@"; do
		if [ $takes_arg = 1 ]; then takes_arg=0; continue; fi
		if [ $opts = 1 ]; then
			case "$a" in
			--) opts=0; continue ;;
			--quiet | --silent | --max-count=*) early=1; continue ;;
			--regexp=* | --file=*) pattern_opt=1; continue ;;
			--regexp | --file) pattern_opt=1; takes_arg=1; continue ;;
			--max-count) early=1; takes_arg=1; continue ;;
			--*) continue ;;
			-?*)
				# A cluster such as -qxF, -m3, -e PAT: the letters up to
				# the first one that takes an argument.
				local flags=${a#-}
				flags=${flags%%[efmABCd]*}
				[[ $flags == *q* ]] && early=1
				local rest=${a#-"$flags"}
				case "${rest:0:1}" in
				m) early=1 ;;
				e | f) pattern_opt=1 ;;
				esac
				[ -n "$rest" ] && [ ${#rest} = 1 ] && takes_arg=1
				continue
				;;
			esac
		fi
		operands=$((operands + 1))
	done
	[ $pattern_opt = 1 ] || operands=$((operands - 1))
	# (/proc/self/fd/0: the VM has no /dev/stdin.)
	if [ $early = 0 ] || [ $operands -gt 0 ] || ! [ -p /proc/self/fd/0 ]; then
		command grep "$@"
		return
	fi
	local rc=0
	command grep "$@" || rc=$?
	cat >/dev/null
	return $rc
}

# ---------------------------------------------------------------------------
# Results and assertions.

# Location of the test line that called into lib.sh.
_lib_where() {
	local i
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [ "${BASH_SOURCE[i]}" != "${BASH_SOURCE[0]}" ]; then
			echo "${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"
			return
		fi
	done
	echo "?"
}

pass() { echo "ok: $*"; }
fail() {
	echo "FAIL: $* ($(_lib_where))" >&2
	exit 1
}
expect_ok() {
	if "$@"; then pass "$*"; else fail "expected success: $*"; fi
}
expect_fail() {
	if "$@"; then fail "expected failure: $*"; else pass "fails as expected: $*"; fi
}
# pcap_complaints FILE: the first lines where tcpdump (-vv) complains about
# a packet: its words as whole words (a checksum such as 0xcbad is none),
# and `[|' (a truncated header). Empty when there are none.
pcap_complaints() {
	{ grep -Eiw "incorrect|truncated|bad|invalid" "$1"; grep -F '[|' "$1"; } | head -n 3 || true
}

# assert_eq ACTUAL EXPECTED [MSG]
assert_eq() {
	local msg=${3:-values}
	if [ "$1" = "$2" ]; then
		pass "$msg: $1"
	else
		fail "$msg: got '$1', expected '$2'"
	fi
}
# Timeouts. The VM runs under TCG, tens of times slower than the host, and
# slower still when other VMs share the host's cores: a python3 server once
# took more than 10 s to listen. Worse, the guest's clock then runs ahead of
# the host's (769 guest seconds in 165 real ones, seen with another VM
# running), so a guest-side limit shrinks in real terms just when the work
# slows down. Every wait below polls for the state it wants (wait_until,
# readiness lines), so a generous limit costs nothing when things work: it
# only bounds how long a broken test hangs. Waits for a start-up use
# T_START, waits for the effect of something already done (a counter, an
# event, a log line, a session ending) T_REACT; a test that knows the rate
# of what it waits for derives its own limit from it. TLSI_TIMEOUT_SCALE
# (an integer, default 1) multiplies every wait_until limit, for machines
# slower than a 2-core host running two VMs.
T_START=300
T_REACT=180
TLSI_TIMEOUT_SCALE=${TLSI_TIMEOUT_SCALE:-1}

# wait_until SECS CMD...: poll CMD every 0.1 s until it succeeds, for at
# most SECS (times TLSI_TIMEOUT_SCALE) seconds.
wait_until() {
	local secs=$(($1 * TLSI_TIMEOUT_SCALE)) end
	shift
	end=$((SECONDS + secs))
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# wait_growing SECS TARGET CMD...: poll the number CMD prints (every
# second) until it reaches TARGET; give up only when it has not grown for
# SECS (times TLSI_TIMEOUT_SCALE) seconds. For work whose pace the load
# decides (thousands of connections): no limit on the whole, a limit on a
# stall.
wait_growing() {
	local secs=$(($1 * TLSI_TIMEOUT_SCALE)) target=$2 last=-1 v end
	shift 2
	end=$((SECONDS + secs))
	while :; do
		v=$("$@") || v=0
		[[ $v =~ ^[0-9]+$ ]] || v=0
		[ "$v" -lt "$target" ] || return 0
		if [ "$v" -gt "$last" ]; then
			last=$v
			end=$((SECONDS + secs))
		fi
		[ $SECONDS -lt $end ] || return 1
		sleep 1
	done
}

# With set -e, say which command failed (silent otherwise).
_lib_err() { echo "error: '$2' failed with status $1 ($(_lib_where))" >&2; }
if [[ $- == *e* ]]; then
	trap '_lib_err $? "$BASH_COMMAND"' ERR
fi

# ---------------------------------------------------------------------------
# Cleanup stack (runs in reverse order on exit, keeps the exit status).

_lib_exit() {
	local rc=$? i
	set +e
	trap - ERR
	for ((i = ${#_LIB_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${_LIB_CLEANUPS[i]}" || true
	done
	_LIB_CLEANUPS=()
	exit $rc
}
on_exit() {
	_LIB_CLEANUPS+=("$*")
	if [ $_LIB_TRAP = 0 ]; then
		_LIB_TRAP=1
		trap _lib_exit EXIT
		trap 'exit 143' TERM
		trap 'exit 130' INT
	fi
}

# ---------------------------------------------------------------------------
# Namespaces.

# _ns NAME: c|client, a|appliance, s|server, or a namespace name.
_ns() {
	case "$1" in
	c | client) echo "$NS_C" ;;
	a | appliance) echo "$NS_A" ;;
	s | server) echo "$NS_S" ;;
	*) echo "$1" ;;
	esac
}
in_ns() {
	local ns
	ns=$(_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}
in_c() { ip netns exec "$NS_C" "$@"; }
in_a() { ip netns exec "$NS_A" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

# tlsictl ARGS: the CLI, in the appliance namespace.
tlsictl() { ip netns exec "$NS_A" "$TLSICTL" "$@"; }

# add_addr NS DEV CIDR
add_addr() { ip -n "$(_ns "$1")" addr add "$3" dev "$2"; }

# _oper_up NS DEV: the operational state (set by linkwatch, after carrier
# changes) is UP.
_oper_up() { [ "$(ip -n "$1" -br link show dev "$2" 2>/dev/null | awk '{ print $2 }')" = UP ]; }
# _topo_ready: every link is operationally up and both bridge ports forward.
_topo_ready() {
	_oper_up "$NS_C" eth0 && _oper_up "$NS_S" eth0 &&
		_oper_up "$NS_A" eth0 && _oper_up "$NS_A" eth1 && _oper_up "$NS_A" br0 &&
		[ "$(bridge -n "$NS_A" link show 2>/dev/null | grep -c 'master br0 state forwarding')" -ge 2 ]
}

topo_up() {
	[ -z "$NS_A" ] || fail "topo_up: topology already up ($NS_A)"
	NS_C=tlsi-c-$$
	NS_A=tlsi-a-$$
	NS_S=tlsi-s-$$
	on_exit topo_down
	local ns
	for ns in "$NS_C" "$NS_A" "$NS_S"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_C" link add eth0 type veth peer name eth0 netns "$NS_A"
	ip -n "$NS_S" link add eth0 type veth peer name eth1 netns "$NS_A"
	ip -n "$NS_A" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	ip -n "$NS_A" link set eth0 master br0
	ip -n "$NS_A" link set eth1 master br0
	ip -n "$NS_A" link set eth0 up
	ip -n "$NS_A" link set eth1 up
	ip -n "$NS_A" link set br0 up
	ip -n "$NS_C" addr add "$C_IP/24" dev eth0
	ip -n "$NS_C" link set eth0 up
	ip -n "$NS_S" addr add "$S_IP/24" dev eth0
	ip -n "$NS_S" link set eth0 up
	wait_until $T_START _topo_ready || fail "topo_up: links not up or bridge ports not forwarding"
}

topo_down() {
	local pid ns
	for pid in "${_LIB_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for ns in "$NS_C" "$NS_A" "$NS_S"; do
		[ -n "$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
	done
	for pid in "${_LIB_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	_LIB_PIDS=()
	for ns in "$NS_C" "$NS_A" "$NS_S"; do
		[ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true
	done
	NS_C='' NS_A='' NS_S=''
	return 0
}

# tunnel_add NAME KIND INNER_C INNER_S [ARGS...]: a point-to-point tunnel
# (gre, ipip, sit) between the client's and the server's outer addresses,
# across the bridge, with inner addresses INNER_C and INNER_S (/30, or /64
# for IPv6); ARGS go to both ends (key 42).
tunnel_add() {
	local name=$1 kind=$2 ic=$3 is=$4 plen=30
	shift 4
	case $ic in *:*) plen=64 ;; esac
	ip -n "$NS_C" link add "$name" type "$kind" local "$C_IP" remote "$S_IP" "$@"
	ip -n "$NS_S" link add "$name" type "$kind" local "$S_IP" remote "$C_IP" "$@"
	ip -n "$NS_C" addr add "$ic/$plen" dev "$name" nodad
	ip -n "$NS_S" addr add "$is/$plen" dev "$name" nodad
	ip -n "$NS_C" link set "$name" up
	ip -n "$NS_S" link set "$name" up
}

# ---------------------------------------------------------------------------
# Servers (background, killed at exit).

# spawn NS CMD...: start CMD in NS in the background; killed by topo_down.
spawn() {
	local ns
	ns=$(_ns "$1")
	shift
	ip netns exec "$ns" "$@" &
	_LIB_PIDS+=($!)
}

_PY_TCP_SERVER='
import socket, sys, threading
port, reply = int(sys.argv[1]), sys.argv[2].encode()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
s.listen(128)
def serve(c):
    try:
        c.sendall(reply)
        c.shutdown(socket.SHUT_WR)
        c.settimeout(5)
        while c.recv(65536):
            pass
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'

# The same on both families ("::" with IPV6_V6ONLY off).
_PY_TCP_SERVER_DUAL=${_PY_TCP_SERVER/socket.AF_INET, socket.SOCK_STREAM)/socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)}
_PY_TCP_SERVER_DUAL=${_PY_TCP_SERVER_DUAL/\"0.0.0.0\"/\"::\"}

_PY_UDP_ECHO='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
'

# wait_port NS PORT [tcp|udp] [SECS=T_START]: until something listens on
# PORT (the readiness of servers that have no other way to say it).
wait_port() {
	local ns proto=${3:-tcp} secs=${4:-$T_START} opt
	ns=$(_ns "$1")
	[ "$proto" = udp ] && opt=-Hlun || opt=-Hltn
	wait_until "$secs" _port_listening "$ns" "$opt" "$2" ||
		fail "nothing listens on $proto port $2 in $ns"
}
_port_listening() { [ -n "$(ip netns exec "$1" ss "$2" "sport = :$3" 2>/dev/null)" ]; }

# alive PID: running (not exited, nor a zombie waiting to be reaped).
alive() {
	kill -0 "$1" 2>/dev/null && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# spawn_ready NS SECS LOG CMD...: spawn CMD, its output appended to LOG
# ("-": not redirected), with descriptor 3 open on a file for its readiness
# line (CMD says where it writes it, as tlsid --ready-fd 3 does), then wait
# for that line: at most SECS (times TLSI_TIMEOUT_SCALE) seconds, failing at
# once if CMD exits before it is ready. Sets SPAWN_PID and READY_LINE.
spawn_ready() {
	local ns secs=$(($2 * TLSI_TIMEOUT_SCALE)) log=$3 ready end
	ns=$(_ns "$1")
	shift 3
	ready=$(mktemp /tmp/ready.XXXXXX)
	if [ "$log" = - ]; then
		ip netns exec "$ns" "$@" 3>"$ready" &
	else
		ip netns exec "$ns" "$@" 3>"$ready" >>"$log" 2>&1 &
	fi
	SPAWN_PID=$!
	_LIB_PIDS+=($!)
	end=$((SECONDS + secs))
	until [ -n "$(head -n 1 "$ready")" ]; do
		if ! alive "$SPAWN_PID"; then
			rm -f "$ready"
			fail "$1 exited before it was ready$(_spawn_log "$log")"
		fi
		if [ $SECONDS -ge $end ]; then
			rm -f "$ready"
			fail "$1 not ready within $secs s$(_spawn_log "$log")"
		fi
		sleep 0.1
	done
	READY_LINE=$(head -n 1 "$ready")
	rm -f "$ready"
}

_spawn_log() { [ "$1" = - ] || printf ': %s' "$(tail -n 20 "$1")"; }

# tcp_server_in NS PORT [REPLY]: accept, send REPLY (default "hello\n"), close.
tcp_server_in() {
	local reply=${3:-hello$'\n'}
	spawn "$1" python3 -c "$_PY_TCP_SERVER" "$2" "$reply"
	wait_port "$1" "$2" tcp
}
# tcp_server_dual_in NS PORT [REPLY]: tcp_server_in on IPv4 and IPv6.
tcp_server_dual_in() {
	local reply=${3:-hello$'\n'}
	spawn "$1" python3 -c "$_PY_TCP_SERVER_DUAL" "$2" "$reply"
	wait_port "$1" "$2" tcp
}
# tcp_server PORT [REPLY]: the same in the server namespace.
tcp_server() { tcp_server_in "$NS_S" "$@"; }

# udp_echo_in NS PORT / udp_echo PORT (server namespace): echo datagrams.
udp_echo_in() {
	spawn "$1" python3 -c "$_PY_UDP_ECHO" "$2"
	wait_port "$1" "$2" udp
}
udp_echo() { udp_echo_in "$NS_S" "$@"; }

# ---------------------------------------------------------------------------
# Client probes: exit 0 on success, 1 otherwise; a few seconds at most.
# They probe blocked traffic as often as allowed traffic, and a dropped
# connection is told from a passing one only by waiting: 3 s (a bash or
# python3 client that connects and reads one line from a server already
# listening) are a few times what a pass takes under TCG on a busy host.

# tcp_ok [SRC_NS] DST PORT: connect, read one line, expect "hello".
tcp_ok() {
	local ns=$NS_C
	if [ $# -ge 3 ]; then ns=$(_ns "$1"); shift; fi
	ip netns exec "$ns" timeout 3 bash -c \
		'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r l <&3 && [ "$l" = hello ]' \
		"$1" "$2" 2>/dev/null
}

# tcp_from_port [SRC_NS] SPORT DST PORT: tcp_ok from source port SPORT.
tcp_from_port() {
	local ns=$NS_C
	if [ $# -ge 4 ]; then ns=$(_ns "$1"); shift; fi
	ip netns exec "$ns" timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(3)
s.connect((sys.argv[2], int(sys.argv[3])))
data = b""
while not data.endswith(b"\n"):
    d = s.recv(4096)
    if not d:
        break
    data += d
sys.exit(0 if data == b"hello\n" else 1)
' "$1" "$2" "$3" 2>/dev/null
}

# udp_ok [SRC_NS] DST PORT: send a datagram, expect it echoed back.
udp_ok() {
	local ns=$NS_C
	if [ $# -ge 3 ]; then ns=$(_ns "$1"); shift; fi
	# head, not read: read(1) would truncate the datagram.
	ip netns exec "$ns" timeout 3 bash -c \
		'exec 3<>"/dev/udp/$0/$1" && echo "ping $$" >&3 && [ "$(head -n 1 <&3)" = "ping $$" ]' \
		"$1" "$2" 2>/dev/null
}

# ping_ok [SRC_NS] DST
ping_ok() {
	local ns=$NS_C
	if [ $# -ge 2 ]; then ns=$(_ns "$1"); shift; fi
	ip netns exec "$ns" ping -q -c 1 -W 1 "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# tlsi.

# counter NAME: the value of NAME in the appliance's /proc/net/tlsi/stats
# (lines "name value").
counter() {
	local v
	v=$(ip netns exec "$NS_A" cat /proc/net/tlsi/stats 2>/dev/null |
		awk -v n="$1" '{ sub(/:$/, "", $1) } $1 == n { print $2; f = 1; exit } END { exit !f }') ||
		fail "counter $1: not in /proc/net/tlsi/stats"
	echo "$v"
}
