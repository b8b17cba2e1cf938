#!/bin/bash
# Run tlsi's VM tests (or the demo, or a bench script) in a QEMU VM (TCG).
#
#   scripts/vm-run.sh [--kver VER] --module /abs/tlsi.ko [--timeout SECS]
#                     [--demo | --bench SCRIPT] [-v] [--no-unload-check]
#                     [TEST.sh ...]
#
# The VM boots /boot/vmlinuz-$KVER with a small busybox initramfs (cached in
# build/vm/) that mounts the host's root read-only over 9p and switch_roots
# into it, running scripts/vm-init.sh as PID 1: so the VM has every host
# program and /lib/modules/$KVER. tmpfs is on /tmp, /var/tmp and /run; the
# host's /tmp and /var/tmp are visible read-only under /run/host/ (paths given
# here under /tmp or /var/tmp are translated).
#
# Tests mode (default): runs each TEST.sh (default: the numbered tests
# tests/vm/[0-9]*.sh, sorted) with `timeout SECS bash TEST` in the repo, as
# root; a test fails on a non-zero exit, a timeout, or a kernel splat (Oops,
# BUG:, WARNING:, ...) in the kernel log during the test. After the tests the
# module is unloaded, and problems there count as one more failure
# (--no-unload-check skips it). Then, on the host, tests/host/NAME.sh for each
# test NAME that passed and has one (a check of what it left in
# logs/NAME.out that is seconds natively and minutes under TCG), counted as
# one more test. Prints PASS/FAIL lines, failure details and finally one
# line "N passed, M failed"; exits 0 only if all passed.
# --demo runs scripts/demo.sh, --bench SCRIPT runs SCRIPT, streaming the
# output; exits with the script's status.
#
# Files: build/vm/runs/<time>-<pid>/ per run (the newest 5 are kept;
# build/vm/last links to the newest): console.log (the whole serial console,
# also build/vm/console.log) and logs/ (each test's output NAME.log, its
# kernel log NAME.dmesg, boot.dmesg, kernel.log).
# Environment: TLSI_VM_MEM (MB, default 2048), TLSI_VM_SMP (default 2),
# TLSI_TIMEOUT_SCALE, TLSI_BROWSER_TEST and TLSI_TESTSSL (passed to the tests),
# TLSI_VM_DEADLINE (seconds for the whole VM run; default from the timeouts).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
BUILD=$REPO/build/vm
M='@@TLSI@@'

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit "${1:-2}"
}
die() {
	echo "vm-run: $*" >&2
	exit 2
}

KVER='' MODULE='' TIMEOUT=600 MODE=tests BENCH='' VERBOSE=0 UNLOAD_CHECK=1
TESTS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) KVER=${2:?--kver needs a value}; shift 2 ;;
	--kver=*) KVER=${1#*=}; shift ;;
	--module) MODULE=${2:?--module needs a path}; shift 2 ;;
	--module=*) MODULE=${1#*=}; shift ;;
	--timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
	--timeout=*) TIMEOUT=${1#*=}; shift ;;
	--demo) MODE=demo; shift ;;
	--bench) MODE=bench; BENCH=${2:?--bench needs a script}; shift 2 ;;
	--bench=*) MODE=bench; BENCH=${1#*=}; shift ;;
	-v | --verbose) VERBOSE=1; shift ;;
	--no-unload-check) UNLOAD_CHECK=0; shift ;;
	-h | --help) usage 0 ;;
	--) shift; TESTS+=("$@"); break ;;
	-*) echo "vm-run: unknown option $1" >&2; usage 2 ;;
	*) TESTS+=("$1"); shift ;;
	esac
done

[[ $TIMEOUT =~ ^[0-9]+$ ]] && [ "$TIMEOUT" -gt 0 ] || die "--timeout: not a number of seconds: $TIMEOUT"
[ -n "$MODULE" ] || die "--module /path/to/module.ko is required"
[ -f "$MODULE" ] || die "module $MODULE does not exist (build it first: make module)"
MODULE=$(realpath "$MODULE")

if [ -z "$KVER" ]; then
	for d in $(ls -d /lib/modules/*/ 2>/dev/null | sort -V -r); do
		v=$(basename "$d")
		if [ -f "/boot/vmlinuz-$v" ]; then KVER=$v; break; fi
	done
	[ -n "$KVER" ] || die "no /lib/modules/VER with /boot/vmlinuz-VER: install linux-image-amd64"
fi
KERNEL=/boot/vmlinuz-$KVER
[ -r "$KERNEL" ] || die "$KERNEL missing or unreadable (install linux-image-$KVER)"
[ -d "/lib/modules/$KVER" ] || die "/lib/modules/$KVER missing"
for tool in qemu-system-x86_64 busybox cpio modprobe; do
	command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh"
done

# The tests and the demo read the ET Open snapshot unpacked (make et-open).
if [ ! -e "$REPO/build/et-open/.unpacked" ]; then
	make -C "$REPO" --no-print-directory et-open >&2 || die "cannot unpack data/et-open (make et-open)"
fi

# Paths as the VM sees them: the host's / is the VM's /, except the
# tmpfs-covered /tmp and /var/tmp (visible under /run/host/).
vm_path() {
	local p
	p=$(realpath "$1")
	case "$p" in
	/tmp/*) echo "/run/host$p" ;;
	/var/tmp/*) echo "/run/host$p" ;;
	/run/* | /proc/* | /sys/* | /dev/*) die "$1: not visible in the VM (tmpfs or pseudo-fs there)" ;;
	*) echo "$p" ;;
	esac
}

case "$MODE" in
tests)
	if [ ${#TESTS[@]} -eq 0 ]; then
		# Numbered tests only: lib.sh, tlsi.sh etc. are helpers.
		for t in "$REPO"/tests/vm/[0-9]*.sh; do
			[ -f "$t" ] && TESTS+=("$t")
		done
		[ ${#TESTS[@]} -gt 0 ] || die "no tests in $REPO/tests/vm"
	fi
	for t in "${TESTS[@]}"; do [ -f "$t" ] || die "test $t does not exist"; done
	;;
bench)
	[ -f "$BENCH" ] || die "bench script $BENCH does not exist"
	;;
esac
# Check that every path is visible in the VM (dies here, not in a subshell).
for p in "$REPO" "$MODULE" ${BENCH:+"$BENCH"} "${TESTS[@]}"; do vm_path "$p" >/dev/null; done

mkdir -p "$BUILD"
TMP=$(mktemp -d "$BUILD/run.XXXXXX")
QEMU_PIDFILE=$TMP/qemu.pid
cleanup() {
	local pid
	if [ -s "$QEMU_PIDFILE" ]; then
		pid=$(cat "$QEMU_PIDFILE" 2>/dev/null || true)
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# The cached initramfs: busybox, the virtio/9p modules, /init.
INIT_SRC=$SCRIPT_DIR/vm/initramfs-init.sh
[ -f "$INIT_SRC" ] || die "$INIT_SRC missing"

# Modules for 9p over virtio-pci, in dependency order, each once.
MODS=()
declare -A SEEN=()
for top in virtio_pci 9pnet_virtio 9p; do
	deps=$(modprobe --show-depends -S "$KVER" "$top" 2>&1) || die "modprobe --show-depends $top: $deps"
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue # "builtin NAME": nothing to load
		[ -n "${SEEN[$path]:-}" ] && continue
		SEEN[$path]=1
		MODS+=("$path")
	done <<<"$deps"
done

key=$( {
	echo "$KVER"
	cat "$INIT_SRC"
	printf '%s\n' "${MODS[@]}"
	stat -c '%s %Y' "$(command -v busybox)" "${MODS[@]}"
} | sha256sum | cut -c1-12)
BASE_CPIO=$BUILD/initramfs-$KVER-$key.cpio

if [ ! -f "$BASE_CPIO" ]; then
	echo "vm-run: building initramfs for $KVER ($BASE_CPIO)"
	root=$TMP/initramfs
	mkdir -p "$root"/{bin,dev,proc,sys,mnt,lib/mods,tlsi}
	cp "$(command -v busybox)" "$root/bin/busybox"
	[ "$(id -u)" -eq 0 ] && mknod -m 600 "$root/dev/console" c 5 1
	: >"$root/lib/mods/order"
	for path in "${MODS[@]}"; do
		name=$(basename "$path")
		name=${name%%.ko*}
		case "$path" in
		*.ko) cp "$path" "$root/lib/mods/$name.ko" ;;
		*.ko.xz) xz -dc "$path" >"$root/lib/mods/$name.ko" ;;
		*.ko.zst) zstd -qdc "$path" >"$root/lib/mods/$name.ko" ;;
		*.ko.gz) gzip -dc "$path" >"$root/lib/mods/$name.ko" ;;
		*) die "unknown module file type: $path" ;;
		esac
		echo "$name" >>"$root/lib/mods/order"
	done
	install -m 0755 "$INIT_SRC" "$root/init"
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$BASE_CPIO.tmp.$$"
	mv "$BASE_CPIO.tmp.$$" "$BASE_CPIO"
	# Drop stale images of the same kernel.
	for old in "$BUILD"/initramfs-"$KVER"-*.cpio; do
		[ "$old" = "$BASE_CPIO" ] || rm -f "$old"
	done
	rm -rf "$root"
fi

# ---------------------------------------------------------------------------
# The per-run parameters, appended to the initramfs as a second cpio archive.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; } # single-quote for sh and bash
prm=$TMP/params
mkdir -p "$prm/tlsi"
VM_REPO=$(vm_path "$REPO")
echo "VMINIT=$(sq "$VM_REPO/scripts/vm-init.sh")" >"$prm/tlsi/boot"
VM_TESTS=()
for t in "${TESTS[@]}"; do VM_TESTS+=("$(vm_path "$t")"); done
{
	echo "MODE=$(sq "$MODE")"
	echo "REPO=$(sq "$VM_REPO")"
	echo "MODULE=$(sq "$(vm_path "$MODULE")")"
	echo "TIMEOUT=$(sq "$TIMEOUT")"
	echo "BENCH=$(sq "$([ -n "$BENCH" ] && vm_path "$BENCH")")"
	echo "UNLOAD_CHECK=$UNLOAD_CHECK"
	echo "VERBOSE=$VERBOSE"
	echo "KVER=$(sq "$KVER")"
	# Test switches from the host's environment (tests/vm/lib.sh, 86).
	echo "export TLSI_TIMEOUT_SCALE=$(sq "${TLSI_TIMEOUT_SCALE:-1}")"
	echo "export TLSI_BROWSER_TEST=$(sq "${TLSI_BROWSER_TEST:-0}")"
	echo "export TLSI_TESTSSL=$(sq "${TLSI_TESTSSL:-0}")"
	printf 'TESTS=('
	for t in "${VM_TESTS[@]}"; do printf ' %s' "$(sq "$t")"; done
	printf ' )\n'
} >"$prm/tlsi/params"
(cd "$prm" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$TMP/params.cpio"
cat "$BASE_CPIO" "$TMP/params.cpio" >"$TMP/initrd"

# ---------------------------------------------------------------------------
# Each run has its own directory (runs may overlap); build/vm/last and
# build/vm/console.log point to the newest. The newest 5 runs are kept.
RUNDIR=$BUILD/runs/$(date +%Y%m%d-%H%M%S)-$$
LOGS=$RUNDIR/logs
CONSOLE=$RUNDIR/console.log
mkdir -p "$LOGS"
ln -sfn "runs/${RUNDIR##*/}" "$BUILD/last"
ln -sfn last/console.log "$BUILD/console.log"
ls -d "$BUILD"/runs/*/ 2>/dev/null | sort -r | tail -n +6 | xargs -r rm -rf

NTESTS=${#TESTS[@]}
if [ "$MODE" = tests ]; then
	# Each test's limit: TIMEOUT, or its "# vm-timeout: SECS" (vm-init.sh).
	DEADLINE=210
	for t in "${TESTS[@]}"; do
		tt=$(head -n 30 "$t" | sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' | head -n 1)
		[ -n "$tt" ] && [ "$tt" -gt "$TIMEOUT" ] || tt=$TIMEOUT
		DEADLINE=$((DEADLINE + tt + 30))
	done
else
	DEADLINE=$((150 + TIMEOUT + 60))
fi
DEADLINE=${TLSI_VM_DEADLINE:-$DEADLINE}

CMDLINE="console=ttyS0 panic=-1 quiet loglevel=4 log_buf_len=4M mitigations=off"
CMDLINE+=" rcupdate.rcu_cpu_stall_timeout=300 watchdog_thresh=60 hung_task_timeout_secs=600"
CMDLINE+=" tsc=reliable no_timer_check 8250.nr_uarts=1"

QEMU=(qemu-system-x86_64 -accel tcg -cpu max
	-m "${TLSI_VM_MEM:-2048}" -smp "${TLSI_VM_SMP:-2}"
	-kernel "$KERNEL" -initrd "$TMP/initrd" -append "$CMDLINE"
	-nographic -no-reboot -nic none
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$LOGS,mount_tag=tlsiout,security_model=none,multidevs=remap"
	-pidfile "$QEMU_PIDFILE")

case "$MODE" in
tests) echo "vm-run: $KVER, $NTESTS test(s), module $(basename "$MODULE"), timeout ${TIMEOUT}s per test" ;;
demo) echo "vm-run: $KVER, demo, module $(basename "$MODULE")" ;;
bench) echo "vm-run: $KVER, bench $BENCH, module $(basename "$MODULE")" ;;
esac

# ---------------------------------------------------------------------------
# Boot and follow the console.
# TCG has been seen (rarely) to hang before the kernel prints anything: a
# VM that has not booted within BOOT_TIMEOUT seconds is killed and started
# again, up to three times.
BOOT_TIMEOUT=${TLSI_VM_BOOT_TIMEOUT:-120}
for attempt in 1 2 3; do
passed=0 failed=0 booted=0 done=0 module_fail='' streaming=0 end_rc='' current=''
declare -A RESULT=()
START=$SECONDS

while IFS= read -r line; do
	line=${line%$'\r'}
	# Drop anything before a marker (terminal resets, interleaved kernel text).
	[[ $line == ?*"$M"* ]] && line=$M${line#*"$M"}
	case "$line" in
	"$M| "*)
		echo "    ${line#"$M| "}"
		;;
	"$M "*)
		msg=${line#"$M "}
		case "$msg" in
		BOOTED*)
			booted=1
			echo "vm-run: VM booted in $((SECONDS - START))s"
			;;
		"MODULE ok"*) ;;
		"MODULE FAIL"*)
			module_fail=${msg#MODULE FAIL }
			echo "vm-run: module failed to load: $module_fail"
			;;
		RUN\ *)
			current=${msg#RUN }
			[ -t 1 ] && echo "RUN  $current"
			;;
		PASS\ * | FAIL\ *)
			read -r verdict name _ <<<"$msg"
			RESULT[$name]=$verdict
			if [ "$verdict" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
			current=
			echo "$msg"
			;;
		NOTE\ *) echo "note: ${msg#NOTE }" ;;
		"UNLOAD ok") echo "module unloaded cleanly" ;;
		"UNLOAD FAIL"*)
			failed=$((failed + 1))
			echo "FAIL module unload (${msg#UNLOAD FAIL })"
			;;
		BEGIN\ *) streaming=1 ;;
		END\ *)
			streaming=0
			end_rc=${msg#END }
			;;
		DONE) done=1 ;;
		FATAL*) echo "vm-run: $msg" ;;
		*) echo "$msg" ;;
		esac
		;;
	*)
		# Script output in demo/bench mode; kernel messages are skipped.
		if [ $streaming = 1 ] && ! [[ $line =~ ^\[\ *[0-9]+\.[0-9]+\] ]]; then
			printf '%s\n' "$line"
		fi
		;;
	esac
done < <(
	{
		rc=0
		(
			sleep "$BOOT_TIMEOUT"
			if ! grep -q "$M BOOTED" "$CONSOLE" 2>/dev/null; then
				echo "vm-run: no boot after ${BOOT_TIMEOUT}s" >>"$TMP/boot.hang"
				kill "$(cat "$QEMU_PIDFILE" 2>/dev/null)" 2>/dev/null
			fi
		) </dev/null >/dev/null 2>&1 &	# not on the console pipe: tee would wait for it
		watchdog=$!
		timeout --foreground -k 10 "$DEADLINE" "${QEMU[@]}" </dev/null 2>&1 || rc=$?
		kill "$watchdog" 2>/dev/null || true
		echo "$rc" >"$TMP/qemu.rc"
	} | tee "$CONSOLE"
)

	if [ $booted = 1 ] || [ ! -s "$TMP/boot.hang" ] || [ $attempt = 3 ]; then
		break
	fi
	echo "vm-run: the VM did not boot within ${BOOT_TIMEOUT}s (attempt $attempt), starting it again"
	rm -f "$TMP/boot.hang" "$QEMU_PIDFILE"
done

qrc=$(cat "$TMP/qemu.rc" 2>/dev/null || echo '?')
why=
if [ $done != 1 ]; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		why="VM killed at the overall deadline (${DEADLINE}s)"
	elif [ $booted != 1 ]; then
		why="VM did not boot (qemu exit $qrc)"
	elif grep -q 'Kernel panic' "$CONSOLE"; then
		why="VM died: kernel panic"
	else
		why="VM died (qemu exit $qrc)"
	fi
	# The console since the last harness line.
	echo "vm-run: $why; console (full log: $CONSOLE):"
	tr -d '\r' <"$CONSOLE" | awk -v m="$M" 'index($0, m) { n = 0; next } { buf[++n] = $0 }
		END { for (i = (n > 50 ? n - 49 : 1); i <= n; i++) print "    " buf[i] }'
fi

if [ "$MODE" = tests ]; then
	for t in "${TESTS[@]}"; do
		name=$(basename "$t" .sh)
		[ -n "${RESULT[$name]:-}" ] && continue
		failed=$((failed + 1))
		if [ "$name" = "$current" ]; then
			echo "FAIL $name (did not finish: $why)"
		else
			echo "FAIL $name (not run: $why)"
		fi
	done
	# Host-side halves: tests/host/NAME.sh checks, natively, what test NAME
	# left in logs/NAME.out (86-metrics: its page in Chromium, minutes
	# under TCG). Each is one more test in the tally.
	for t in "${TESTS[@]}"; do
		name=$(basename "$t" .sh)
		host=$REPO/tests/host/$name.sh
		[ -f "$host" ] && [ "${RESULT[$name]:-}" = PASS ] || continue
		hs=$SECONDS
		if out=$(timeout 600 bash "$host" "$LOGS/$name.out" 2>&1); then
			passed=$((passed + 1))
			echo "PASS $name (host) ($((SECONDS - hs))s)"
		else
			failed=$((failed + 1))
			echo "FAIL $name (host)"
			echo "$out" | tail -n 30 | sed 's/^/    /'
		fi
		echo "$out" >"$LOGS/$name.host.log"
	done
	echo "vm-run: logs in ${LOGS#"$REPO"/}/, console in ${CONSOLE#"$REPO"/}, $((SECONDS - START))s"
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ] && [ $done = 1 ] && exit 0
	exit 1
fi

if [ -z "$end_rc" ]; then
	echo "vm-run: $MODE did not finish: ${why:-no result}"
	exit 1
fi
echo "vm-run: $MODE exited with status $end_rc ($((SECONDS - START))s)"
exit "$end_rc"
