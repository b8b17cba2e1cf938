#!/bin/bash
# One million reputation entries load through tlsictl and are enforced.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
ctl_ok profile set p1 rep-block 80 rep-alert 50
f=/tmp/rep-1m.$$
python3 - "$f" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    out.write("# synthetic feed: 999,990 hosts and 10 networks\n")
    n = 0
    a = 0x0B000000  # 11.0.0.0 upwards
    while n < 999990:
        out.write("%d.%d.%d.%d %d feed%d\n" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, n % 101, n % 7))
        a += 1
        n += 1
    for i in range(9):
        out.write("172.%d.0.0/16 30 net\n" % (16 + i))
    out.write("10.9.0.2/32 100 worm\n")
PY
wc -l "$f"
start=$(date +%s.%N)
ctl_ok reputation load "$f"
end=$(date +%s.%N)
echo "loaded 1,000,000 entries in $(python3 -c "print(round($end - $start, 1))") s"
assert_eq "$(counter reputation_entries)" 1000000 "reputation_entries"

expect_probe timeout tcp 10.9.0.2 8080
tlsictl reputation show 11.5.66.12 | grep -q '11.5.66.12/32' || fail "lookup in 1M table"
tlsictl reputation show 172.20.1.1 | grep -q '172.20.0.0/16' || fail "network lookup in 1M table"

# A full dump works and returns every entry.
n=$(tlsictl reputation show | wc -l)
assert_eq "$n" 1000000 "dumped entries"

ctl_ok reputation del 10.9.0.2/32
expect_probe ok tcp 10.9.0.2 8080
ctl_ok reputation flush
assert_eq "$(counter reputation_entries)" 0 "reputation_entries after flush"
