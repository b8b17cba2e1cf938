#!/bin/bash
# Unloading tlsi.ko while traffic flows through classified segments is
# clean (the runner checks the kernel log), and the bridge keeps forwarding.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

tlsi_basic
ctl_ok tm add rl action rate-limit rate 100000 proto udp
ctl_ok reputation add 10.9.0.0/24 score 10
ctl_ok quarantine add 10.9.0.99 timeout 60
monitor_start /tmp/rmmod-events.$$

# Traffic in the background: a ping flood, a UDP and a TCP stream; for
# 120 s (killed at the end), so that it still flows at rmmod however slowly
# it starts.
spawn c ping -q -i 0.002 -w 120 10.9.0.2
spawn c python3 -c '
import socket, time
end = time.time() + 120
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while time.time() < end:
    try:
        t = socket.create_connection(("10.9.0.2", 8080), timeout=1)
        t.recv(100); t.close()
    except OSError:
        pass
    for _ in range(50):
        u.sendto(b"x" * 512, ("10.9.0.2", 5353))
'
_flowing() { [ "$(counter packets)" -gt 100 ]; }
wait_until $T_REACT _flowing || fail "traffic is not flowing"
# The monitor holds the genl socket; unloading must not wait for it.
rmmod "$TLSI_MODULE_NAME" || fail "rmmod failed"
pass "rmmod under traffic"
expect_ok ping_ok 10.9.0.2
expect_probe ok tcp 10.9.0.2 8080

# Load again and unload with live flows and no listeners.
insmod "$TLSI_MODULE"
ctl_ok profile add p1
ctl_ok segment add seg1 profile p1 ports eth0 eth1
_flows() { [ "$(counter flows_current)" -gt 0 ]; }
wait_until $T_REACT _flows || fail "no flows after reload"
rmmod "$TLSI_MODULE_NAME"
insmod "$TLSI_MODULE"
pass "reload cycle"
