#!/bin/bash
# PID 1 of the tlsi test VM, after switch_root into the host's root (read-only
# 9p, tmpfs on /tmp /var/tmp /run). Started by scripts/vm/initramfs-init.sh;
# see scripts/vm-run.sh for the whole picture.
#
# Reads /run/tlsi/params (written by vm-run.sh), loads the module under test
# and runs the tests (or the demo / a bench script). Reports on the serial
# console with lines starting with "@@TLSI@@ " (detail lines "@@TLSI@@| "),
# which vm-run.sh parses, then powers the VM off.
#
# Protocol (one line each):
#   BOOTED                 vm-init.sh started
#   MODULE ok NAME | MODULE FAIL reason
#   RUN name               a test starts
#   PASS name (Ns)         |  FAIL name (reason)    followed by "| " details
#   NOTE text
#   UNLOAD ok | UNLOAD FAIL reason  (tests mode: rmmod at the end)
#   BEGIN what / END rc    demo and bench modes; output in between is the
#                          script's own, unprefixed
#   DONE                   all finished (then power off)

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=dumb LANG=C.UTF-8 LC_ALL=C.UTF-8
set -uo pipefail
umask 022

M='@@TLSI@@'
say() { printf '%s %s\n' "$M" "$*"; }
detail() {
	local l
	while IFS= read -r l; do printf '%s| %s\n' "$M" "$l"; done
}
power_off() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
}

# Kernel log lines that fail a test even if it exited 0.
KPAT='Oops|BUG:|WARNING:|refcount_t|list_add corruption|list_del corruption|general protection fault|Call Trace|KASAN|UBSAN:|unreferenced object|kernel BUG|soft lockup|hard LOCKUP|blocked for more than'

if ! . /run/tlsi/params; then
	say "FATAL vm-init: cannot read /run/tlsi/params"
	power_off
fi
# From params: MODE (tests|demo|bench), REPO, MODULE, TIMEOUT, TESTS (array),
# BENCH, UNLOAD_CHECK, VERBOSE, KVER.

say BOOTED "$(uname -r)"
hostname tlsi-vm
ip link set lo up
ulimit -c 0
OUT=/run/tlsi/out
mountpoint -q "$OUT" || OUT=
# A real system's udev loads the CPU's crypto drivers at boot (by CPU
# feature modalias); this VM has no udev. Without them kTLS would run the
# generic C AES-GCM while OpenSSL in userspace uses AES-NI.
modprobe -a -q aesni_intel ghash_clmulni_intel chacha_x86_64 poly1305_x86_64 2>/dev/null || true
dmesg -c >/tmp/boot.dmesg 2>&1
# kgrab FILE: move the new kernel log lines to FILE (and the run's kernel.log).
kgrab() {
	dmesg -c >"$1" 2>&1
	cat "$1" >>/tmp/kernel.log
}

export TLSI_MODULE="$MODULE"
export TLSI_REPO="$REPO"
export TLSICTL="$REPO/userspace/tlsictl/tlsictl"
# the ET Open snapshot (data/et-open), unpacked by vm-run.sh
export TLSI_ET_OPEN="$REPO/build/et-open"
export TLSI_VM=1
# Where a test leaves files for a host-side check (tests/host/NAME.sh):
# the host's build/vm/runs/<run>/logs.
export TLSI_OUT="$OUT"

MODNAME=$(modinfo -F name "$MODULE" 2>/dev/null)
[ -n "$MODNAME" ] || { MODNAME=$(basename "$MODULE" .ko); MODNAME=${MODNAME//-/_}; }
export TLSI_MODULE_NAME="$MODNAME"

is_loaded() { grep -q "^$MODNAME " /proc/modules; }

# load_module: modprobe the dependencies, insmod the module. Output in $LOAD_ERR.
LOAD_ERR=
load_module() {
	local deps d out
	LOAD_ERR=
	if [ ! -f "$MODULE" ]; then
		LOAD_ERR="$MODULE: not found in the VM"
		return 1
	fi
	deps=$(modinfo -F depends "$MODULE" 2>&1) || { LOAD_ERR="modinfo: $deps"; return 1; }
	local IFS=,
	for d in $deps; do
		[ -n "$d" ] || continue
		out=$(modprobe "$d" 2>&1) || { LOAD_ERR="modprobe $d: $out"; return 1; }
	done
	out=$(insmod "$MODULE" 2>&1) || { LOAD_ERR="insmod: $out"; return 1; }
	return 0
}

save_out() { # save_out FILE...: copy to the host's build/vm/logs
	[ -n "$OUT" ] && cp -f "$@" "$OUT/" 2>/dev/null
	return 0
}

# Kill what a test left behind (everything but PID 1 and kernel threads),
# delete leftover network namespaces.
reap_leftovers() {
	local p pid n=0
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = 1 ] && continue
		[ "$pid" = "$BASHPID" ] && continue
		[ -e "$p/exe" ] || continue # kernel thread (or zombie)
		kill -9 "$pid" 2>/dev/null && n=$((n + 1))
	done
	wait 2>/dev/null
	ip -all netns delete 2>/dev/null
	[ $n -eq 0 ] || echo "vm-init: killed $n leftover process(es)"
}

# check_kernel FILE NAME: prints the offending lines' region, returns 0 when bad.
kernel_bad() {
	local f=$1 first
	first=$(grep -n -E "$KPAT" "$f" | head -n 1 | cut -d: -f1)
	[ -n "$first" ] || return 1
	tail -n +"$first" "$f" | head -n 80
	return 0
}

# test_timeout SCRIPT: the per-test timeout, or more when the script says
# it needs more in a "# vm-timeout: SECS" line among its first 30 (with the
# reason beside it; scripts/vm-run.sh adds it to the VM's deadline).
test_timeout() {
	local t
	t=$(head -n 30 "$1" | sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' | head -n 1)
	if [ -n "$t" ] && [ "$t" -gt "$TIMEOUT" ]; then echo "$t"; else echo "$TIMEOUT"; fi
}

# run_script LOGNAME SCRIPT: run with its timeout, cwd=repo.
run_script() {
	local log=$1 script=$2
	(cd "$REPO" && exec timeout -k 10 "$(test_timeout "$script")" bash "$script") </dev/null >"$log" 2>&1
}

# stream_script NAME SCRIPT: same, output to the console too.
stream_script() {
	local name=$1 script=$2
	(cd "$REPO" && exec timeout -k 10 "$TIMEOUT" bash "$script") </dev/null 2>&1 |
		tee "/tmp/$name.log"
	return "${PIPESTATUS[0]}"
}

module_ok=1
if load_module; then
	say MODULE ok "$MODNAME"
else
	module_ok=0
	say MODULE FAIL "$LOAD_ERR"
fi

case "$MODE" in
tests)
	for t in "${TESTS[@]}"; do
		name=$(basename "$t" .sh)
		log=/tmp/$name.log
		if [ $module_ok = 1 ] && ! is_loaded; then
			if load_module; then
				say NOTE "module $MODNAME was unloaded; re-loaded it before $name"
			else
				module_ok=0
				say NOTE "module $MODNAME was unloaded and re-loading failed: $LOAD_ERR"
			fi
		fi
		say RUN "$name"
		if [ $module_ok != 1 ]; then
			say FAIL "$name (module not loaded: $LOAD_ERR)"
			continue
		fi
		t0=$EPOCHREALTIME
		run_script "$log" "$t"
		rc=$?
		t1=$EPOCHREALTIME
		reap_leftovers >>"$log" 2>&1
		kgrab "/tmp/$name.dmesg"
		dur=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
		reasons=()
		if [ $rc = 124 ] || [ $rc = 137 ]; then
			reasons+=("timed out after $(test_timeout "$t")s")
		elif [ $rc != 0 ]; then
			reasons+=("exit $rc")
		fi
		kbad=$(kernel_bad "/tmp/$name.dmesg") &&
			reasons+=("kernel: $(grep -m1 -E "$KPAT" "/tmp/$name.dmesg" | sed 's/^\[[^]]*\] *//' | cut -c1-100)")
		save_out "$log" "/tmp/$name.dmesg"
		if [ ${#reasons[@]} -eq 0 ]; then
			say PASS "$name (${dur}s)"
			[ "$VERBOSE" = 1 ] && detail <"$log"
		else
			r=$(printf '%s; ' "${reasons[@]}")
			say FAIL "$name (${r%; })"
			{
				echo "---- last 60 lines of $name.log"
				tail -n 60 "$log"
				if [ -n "$kbad" ]; then
					echo "---- kernel log"
					printf '%s\n' "$kbad"
				fi
				echo "----"
			} | detail
		fi
	done
	if [ "$UNLOAD_CHECK" = 1 ] && [ $module_ok = 1 ] && is_loaded; then
		ip -all netns delete 2>/dev/null
		out=$(rmmod "$MODNAME" 2>&1)
		rc=$?
		sleep 0.2
		kgrab /tmp/unload.dmesg
		save_out /tmp/unload.dmesg
		if [ $rc != 0 ]; then
			say UNLOAD FAIL "rmmod $MODNAME: $out"
		elif kbad=$(kernel_bad /tmp/unload.dmesg); then
			say UNLOAD FAIL "kernel: $(grep -m1 -E "$KPAT" /tmp/unload.dmesg | sed 's/^\[[^]]*\] *//' | cut -c1-100)"
			printf '%s\n' "$kbad" | detail
		else
			say UNLOAD ok
		fi
	fi
	;;
demo | bench)
	if [ "$MODE" = demo ]; then
		script="$REPO/scripts/demo.sh"
	else
		script="$BENCH"
	fi
	name=$MODE
	say BEGIN "$MODE $script"
	if [ $module_ok != 1 ]; then
		echo "vm-init: module not loaded, not running $script: $LOAD_ERR"
		rc=1
	elif [ ! -f "$script" ]; then
		echo "vm-init: $script does not exist"
		rc=1
	else
		stream_script "$name" "$script"
		rc=$?
		[ $rc = 124 ] && echo "vm-init: $script timed out after ${TIMEOUT}s"
		kgrab "/tmp/$name.dmesg"
		save_out "/tmp/$name.log" "/tmp/$name.dmesg"
		if kbad=$(kernel_bad "/tmp/$name.dmesg"); then
			echo "vm-init: kernel problems during $script:"
			printf '%s\n' "$kbad" | sed 's/^/kernel| /'
			[ $rc = 0 ] && rc=1
		fi
	fi
	say END "$rc"
	;;
*)
	say "FATAL vm-init: unknown mode '$MODE'"
	;;
esac

kgrab /tmp/final.dmesg
save_out /tmp/boot.dmesg /tmp/kernel.log
say DONE
power_off
