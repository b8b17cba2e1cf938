#!/bin/bash
# make check-vm: the VM tests in JOBS VMs at once, each running its share
# with scripts/vm-run.sh, and one tally at the end.
#
#   scripts/vm-check.sh [--jobs N] [vm-run.sh options] [TEST.sh ...]
#
# By default one VM per host CPU, each with one vCPU (TLSI_VM_SMP=1), and
# one 2-vCPU VM on a 1-CPU host. Measured on a 2-core machine
# (Documentation/testing.md): a VM test's processes mostly run one at a
# time, so one VM keeps about one core busy; two 1-vCPU VMs ran each test
# about 1.4x slower than one 2-vCPU VM alone and the suite about 1.45x
# faster. Two 2-vCPU VMs were a net loss (four vCPU threads on two cores:
# the guests' spinning waits on preempted vCPUs).
# The tests wait for readiness, never for fixed times, so they stand the
# load either way.
# The tests (default: tests/vm/[0-9]*.sh) are dealt out longest first, by
# the durations the last run recorded in build/vm/durations, else those of
# tests/vm/durations (a quiet machine's, kept in the repository). Each VM's PASS/FAIL lines are printed as
# it finishes, then "N passed, M failed" over all of them; exits 0 only if
# every VM passed.
#
# Environment: VM_JOBS (default: the number of CPUs; 1 runs vm-run.sh
# directly), TLSI_VM_SMP (vCPUs per VM; default 1 with several VMs, else
# vm-run.sh's 2), and what vm-run.sh reads.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${VM_JOBS:-$(nproc)}
OPTS=() TESTS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--jobs) JOBS=${2:?--jobs needs a number}; shift 2 ;;
	--jobs=*) JOBS=${1#*=}; shift ;;
	--kver | --module | --timeout) OPTS+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
	-*) OPTS+=("$1"); shift ;;
	*) TESTS+=("$1"); shift ;;
	esac
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "vm-check: --jobs: a positive number, not '$JOBS'" >&2; exit 2; }
[ ${#TESTS[@]} -gt 0 ] || TESTS=("$REPO"/tests/vm/[0-9]*.sh)
[ "$JOBS" -gt ${#TESTS[@]} ] && JOBS=${#TESTS[@]}
if [ "$JOBS" = 1 ]; then
	exec "$REPO/scripts/vm-run.sh" "${OPTS[@]}" "${TESTS[@]}"
fi
export TLSI_VM_SMP=${TLSI_VM_SMP:-1}

# Longest first onto the least loaded VM (durations of the last run; an
# unknown test counts as 60 s).
DUR=$REPO/build/vm/durations
KNOWN=$DUR
[ -s "$KNOWN" ] || KNOWN=$REPO/tests/vm/durations
mapfile -t SHARDS < <(python3 - "$JOBS" "$KNOWN" "${TESTS[@]}" <<'EOF'
import os, sys
jobs, dur_file, tests = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
dur = {}
if os.path.exists(dur_file):
    for line in open(dur_file):
        parts = line.split()
        if len(parts) == 2:
            dur[parts[0]] = float(parts[1])
cost = lambda t: dur.get(os.path.basename(t)[:-3], 60.0)
load, shards = [0.0] * jobs, [[] for _ in range(jobs)]
for t in sorted(tests, key=lambda t: (-cost(t), t)):
    i = load.index(min(load))
    load[i] += cost(t)
    shards[i].append(t)
for s in shards:
    print(" ".join(sorted(s)))
EOF
)

W=$(mktemp -d /tmp/vm-check.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$W"' EXIT
echo "vm-check: ${#TESTS[@]} tests in $JOBS VMs of $TLSI_VM_SMP vCPU(s)"
pids=()
for i in "${!SHARDS[@]}"; do
	read -r -a shard <<<"${SHARDS[$i]}"
	"$REPO/scripts/vm-run.sh" "${OPTS[@]}" "${shard[@]}" >"$W/$i.out" 2>&1 &
	pids+=($!)
done
rc=0 passed=0 failed=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || rc=1
	echo "== VM $((i + 1)) of $JOBS"
	# Everything but its own tally, which is summed below.
	grep -av '^[0-9]* passed, [0-9]* failed$' "$W/$i.out" || true
	tally=$(grep -a '^[0-9]* passed, [0-9]* failed$' "$W/$i.out" | tail -n 1)
	if [ -z "$tally" ]; then
		echo "vm-check: VM $((i + 1)) printed no tally"
		failed=$((failed + 1))
		rc=1
		continue
	fi
	passed=$((passed + ${tally%% passed*}))
	n=${tally#*passed, }
	failed=$((failed + ${n%% failed}))
	# Durations for the next run's deal.
	LC_ALL=C sed -n 's/^PASS \([0-9][0-9a-z-]*\) (\([0-9.]*\)s)$/\1 \2/p; s/^FAIL \([0-9][0-9a-z-]*\) .*/\1 600/p' "$W/$i.out" >>"$W/durations"
done
mkdir -p "$REPO/build/vm"
[ -s "$W/durations" ] && cp "$W/durations" "$DUR"
echo "$passed passed, $failed failed"
[ $rc = 0 ] && [ $failed = 0 ]
