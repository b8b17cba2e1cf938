#!/bin/bash
# tlsid's least privilege (issue 17, point 6; Documentation/tlsid.md,
# "Privileges"): once set up, every thread of tlsid has only CAP_NET_ADMIN
# and CAP_NET_BIND_SERVICE (effective, permitted, bounding; none inheritable
# or ambient), no_new_privs and one seccomp filter; by default as root (no
# `tlsid' user here), with --user nobody as nobody without groups. Either
# way it inspects (a forged certificate, from a client port below 1024: the
# upstream socket binds to it) and stops cleanly (divert-port 0, through the
# filter). Bad --user and --seccomp values are refused.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2 :4440
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

on_exit "rm -rf /tmp/tlsid-sandbox.$$"
tlsid_setup /tmp/tlsid-sandbox.$$ 4440
s_server 4440

# CAP_NET_BIND_SERVICE (10) and CAP_NET_ADMIN (12).
CAPS=0000000000001400

# status_of PID KEY: the value of KEY in /proc/PID/status, blanks squeezed.
status_of() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

# check_sandbox UID GROUPS: every thread of tlsid.
check_sandbox() {
	local t n=0
	for t in /proc/"$TLSID_PID"/task/*; do
		t=${t##*/}
		n=$((n + 1))
		assert_eq "$(status_of "$t" Uid)" "$1 $1 $1 $1" "thread $t: Uid"
		assert_eq "$(status_of "$t" Gid)" "$1 $1 $1 $1" "thread $t: Gid"
		assert_eq "$(status_of "$t" Groups)" "$2" "thread $t: Groups"
		assert_eq "$(status_of "$t" CapEff)" $CAPS "thread $t: CapEff"
		assert_eq "$(status_of "$t" CapPrm)" $CAPS "thread $t: CapPrm"
		assert_eq "$(status_of "$t" CapBnd)" $CAPS "thread $t: CapBnd"
		assert_eq "$(status_of "$t" CapInh)" 0000000000000000 "thread $t: CapInh"
		assert_eq "$(status_of "$t" CapAmb)" 0000000000000000 "thread $t: CapAmb"
		assert_eq "$(status_of "$t" NoNewPrivs)" 1 "thread $t: NoNewPrivs"
		assert_eq "$(status_of "$t" Seccomp)" 2 "thread $t: Seccomp (filter mode)"
		assert_eq "$(status_of "$t" Seccomp_filters)" 1 "thread $t: Seccomp_filters"
	done
	# The main thread and at least one worker.
	[ $n -ge 2 ] || fail "tlsid has $n threads"
}

# inspected: a forged certificate (it verifies with the signing CA only),
# the client on a port below 1024.
inspected() {
	local got
	got=$(curl_site 4440 --local-port 700-799 --cacert "$W/signca.crt" \
		https://site.test:4440/m.bin | sha256sum | cut -d' ' -f1)
	assert_eq "$got" "$M_SHA" "$1: inspected, client port below 1024"
	last_log | grep -q '^client=10\.9\.0\.1:7[0-9][0-9]$' ||
		fail "$1: inspection log: $(last_log | tr '\n' ' ')"
}

stop_tlsid() {
	kill -TERM "$TLSID_PID"
	wait_until $T_REACT tlsid_gone || fail "tlsid did not stop"
	wait "$TLSID_PID" || fail "$1: tlsid exited with status $? (killed by its filter?)"
	tlsictl config show | grep -q "divert-port 0 " || fail "$1: divert-port not reset at exit"
}

# ---- the default: root (no `tlsid' user here), reduced capabilities --------
! getent passwd tlsid >/dev/null || fail "a user tlsid exists in the VM: the default would be it"
start_tlsid
check_sandbox 0 ""
grep -q "sandbox: user root, capabilities cap_net_admin,cap_net_bind_service, seccomp kill" \
	"$W/tlsid.log" || fail "tlsid's log: $(cat "$W/tlsid.log")"
inspected "root"
check_sandbox 0 ""
stop_tlsid "root"
pass "default: root with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only, no_new_privs, seccomp"

# ---- --user nobody ----------------------------------------------------------
NOBODY=$(id -u nobody)
# Its files (the inspection log) were opened before the switch.
start_tlsid --user nobody
check_sandbox "$NOBODY" ""
inspected "nobody"
check_sandbox "$NOBODY" ""
stop_tlsid "nobody"
pass "--user nobody: nobody without groups, the same capabilities, no_new_privs, seccomp"

# ---- bad values --------------------------------------------------------------
out=$(in_a "$TLSID" --foreground --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
	--user no-such-user 2>&1) && fail "--user no-such-user accepted"
echo "$out" | grep -q "\-\-user \`no-such-user': no such user" || fail "--user no-such-user: $out"
out=$(in_a "$TLSID" --foreground --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
	--seccomp maybe 2>&1) && fail "--seccomp maybe accepted"
echo "$out" | grep -q "\-\-seccomp \`maybe': kill, log or off" || fail "--seccomp maybe: $out"
out=$(in_a "$TLSID" --foreground --ca-cert "$W/signca.crt" --ca-key "$W/signca.key" \
	--max-handshakes-per-source -1 2>&1) && fail "--max-handshakes-per-source -1 accepted"
echo "$out" | grep -q "not a number in 0..1000000" || fail "--max-handshakes-per-source -1: $out"
tlsictl config show | grep -q "divert-port 0 " || fail "a refused start changed divert-port"
pass "bad --user, --seccomp, --max-handshakes-per-source values are refused"
