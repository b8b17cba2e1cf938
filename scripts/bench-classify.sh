#!/bin/bash
# make bench-classify: the cost of a large policy on the packet path, in the
# VM, for IPv4 and then IPv6 (BENCH_FAMILIES="ipv4 ipv6", the default; one
# of them alone to run only it). The policy: 10,000 TM filters (block
# UDP/TCP 5000-5999 from one host each) and 1,000,000 reputation entries
# (score 90, block threshold 80), in tlsi and as an nftables bridge ruleset
# with sets.
#
#   client ns (pktgen) -- eth0 [br0 appliance] eth1 -- server ns
#
# Two workloads, both 64-byte UDP packets from 10.9.0.1 (2001:db8:9::1) to
# 10.9.0.99 (2001:db8:9::99) through the server's MAC, none of them matching
# a filter or an entry (the cost of the policy, not of dropping):
#
#   steady    source ports 1000-1999 to port 9: 1000 flows, every packet
#             pays the segment and flow lookups;
#   newflows  source ports 1024-65534 and destination ports 10-260, both
#             stepped per packet (16 million tuples before one repeats):
#             every packet is a new flow, classified from scratch (TM
#             filters, reputation for both addresses, quarantine). tlsi's
#             UDP flow timeout is 3 s for the run so that the flow table
#             holds the live flows only.
#
# The rate is what br0 forwards out of its server-side port (sent or
# dropped by the server's full backlog), over BENCH_SECONDS after 1.5 s of
# warm-up; tlsi's flows_created gives its new flows/s.
#
# Modes, each round interleaved: bare (tlsi.ko loaded, no segment on the
# ports), empty (a segment, no filters, no entries), tlsi (the policy),
# nftables (the policy in sets, tlsi's segment removed); unloaded (the bare
# bridge, module not loaded) once per family first. Each round loads tlsi's
# policy anew (timed) and flushes it before the nftables mode.
#
# No fixed time limit: each load is bounded by a limit derived from the
# rate a sample load of the same kind measured on this machine first
# (printed with the reason); the VM's own limit (Makefile) only catches a
# hung VM. If nftables cannot load its sets within its limit, its mode is
# left out of that family and the run goes on.
#
# Results are the TCG VM's: only the ratios mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/vm/lib.sh
. tests/vm/tlsi.sh

SECONDS_PER_RUN=${BENCH_SECONDS:-8}
FAMILIES=${BENCH_FAMILIES:-ipv4 ipv6}
ROUNDS=${BENCH_ROUNDS:-2}
NL="python3 tests/vm/tools/nlraw.py"
# The policy's size (BENCH_TM_FILTERS, BENCH_REP_ENTRIES: smaller only to
# try the script out) and the sample loads the limits come from.
N_TM=${BENCH_TM_FILTERS:-10000}
N_REP=${BENCH_REP_ENTRIES:-1000000}
S_TM=$((N_TM < 2000 ? N_TM : 2000))
S_REP=$((N_REP < 50000 ? N_REP : 50000))
work=/tmp/bench.$$
mkdir -p "$work"

topo_up
modprobe pktgen
ip netns exec "$NS_S" sysctl -qw net.ipv4.conf.all.rp_filter=0
server_mac=$(ip -n "$NS_S" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

now() { date +%s.%N; }
since() { python3 -c 'import sys, time; print("%.1f" % (time.time() - float(sys.argv[1])))' "$1"; }

# limit_for WHAT SAMPLE_N SAMPLE_SECS FULL_N POWER: seconds to allow for
# FULL_N items when SAMPLE_N took SAMPLE_SECS, if the time grows as
# items^POWER (1: hash inserts; 2: TM filters, each of which copies and
# re-indexes the table), with a 4x margin and 120 s for fixed costs.
limit_for() {
	python3 - "$@" <<'PY'
import sys
what, n, secs, full, power = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
expect = max(secs, 0.1) * (full / n) ** power
limit = int(4 * expect + 120)
print(limit)
print("  %s: the sample of %d took %.1f s; %d at that rate%s: about %.0f s; limit %d s (4x + 120 s)"
      % (what, n, secs, full, " (growing as n^2)" if power == 2 else "", expect, limit), file=sys.stderr)
PY
}

pg() { ip netns exec "$NS_C" sh -c "echo '$2' > /proc/net/pktgen/$1"; }
# pktgen_setup FAMILY WORKLOAD
pktgen_setup() {
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device eth0"
	pg eth0 "count 0"
	pg eth0 "pkt_size 64"
	pg eth0 "delay 0"
	pg eth0 "dst_mac $server_mac"
	if [ "$1" = ipv6 ]; then
		pg eth0 "dst6 2001:db8:9::99"
		pg eth0 "src6 2001:db8:9::1"
	else
		pg eth0 "dst 10.9.0.99"
		pg eth0 "src_min 10.9.0.1"
		pg eth0 "src_max 10.9.0.1"
	fi
	if [ "$2" = newflows ]; then
		# pktgen steps each range per packet and wraps before its max:
		# 64,510 x 250 source/destination port pairs.
		pg eth0 "udp_src_min 1024"
		pg eth0 "udp_src_max 65534"
		pg eth0 "udp_dst_min 10"
		pg eth0 "udp_dst_max 260"
	else
		pg eth0 "udp_src_min 1000"
		pg eth0 "udp_src_max 1999"
		pg eth0 "udp_dst_min 9"
		pg eth0 "udp_dst_max 9"
	fi
}

cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
tlsi_counter() { if [ -d "/sys/module/$TLSI_MODULE_NAME" ]; then counter "$1"; else echo 0; fi; }

# What br0 forwarded to the server's port: sent, or dropped by the
# receiving side's backlog (pktgen, the bridge and the server's stack share
# a CPU, so the server drops some when the bridge keeps up).
forwarded() {
	ip netns exec "$NS_A" cat /sys/class/net/eth1/statistics/tx_packets \
		/sys/class/net/eth1/statistics/tx_dropped | awk '{ n += $1 } END { print n }'
}

# measure MODE WORKLOAD: packets/s forwarded by br0, new tlsi flows/s and
# VM CPU busy % over SECONDS_PER_RUN; tlsi must drop nothing.
measure() {
	local rx0 rx1 c0 c1 t0 t1 f0 f1 full0 full1 d0 d1 pps fps busy
	pktgen_setup "$FAMILY" "$2"
	ip netns exec "$NS_C" sh -c 'echo start > /proc/net/pktgen/pgctrl' &
	local pgpid=$!
	sleep 1.5
	rx0=$(forwarded)
	f0=$(tlsi_counter flows_created)
	d0=$(tlsi_counter action_drop)
	full0=$(( $(tlsi_counter drop_flow_table_full) + $(tlsi_counter flow_full_bypassed) ))
	read -r c0 t0 <<<"$(cpu_busy)"
	sleep "$SECONDS_PER_RUN"
	rx1=$(forwarded)
	f1=$(tlsi_counter flows_created)
	d1=$(tlsi_counter action_drop)
	full1=$(( $(tlsi_counter drop_flow_table_full) + $(tlsi_counter flow_full_bypassed) ))
	read -r c1 t1 <<<"$(cpu_busy)"
	ip netns exec "$NS_C" sh -c 'echo stop > /proc/net/pktgen/pgctrl' || true
	wait "$pgpid" 2>/dev/null || true
	pps=$(((rx1 - rx0) / SECONDS_PER_RUN))
	fps=$(((f1 - f0) / SECONDS_PER_RUN))
	busy=$(((c1 - c0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1)))
	[ "$full1" = "$full0" ] || fail "$1 $2: the flow table was full ($((full1 - full0)) packets)"
	[ "$d1" = "$d0" ] || fail "$1 $2: tlsi dropped $((d1 - d0)) packets that no filter or entry names"
	echo "$FAMILY $2 $1 $pps $busy $fps" >>"$work/results"
	printf '  %-9s %-8s %9d pkt/s  %9d new flows/s  cpu %3d%%\n' "$1" "$2" "$pps" "$fps" "$busy"
}
measure_both() { measure "$1" steady; measure "$1" newflows; }

# policy_build FAMILY: the TM batch, the reputation file and nft's set
# elements in $work/FAMILY/.
policy_build() {
	mkdir -p "$work/$1"
	python3 - "$work/$1" "$1" "$N_TM" "$N_REP" <<'PY'
import ipaddress, sys
w, fam, n_tm, n_rep = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def tm_addr(i):
    if fam == "ipv6":
        return ipaddress.IPv6Address("2001:db8:64::") + i
    return ipaddress.IPv4Address("100.64.0.0") + i
def rep_addr(i):
    if fam == "ipv6":
        return ipaddress.IPv6Address("2001:db8:11::") + i
    return ipaddress.IPv4Address("11.0.0.0") + i
with open(w + "/tm.batch", "w") as tm, open(w + "/nft-tm.txt", "w") as ntm:
    for i in range(n_tm):
        a = tm_addr(i)
        if fam == "ipv6":
            cidr = "10,hex:%s,128" % a.packed.hex()
        else:
            cidr = "2,%s,32" % a
        tm.write("TLSI_CMD_TM_NEW TLSI_A_NAME:str:f%d TLSI_A_ACTION:u8:0 "
                 "TLSI_A_SRC:cidr:%s TLSI_A_PROTO:u8:%d "
                 "TLSI_A_DPORT_MIN:u16:5000 TLSI_A_DPORT_MAX:u16:5999\n"
                 % (i, cidr, 17 if i % 2 else 6))
        ntm.write("%s,\n" % a)
with open(w + "/rep.txt", "w") as rep, open(w + "/nft-rep.txt", "w") as nrep:
    for i in range(n_rep):
        a = rep_addr(i)
        rep.write("%s 90 bench\n" % a)
        nrep.write("%s,\n" % a)
PY
	head -n "$S_TM" "$work/$1/tm.batch" >"$work/$1/tm-sample.batch"
	head -n "$S_REP" "$work/$1/rep.txt" >"$work/$1/rep-sample.txt"
}

nft_chain() {
	local ip=ip
	[ "$FAMILY" = ipv6 ] && ip=ip6
	cat <<NFT
  chain pre { type filter hook prerouting priority -200; policy accept;
    $ip saddr @tm udp dport 5000-5999 drop
    $ip saddr @tm tcp dport 5000-5999 drop
    $ip saddr @rep drop
    $ip daddr @rep drop
  }
NFT
}
# The sets are loaded once per family (one nft -f of the whole ruleset, as
# a user would write it); the policy is switched on and off by adding and
# deleting the chain that uses them.
nft_chain_add() {
	{ echo "table bridge tlsibench {"; nft_chain; echo "}"; } >"$work/chain.nft"
	ip netns exec "$NS_A" nft -f "$work/chain.nft"
}
nft_chain_del() { ip netns exec "$NS_A" nft delete chain bridge tlsibench pre; }

# nft_ruleset TABLE N_TM_FILE N_REP_FILE [CHAIN]: a table with both sets.
nft_ruleset() {
	local type=ipv4_addr
	[ "$FAMILY" = ipv6 ] && type=ipv6_addr
	echo "table bridge $1 {"
	echo "  set tm { type $type; size 20000; elements = {"
	cat "$2"
	echo "  } }"
	echo "  set rep { type $type; size 2000000; elements = {"
	cat "$3"
	echo "  } }"
	[ -z "${4:-}" ] || nft_chain
	echo "}"
}

# nft_policy_load: the sample first (a scratch table with the TM set and
# S_REP reputation entries),
# then the whole ruleset under the limit derived from it. Sets nft_ok.
nft_policy_load() {
	local t0 secs limit
	head -n "$S_REP" "$work/$FAMILY/nft-rep.txt" >"$work/nft-rep-sample.txt"
	nft_ruleset tlsibench_sample "$work/$FAMILY/nft-tm.txt" "$work/nft-rep-sample.txt" >"$work/sample.nft"
	t0=$(now)
	ip netns exec "$NS_A" nft -f "$work/sample.nft"
	secs=$(since "$t0")
	ip netns exec "$NS_A" nft delete table bridge tlsibench_sample
	limit=$(limit_for "nftables sets" $((N_TM + S_REP)) "$secs" $((N_TM + N_REP)) 1)
	nft_ruleset tlsibench "$work/$FAMILY/nft-tm.txt" "$work/$FAMILY/nft-rep.txt" chain >"$work/ruleset.nft"
	t0=$(now)
	if timeout -k 10 "$limit" ip netns exec "$NS_A" nft -f "$work/ruleset.nft"; then
		nft_ok=1
		echo "  nftables: ruleset loaded in $(since "$t0") s (one nft -f:" \
			"$(ip netns exec "$NS_A" nft list chain bridge tlsibench pre | grep -c drop) rules over 2 sets)"
		nft_chain_del
	else
		nft_ok=0
		echo "  nftables: the sets did not load within ${limit} s: nftables is not measured for $FAMILY"
		ip netns exec "$NS_A" nft delete table bridge tlsibench 2>/dev/null || true
	fi
}

# tlsi's loads: the limits come from a sample of S_TM filters and S_REP
# entries loaded (and flushed) once per family.
tlsi_limits() {
	local t0 secs
	t0=$(now)
	ip netns exec "$NS_A" $NL --batch "$work/$FAMILY/tm-sample.batch" >/dev/null
	secs=$(since "$t0")
	tm_limit=$(limit_for "tlsi TM filters" "$S_TM" "$secs" "$N_TM" 2)
	t0=$(now)
	ctl_ok reputation load "$work/$FAMILY/rep-sample.txt"
	secs=$(since "$t0")
	rep_limit=$(limit_for "tlsi reputation" "$S_REP" "$secs" "$N_REP" 1)
	ctl_ok tm flush
	ctl_ok reputation flush
}

tlsi_policy_load() {
	local t0 out
	t0=$(now)
	out=$(timeout -k 10 "$tm_limit" ip netns exec "$NS_A" $NL --batch "$work/$FAMILY/tm.batch") ||
		fail "tlsi: $N_TM TM filters did not load within ${tm_limit} s: $out"
	echo "  tlsi: $N_TM TM filters in $(since "$t0") s"
	t0=$(now)
	timeout -k 10 "$rep_limit" ip netns exec "$NS_A" "$TLSICTL" reputation load "$work/$FAMILY/rep.txt" >/dev/null ||
		fail "tlsi: $N_REP reputation entries did not load within ${rep_limit} s"
	echo "  tlsi: $(counter reputation_entries) reputation entries in $(since "$t0") s;" \
		"$(tlsictl -j tm show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') TM filters"
}

seg_on() { ctl_ok segment add lan profile bench ports eth0 eth1; }
seg_off() { ctl_ok segment del lan; }
tlsi_setup() {
	ctl_ok config set max-flows 1000000 timeout-udp 3
	ctl_ok profile add bench rep-block 80 rep-alert 50
}

: >"$work/results"
for FAMILY in $FAMILIES; do
	case $FAMILY in ipv4|ipv6) ;; *) fail "BENCH_FAMILIES: '$FAMILY' is neither ipv4 nor ipv6" ;; esac
	echo "== $FAMILY: building the policy: $N_TM TM filters, $N_REP reputation entries"
	policy_build "$FAMILY"
	echo "== $FAMILY: bare bridge, tlsi.ko not loaded"
	rmmod "$TLSI_MODULE_NAME"
	measure_both unloaded
	insmod "$TLSI_MODULE"
	tlsi_setup

	echo "== $FAMILY: load limits from sample loads"
	tlsi_limits
	nft_policy_load

	for round in $(seq "$ROUNDS"); do
		echo "== $FAMILY: round $round"
		measure_both bare
		seg_on
		measure_both empty
		tlsi_policy_load
		measure_both tlsi
		seg_off
		ctl_ok tm flush
		ctl_ok reputation flush
		if [ "$nft_ok" = 1 ]; then
			nft_chain_add
			measure_both nftables
			nft_chain_del
		fi
	done
	[ "$(counter flows_created)" -gt 0 ] || fail "tlsi saw no $FAMILY flows"
	[ "$FAMILY" = ipv4 ] || [ "$(counter ipv6_packets)" -gt 0 ] || fail "tlsi saw no IPv6 packets"
	# The next family starts from nothing.
	[ "$nft_ok" = 0 ] || ip netns exec "$NS_A" nft delete table bridge tlsibench
	rmmod "$TLSI_MODULE_NAME"
	insmod "$TLSI_MODULE"
done

python3 - "$work/results" <<'PY'
import sys, collections
r = collections.defaultdict(list)
for line in open(sys.argv[1]):
    fam, load, mode, pps, cpu, fps = line.split()
    r[fam, load, mode].append((int(pps), int(cpu), int(fps)))
def mean(fam, load, mode, i=0):
    v = r.get((fam, load, mode))
    return sum(x[i] for x in v) / len(v) if v else None
def ratio(a, b):
    return "%.2fx" % (a / b) if a is not None and b else "n/a"
for fam in sorted({k[0] for k in r}):
    print("== %s results (mean of %d rounds; nftables: %s)" % (
        fam, len(r[fam, "steady", "bare"]), "measured" if (fam, "steady", "nftables") in r else "not loaded in time"))
    for load in ("steady", "newflows"):
        for mode in ("unloaded", "bare", "empty", "tlsi", "nftables"):
            if (fam, load, mode) in r:
                print("  %-8s %-9s %9.0f pkt/s  %9.0f new flows/s  cpu %3.0f%%" % (
                    load, mode, mean(fam, load, mode), mean(fam, load, mode, 2), mean(fam, load, mode, 1)))
    g = lambda load, mode: mean(fam, load, mode)
    print("  %s steady:   tlsi / bare bridge (module unloaded): %s (target >= 0.80)" % (fam, ratio(g("steady", "tlsi"), g("steady", "unloaded"))))
    print("  %s steady:   tlsi / nftables: %s (target >= 1.00)" % (fam, ratio(g("steady", "tlsi"), g("steady", "nftables"))))
    print("  %s newflows: tlsi with the policy / tlsi with no filters: %s (target >= 0.80)" % (fam, ratio(g("newflows", "tlsi"), g("newflows", "empty"))))
    print("  %s newflows: nftables with the policy / bare bridge: %s; tlsi / nftables: %s" % (
        fam, ratio(g("newflows", "nftables"), g("newflows", "unloaded")), ratio(g("newflows", "tlsi"), g("newflows", "nftables"))))
    print("  %s newflows: tlsi flows created per forwarded packet: %s" % (
        fam, ratio(mean(fam, "newflows", "tlsi", 2), g("newflows", "tlsi"))))
PY
