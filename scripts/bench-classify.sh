#!/bin/bash
# make bench-classify: packets/s through br0 with 10,000 TM filters and
# 1,000,000 reputation entries, against the bare bridge and the same policy
# written as an nftables bridge ruleset with sets, in one run, in the VM;
# for IPv4, then the same with IPv6 addresses (BENCH_FAMILIES="ipv4 ipv6",
# the default; one of them alone to run only it).
#
#   client ns (pktgen) -- eth0 [br0 appliance] eth1 -- server ns (counts rx)
#
# pktgen sends 64-byte UDP packets from 10.9.0.1 (2001:db8:9::1), source
# ports 1000-1999 (1000 flows), to 10.9.0.99 (2001:db8:9::99) through the
# server's MAC; the server counts what arrives on its port. No packet
# matches any filter or entry, so every new flow walks all 10,000 TM
# filters and probes the reputation table for both addresses: the cost of
# the policy, not of dropping. Each family starts from a freshly loaded
# module and an empty nftables table.
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
	pg eth0 "dst_mac $server_mac"
	if [ "$1" = ipv6 ]; then
		pg eth0 "dst6 2001:db8:9::99"
		pg eth0 "src6 2001:db8:9::1"
	else
		pg eth0 "dst 10.9.0.99"
		pg eth0 "src_min 10.9.0.1"
		pg eth0 "src_max 10.9.0.1"
	fi
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
	echo "$FAMILY $1 $pps $busy" >>"$work/results"
	printf '  %-10s %10d pkt/s  cpu %3d%%\n' "$1" "$pps" "$busy"
}

# policy_build FAMILY: the TM batch, the reputation file and nft's set
# elements in $work/FAMILY/.
policy_build() {
	mkdir -p "$work/$1"
	python3 - "$work/$1" "$1" <<'PY'
import ipaddress, sys
w, fam = sys.argv[1:3]
def tm_addr(i):
    if fam == "ipv6":
        return ipaddress.IPv6Address("2001:db8:64::") + i
    return ipaddress.IPv4Address("100.64.0.0") + i
def rep_addr(i):
    if fam == "ipv6":
        return ipaddress.IPv6Address("2001:db8:11::") + i
    return ipaddress.IPv4Address("11.0.0.0") + i
with open(w + "/tm.batch", "w") as tm, open(w + "/nft-tm.txt", "w") as ntm:
    for i in range(10000):
        a = tm_addr(i)
        if fam == "ipv6":
            cidr = "10,hex:%s,128" % a.packed.hex()
        else:
            cidr = "2,%s,32" % a
        tm.write("TLSI_CMD_TM_NEW TLSI_A_NAME:str:f%d TLSI_A_ACTION:u8:0 "
                 "TLSI_A_SRC:cidr:%s TLSI_A_PROTO:u8:17 "
                 "TLSI_A_DPORT_MIN:u16:5000 TLSI_A_DPORT_MAX:u16:5999\n" % (i, cidr))
        ntm.write("%s,\n" % a)
with open(w + "/rep.txt", "w") as rep, open(w + "/nft-rep.txt", "w") as nrep:
    for i in range(1000000):
        a = rep_addr(i)
        rep.write("%s 90 bench\n" % a)
        nrep.write("%s,\n" % a)
PY
}

# The sets take minutes to load under TCG: load them once, and switch the
# policy on and off by adding and deleting the chain that uses them.
nft_chain_add() {
	local ip=ip
	[ "$FAMILY" = ipv6 ] && ip=ip6
	cat >"$work/chain.nft" <<NFT
table bridge tlsibench {
  chain pre { type filter hook prerouting priority -200; policy accept;
    $ip saddr @tm udp dport 5000-5999 drop
    $ip saddr @tm tcp dport 5000-5999 drop
    $ip saddr @rep drop
    $ip daddr @rep drop
  }
}
NFT
	ip netns exec "$NS_A" nft -f "$work/chain.nft"
}
nft_chain_del() { ip netns exec "$NS_A" nft delete chain bridge tlsibench pre; }

tlsi_policy_load() {
	ctl_ok profile add bench rep-block 80 rep-alert 50
	ctl_ok segment add lan profile bench ports eth0 eth1
	ip netns exec "$NS_A" $NL --batch "$work/$FAMILY/tm.batch"
	ctl_ok reputation load "$work/$FAMILY/rep.txt"
	echo "  tlsi: $(tlsictl -j tm show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') TM filters," \
		"$(counter reputation_entries) reputation entries"
}

nft_policy_load() {
	local type=ipv4_addr
	[ "$FAMILY" = ipv6 ] && type=ipv6_addr
	{
		echo "table bridge tlsibench {"
		# Every filter blocks UDP/TCP 5000-5999 from one host: one hash
		# set of the hosts and the port range in the rule is the same policy.
		echo "  set tm { type $type; size 20000; elements = {"
		cat "$work/$FAMILY/nft-tm.txt"
		echo "  } }"
		echo "  set rep { type $type; size 2000000; elements = {"
		cat "$work/$FAMILY/nft-rep.txt"
		echo "  } }"
		echo "}"
	} >"$work/ruleset.nft"
	ip netns exec "$NS_A" nft -f "$work/ruleset.nft"
	nft_chain_add
	echo "  nftables: ruleset loaded ($(ip netns exec "$NS_A" nft list chain bridge tlsibench pre | grep -c drop) rules over 2 sets)"
}

: >"$work/results"
for FAMILY in $FAMILIES; do
	case $FAMILY in ipv4|ipv6) ;; *) fail "BENCH_FAMILIES: '$FAMILY' is neither ipv4 nor ipv6" ;; esac
	echo "== $FAMILY: building the policy: 10,000 TM filters, 1,000,000 reputation entries"
	policy_build "$FAMILY"
	pktgen_setup "$FAMILY"
	echo "== $FAMILY: bare bridge, tlsi.ko not loaded"
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
		echo "== $FAMILY: round $round"
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
	[ "$(counter flows_created)" -gt 0 ] || fail "tlsi saw no $FAMILY flows"
	[ "$FAMILY" = ipv4 ] || [ "$(counter ipv6_packets)" -gt 0 ] || fail "tlsi saw no IPv6 packets"
	# The next family starts from nothing.
	ip netns exec "$NS_A" nft delete table bridge tlsibench
	rmmod "$TLSI_MODULE_NAME"
	insmod "$TLSI_MODULE"
done

python3 - "$work/results" <<'PY'
import sys, collections
r = collections.defaultdict(list)
for line in open(sys.argv[1]):
    fam, name, pps, cpu = line.split()
    r[fam, name].append((int(pps), int(cpu)))
for fam in sorted({f for f, _ in r}):
    avg = {k: sum(p for p, _ in v) / len(v) for (f, k), v in r.items() if f == fam}
    cpu = {k: sum(c for _, c in v) / len(v) for (f, k), v in r.items() if f == fam}
    print("== %s results (mean of %d rounds)" % (fam, len(r[fam, "bare"])))
    for k in ("unloaded", "bare", "tlsi", "nftables"):
        print("  %-10s %10.0f pkt/s  cpu %3.0f%%" % (k, avg[k], cpu[k]))
    print("  %s tlsi / bare bridge (module unloaded): %.2fx (target >= 0.80)" % (fam, avg["tlsi"] / avg["unloaded"]))
    print("  %s tlsi / bare bridge (no segment):      %.2fx" % (fam, avg["tlsi"] / avg["bare"]))
    print("  %s tlsi / nftables:    %.2fx (target >= 1.00)" % (fam, avg["tlsi"] / avg["nftables"]))
PY
