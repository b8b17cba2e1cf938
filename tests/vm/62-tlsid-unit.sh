#!/bin/bash
# tlsid as systemd/tlsid.service runs it: the unit's ExecStart line word for
# word (the built tlsid for /usr/sbin/tlsid, $TLSID_OPTIONS as the unit's
# Environment= leaves it: empty), with what systemd gives a Type=notify
# service: NOTIFY_SOCKET, and the paths the line names (the repository
# /etc/tlsi/certs, the StateDirectory /var/lib/tlsid, the LogsDirectory
# /var/log/tlsi; here bind mounts of test directories in a mount namespace
# of its own). READY=1 arrives once tlsid listens and tlsi.ko diverts to it;
# a session is inspected with the repository's signing certificate and
# trust store and logged where the unit says; SIGTERM (systemctl stop):
# STOPPING=1, divert-port 0, exit 0. What only systemd does (capabilities,
# ProtectSystem) is `systemd-analyze verify'-checked by scripts/deb.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

UNIT=$TLSI_REPO/systemd/tlsid.service
W=/tmp/tlsid-unit.$$
on_exit "rm -rf $W"
tlsid_setup "$W" 4440
s_server 4440

# ---- the unit's command line ---------------------------------------------
line=$(sed -n 's/^ExecStart=//p' "$UNIT")
[ "$(printf '%s\n' "$line" | wc -l)" = 1 ] || fail "not one ExecStart line: $line"
grep -qx 'Type=notify' "$UNIT" || fail "tlsid.service is not Type=notify"
TLSID_OPTIONS=''
# systemd splits $VAR (unquoted) into words, as the shell does here.
read -r -a argv <<<"${line//\$TLSID_OPTIONS/$TLSID_OPTIONS}"
[ "${argv[0]}" = /usr/sbin/tlsid ] || fail "ExecStart runs ${argv[0]}, not /usr/sbin/tlsid"
argv[0]=$TLSID
repo='' logfile=''
for ((i = 1; i < ${#argv[@]}; i++)); do
	case ${argv[i]} in
	--cert-repo) repo=${argv[i + 1]} ;;
	--log) logfile=${argv[i + 1]} ;;
	esac
done
assert_eq "$repo" /etc/tlsi/certs "the unit's repository"
assert_eq "${logfile%/*}" /var/log/tlsi "the unit's log directory (LogsDirectory=tlsi)"

# ---- what systemd would have set up ---------------------------------------
# /etc as it is plus tlsi/certs; /var/lib and /var/log empty but for the
# StateDirectory and LogsDirectory.
mkdir -p "$W/var-lib/tlsid" "$W/var-log/tlsi"
chmod 0700 "$W/var-lib/tlsid"
cp -a /etc "$W/etc"
export TLSI_CERT_REPO=$W/etc/tlsi/certs
ctl_ok cert import signca cert "$W/signca.crt" key "$W/signca.key" signing
ctl_ok cert import-ca testca file "$W/testca.crt"
ctl_ok truststore add ts ca testca
# The proxy names the signing certificate, which must be in the repository.
ctl_ok ssl-policy del outbound profile p1
ctl_ok ssl-proxy del web
ctl_ok ssl-proxy add web ports 4440 cert signca logging
ctl_ok ssl-policy add outbound profile p1 proxy web trust-store ts

# NOTIFY_SOCKET: what systemd's end of sd_notify receives.
spawn a python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
while True:
    m = s.recv(4096).decode()
    out.write(m.replace("\n", " ") + "\n")
' "$W/notify" "$W/notify.log"
wait_until $T_START test -S "$W/notify" || fail "no notify socket"

spawn a env NOTIFY_SOCKET="$W/notify" unshare -m --propagation private sh -c '
	mount --bind "$1/etc" /etc && mount --bind "$1/var-lib" /var/lib &&
	mount --bind "$1/var-log" /var/log && shift && exec "$@"' sh "$W" "${argv[@]}" >"$W/tlsid.log" 2>&1
TLSID_PID=$!
_notified() { grep -q "$1" "$W/notify.log" 2>/dev/null; }
# T_START: it reads the repository's keys and makes its untrusted CA.
wait_until $T_START _notified READY=1 ||
	fail "no READY=1: $(cat "$W/notify.log" 2>/dev/null); $(cat "$W/tlsid.log")"
pass "READY=1: $(grep READY=1 "$W/notify.log")"
grep "READY=1" "$W/notify.log" | grep -q "MAINPID=$TLSID_PID " ||
	fail "MAINPID is not tlsid's ($TLSID_PID): $(cat "$W/notify.log")"
# What READY=1 promises, checked rather than waited for.
_tlsid_diverting 15443 || fail "ready, but tlsi.ko does not divert: $(tlsictl config show)"
_port_listening "$NS_A" -Hltn 15443 || fail "ready, but not listening"
pass "ready: listening, tlsi.ko diverts to it"

# ---- it works as the unit runs it -------------------------------------------
got=$(curl_site 4440 --cacert "$W/signca.crt" https://site.test:4440/m.bin | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$M_SHA" "inspected with the repository's signing certificate and trust store"
_logged() { grep -q '"type":"session"' "$W/var-log/tlsi/inspect.log" 2>/dev/null; }
wait_until $T_REACT _logged || fail "nothing in /var/log/tlsi/inspect.log: $(cat "$W/tlsid.log")"
pass "the session is in the unit's log file"

# ---- systemctl stop ------------------------------------------------------------
kill -TERM "$TLSID_PID"
wait_until $T_REACT tlsid_gone || fail "tlsid did not stop on SIGTERM"
rc=0
wait "$TLSID_PID" || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
_notified STOPPING=1 || fail "no STOPPING=1: $(cat "$W/notify.log")"
tlsictl config show | grep -q "divert-port 0 " || fail "still diverting: $(tlsictl config show)"
pass "stopped: STOPPING=1, divert-port 0, exit 0"
