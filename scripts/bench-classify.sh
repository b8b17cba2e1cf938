#!/bin/bash
# make bench-classify: packets/s through br0 with 10,000 TM filters and
# 1,000,000 reputation entries, against the bare bridge and the same policy
# written as an nftables bridge ruleset with sets, in one run, in the VM.
#
#   client ns (pktgen) -- eth0 [br0 appliance] eth1 -- server ns (counts rx)
#
# pktgen sends 64-byte UDP packets from 10.9.0.1, source ports 1000-1999
# (1000 flows), to 10.9.0.99 through the server's MAC; the server counts
# what arrives on its port. No packet matches any filter or entry, so every
# new flow walks all 10,000 TM filters and probes the reputation table for
# both addresses: the cost of the policy, not of dropping.
#
# Results are the TCG VM's: only the ratios mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/vm/lib.sh
. tests/vm/tlsi.sh

SECONDS_PER_RUN=${BENCH_SECONDS:-8}
ROUNDS=${BENCH_ROUNDS:-2}
NL="python3 tests/vm/tools/nlraw.py"
work=/tmp/bench.$$
mkdir -p "$work"

topo_up
modprobe pktgen
ip netns exec "$NS_S" sysctl -qw net.ipv4.conf.all.rp_filter=0
server_mac=$(ip -n "$NS_S" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

pg() { ip netns exec "$NS_C" sh -c "echo '$2' > /proc/net/pktgen/$1"; }
pktgen_setup() {
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device eth0"
	pg eth0 "count 0"
	pg eth0 "pkt_size 64"
	pg eth0 "delay 0"
	pg eth0 "dst 10.9.0.99"
	pg eth0 "dst_mac $server_mac"
	pg eth0 "src_min 10.9.0.1"
	pg eth0 "src_max 10.9.0.1"
	pg eth0 "udp_src_min 1000"
	pg eth0 "udp_src_max 1999"
	pg eth0 "udp_dst_min 9"
	pg eth0 "udp_dst_max 9"
}

cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }

# measure NAME: pps at the server and VM CPU busy % over SECONDS_PER_RUN.
measure() {
	local rx0 rx1 c0 c1 t0 t1 pps busy
	ip netns exec "$NS_C" sh -c 'echo start > /proc/net/pktgen/pgctrl' &
	local pgpid=$!
	sleep 1.5
	rx0=$(ip netns exec "$NS_S" cat /sys/class/net/eth0/statistics/rx_packets)
	read -r c0 t0 <<<"$(cpu_busy)"
	sleep "$SECONDS_PER_RUN"
	rx1=$(ip netns exec "$NS_S" cat /sys/class/net/eth0/statistics/rx_packets)
	read -r c1 t1 <<<"$(cpu_busy)"
	ip netns exec "$NS_C" sh -c 'echo stop > /proc/net/pktgen/pgctrl' || true
	wait "$pgpid" 2>/dev/null || true
	pps=$(((rx1 - rx0) / SECONDS_PER_RUN))
	busy=$(((c1 - c0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1)))
	echo "$1 $pps $busy" >>"$work/results"
	printf '  %-10s %10d pkt/s  cpu %3d%%\n' "$1" "$pps" "$busy"
}

echo "== building the policy: 10,000 TM filters, 1,000,000 reputation entries"
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
with open(w + "/tm.batch", "w") as tm, open(w + "/nft-tm.txt", "w") as ntm:
    for i in range(10000):
        a = "100.64.%d.%d" % (i // 256, i % 256)
        tm.write("TLSI_CMD_TM_NEW TLSI_A_NAME:str:f%d TLSI_A_ACTION:u8:0 "
                 "TLSI_A_SRC:cidr:2,%s,32 TLSI_A_PROTO:u8:17 "
                 "TLSI_A_DPORT_MIN:u16:5000 TLSI_A_DPORT_MAX:u16:5999\n" % (i, a))
        ntm.write("%s,\n" % a)
with open(w + "/rep.txt", "w") as rep, open(w + "/nft-rep.txt", "w") as nrep:
    for i in range(1000000):
        a = "11.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255)
        rep.write("%s 90 bench\n" % a)
        nrep.write("%s,\n" % a)
PY

# The sets take minutes to load under TCG: load them once, and switch the
# policy on and off by adding and deleting the chain that uses them.
nft_chain_add() {
	cat >"$work/chain.nft" <<'NFT'
table bridge tlsibench {
  chain pre { type filter hook prerouting priority -200; policy accept;
    ip saddr @tm udp dport 5000-5999 drop
    ip saddr @tm tcp dport 5000-5999 drop
    ip saddr @rep drop
    ip daddr @rep drop
  }
}
NFT
	ip netns exec "$NS_A" nft -f "$work/chain.nft"
}
nft_chain_del() { ip netns exec "$NS_A" nft delete chain bridge tlsibench pre; }

tlsi_policy_load() {
	ctl_ok profile add bench rep-block 80 rep-alert 50
	ctl_ok segment add lan profile bench ports eth0 eth1
	ip netns exec "$NS_A" $NL --batch "$work/tm.batch"
	ctl_ok reputation load "$work/rep.txt"
	echo "  tlsi: $(tlsictl -j tm show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') TM filters," \
		"$(counter reputation_entries) reputation entries"
}

nft_policy_load() {
	{
		echo "table bridge tlsibench {"
		# Every filter blocks UDP/TCP 5000-5999 from one host: one hash
		# set of the hosts and the port range in the rule is the same policy.
		echo "  set tm { type ipv4_addr; size 20000; elements = {"
		cat "$work/nft-tm.txt"
		echo "  } }"
		echo "  set rep { type ipv4_addr; size 2000000; elements = {"
		cat "$work/nft-rep.txt"
		echo "  } }"
		echo "}"
	} >"$work/ruleset.nft"
	ip netns exec "$NS_A" nft -f "$work/ruleset.nft"
	nft_chain_add
	echo "  nftables: ruleset loaded ($(ip netns exec "$NS_A" nft list chain bridge tlsibench pre | grep -c drop) rules over 2 sets)"
}

pktgen_setup
: >"$work/results"
echo "== bare bridge, tlsi.ko not loaded"
rmmod "$TLSI_MODULE_NAME"
measure unloaded
insmod "$TLSI_MODULE"

start=$(date +%s)
tlsi_policy_load
echo "  loaded in $(($(date +%s) - start)) s"
start=$(date +%s)
nft_policy_load
echo "  loaded in $(($(date +%s) - start)) s"
nft_chain_del

for round in $(seq "$ROUNDS"); do
	echo "== round $round"
	# Bare bridge: tlsi.ko loaded, but no segment on these ports.
	ctl_ok segment del lan
	measure bare
	ctl_ok segment add lan profile bench ports eth0 eth1
	measure tlsi
	ctl_ok segment del lan
	nft_chain_add
	measure nftables
	nft_chain_del
	ctl_ok segment add lan profile bench ports eth0 eth1
done
[ "$(counter flows_created)" -gt 0 ] || fail "tlsi saw no flows"

python3 - "$work/results" <<'PY'
import sys, collections
r = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, pps, cpu = line.split()
    r[name].append((int(pps), int(cpu)))
avg = {k: sum(p for p, _ in v) / len(v) for k, v in r.items()}
cpu = {k: sum(c for _, c in v) / len(v) for k, v in r.items()}
print("== results (mean of %d rounds)" % len(r["bare"]))
for k in ("unloaded", "bare", "tlsi", "nftables"):
    print("  %-10s %10.0f pkt/s  cpu %3.0f%%" % (k, avg[k], cpu[k]))
print("  tlsi / bare bridge (module unloaded): %.2fx (target >= 0.80)" % (avg["tlsi"] / avg["unloaded"]))
print("  tlsi / bare bridge (no segment):      %.2fx" % (avg["tlsi"] / avg["bare"]))
print("  tlsi / nftables:    %.2fx (target >= 1.00)" % (avg["tlsi"] / avg["nftables"]))
PY
