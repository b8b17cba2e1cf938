#!/bin/bash
# make bench-tls: HTTPS through the appliance with no interception, through
# tlsi (tlsi.ko + tlsid; decrypting, and not decrypting a domain exception)
# and through sslsplit, in one VM run: bulk throughput of one large
# download, new connections per second with parallel clients, the time to
# first byte of fresh requests one at a time, and the ratios
# (Documentation/performance.md).
#
#   scripts/bench-tls.sh            (as root; after scripts/install-deps.sh)
#
# Builds tlsictl, tlsid, tlsi.ko and the connection-rate client
# (tests/bench/tls_connrate.c -> build/tls_connrate), then boots the VM with
# scripts/vm-run.sh, which runs tests/bench/bench-tls-vm.sh there.
#
# Environment, passed into the VM: BENCH_BULK_MB (MiB per download, 64),
# BENCH_CONN_SECONDS (8), BENCH_CLIENTS (parallel clients, 16), BENCH_ROUNDS
# (3; the best round of each measurement counts), BENCH_TTFB_REQUESTS
# (sequential requests for the time to first byte, 200), BENCH_TLS (1.3 or
# 1.2), BENCH_MODES ("none tlsi tlsi_nodecrypt sslsplit tlsi_server
# sslsplit_server"), BENCH_MEASURE ("classic", or "idle": memory per idle
# session, as make bench-idle), BENCH_IDLE_SESSIONS (10000). On the host: KDIR as for make, KVER the VM's kernel
# (default: vm-run.sh's), BENCH_TIMEOUT (seconds for the VM script; by
# default derived from the settings, generously: a guard against a hang,
# not a pace), TLSI_VM_MEM and TLSI_VM_SMP as for scripts/vm-run.sh.
#
# Small settings for a quick try (a minute or two of VM time per mode):
#   BENCH_ROUNDS=1 BENCH_BULK_MB=8 BENCH_CONN_SECONDS=3 BENCH_TTFB_REQUESTS=30 \
#       BENCH_MODES="none tlsi_nodecrypt" make bench-tls
#
# Exit status: the VM script's (1 when a mode failed functionally).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

for tool in nginx sslsplit curl nft; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null || { echo "bench-tls: $tool not found: run scripts/install-deps.sh" >&2; exit 2; }
done

make -s userspace module ${KDIR:+KDIR=$KDIR}
mkdir -p build/bench-tls
read -r -a ssl_libs <<<"$(pkg-config --libs libssl libcrypto 2>/dev/null || echo -lssl -lcrypto)"
cc -O2 -g -std=gnu11 -Wall -Wextra -o build/tls_connrate tests/bench/tls_connrate.c "${ssl_libs[@]}" -lpthread

# The VM starts with a clean environment: the settings go in through a
# wrapper script in the repository (which the VM sees over 9p).
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
wrapper=$REPO/build/bench-tls/run-vm.sh
{
	echo "#!/bin/bash"
	echo "# Written by scripts/bench-tls.sh: the bench's settings, then the VM-side script."
	for v in BENCH_BULK_MB BENCH_CONN_SECONDS BENCH_CLIENTS BENCH_ROUNDS BENCH_TTFB_REQUESTS BENCH_TLS BENCH_MODES \
		BENCH_MEASURE BENCH_IDLE_SESSIONS; do
		[ -n "${!v:-}" ] && echo "export $v=$(sq "${!v}")"
	done
	# Not $REPO: a checkout under /tmp is /run/host/tmp/... in the VM (its
	# /tmp is its own); the VM runs this wrapper from where it sees it.
	echo 'exec bash "$(dirname "$0")/../../tests/bench/bench-tls-vm.sh"'
} >"$wrapper"

# Other VMs on the same cores (make check, another bench) would skew the ratios.
others=$(pgrep -c -x qemu-system-x86 || true) # the 15-character process name
[ "${others:-0}" = 0 ] || echo "bench-tls: warning: $others other QEMU VM(s) running on this machine: the numbers will be noisy" >&2

kver_args=()
[ -n "${KVER:-}" ] && kver_args=(--kver "$KVER")

# The VM script's limit, unless BENCH_TIMEOUT says: per mode and round,
# the downloads at 1 MiB/s (the slowest seen is 3; the first round
# downloads twice), the connection test, 5 sequential requests a second
# (the slowest seen is about 15) and a minute of set-up; ten minutes for
# the rest. Non-numbers are the VM script's to refuse.
num() { [[ ${1:-} =~ ^[1-9][0-9]{0,5}$ ]] && echo "$1" || echo "$2"; }
n_modes=$(wc -w <<<"${BENCH_MODES:-none tlsi tlsi_nodecrypt sslsplit tlsi_server sslsplit_server}")
per_mode=$((2 * $(num "${BENCH_BULK_MB:-}" 64) + $(num "${BENCH_CONN_SECONDS:-}" 8) + \
	$(num "${BENCH_TTFB_REQUESTS:-}" 200) / 5 + 60))
# Idle sessions: opened at 5 a second at worst (the VM script's own
# limit), a second request each, set-up and the memory readings.
[ "${BENCH_MEASURE:-}" != idle ] || per_mode=$((2 * $(num "${BENCH_IDLE_SESSIONS:-}" 10000) / 5 + 300))
timeout=${BENCH_TIMEOUT:-$((600 + $(num "${BENCH_ROUNDS:-}" 3) * n_modes * per_mode))}

# Sample, every 5 s, how many other VMs share the cores (ours is one of the
# QEMU processes while it runs).
busy_log=$REPO/build/bench-tls/other-vms
: >"$busy_log"
(
	while sleep 5; do
		n=$(pgrep -c -x qemu-system-x86 || true)
		echo $((n > 1 ? n - 1 : 0)) >>"$busy_log"
	done
) &
sampler=$!
rc=0
scripts/vm-run.sh "${kver_args[@]}" --module "$REPO/tlsi.ko" --timeout "$timeout" \
	--bench "$wrapper" || rc=$?
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
awk '{ n++; if ($1 > 0) b++ } END {
	if (b) printf "bench-tls: other QEMU VMs ran during %d%% of the run: the ratios are noisy, run it again on a quiet machine\n", b * 100 / n
	else if (n) print "bench-tls: no other QEMU VM ran on this machine during the run" }' "$busy_log"
exit "$rc"
