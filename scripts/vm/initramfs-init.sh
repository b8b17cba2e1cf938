#!/bin/busybox sh
# /init of the tlsi test VM's initramfs (built and cached by scripts/vm-run.sh).
#
# Loads the virtio/9p modules baked into /lib/mods (in dependency order, see
# /lib/mods/order), mounts the host's root read-only over 9p on /mnt, puts
# tmpfs on /mnt/tmp, /mnt/var/tmp, /mnt/run (the host's /tmp and /var/tmp stay
# visible, read-only, under /run/host/), mounts proc/sys/dev/devpts/debugfs,
# copies the per-run parameters (/tlsi/*) to /mnt/run/tlsi/ and switch_roots
# into the host's bash running scripts/vm-init.sh. switch_root (not chroot)
# so that the kernel's module auto-loading runs the host's /sbin/modprobe.
/bin/busybox mkdir -p /bin /proc /sys /dev /mnt
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev 2>/dev/null
if [ -c /dev/console ]; then
	exec </dev/console >/dev/console 2>&1
fi

M=@@TLSI@@
die() {
	echo "$M FATAL initramfs: $*"
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
}

. /tlsi/boot || die "no /tlsi/boot"

while read -r m; do
	[ -n "$m" ] || continue
	insmod "/lib/mods/$m.ko" || die "insmod $m failed"
done </lib/mods/order

# The virtio device may take a moment to appear after virtio_pci probes.
n=0
until mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	hostroot /mnt 2>/tmp.err; do
	n=$((n + 1))
	[ $n -lt 100 ] || die "cannot mount hostroot: $(cat /tmp.err)"
	sleep 0.05
done

mount -t tmpfs -o mode=0755 tmpfs /mnt/run || die "tmpfs /mnt/run"
mkdir -p /mnt/run/host/tmp /mnt/run/host/var/tmp /mnt/run/tlsi/out
mount -o bind /mnt/tmp /mnt/run/host/tmp
mount -o bind /mnt/var/tmp /mnt/run/host/var/tmp
mount -t tmpfs -o mode=1777 tmpfs /mnt/tmp || die "tmpfs /mnt/tmp"
mount -t tmpfs -o mode=1777 tmpfs /mnt/var/tmp
mount -o move /proc /mnt/proc || mount -t proc proc /mnt/proc
mount -o move /dev /mnt/dev || mount -t devtmpfs devtmpfs /mnt/dev
mount -t sysfs sysfs /mnt/sys
mkdir -p /mnt/dev/pts /mnt/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /mnt/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /mnt/dev/shm
mount -t debugfs debugfs /mnt/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /mnt/sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /mnt/sys/fs/cgroup 2>/dev/null

cp /tlsi/* /mnt/run/tlsi/ || die "cannot copy parameters"
# Writable export for logs (optional: the run works without it).
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 tlsiout /mnt/run/tlsi/out 2>/dev/null ||
	echo "initramfs: no tlsiout export, logs stay in the VM"

[ -f "/mnt$VMINIT" ] || die "$VMINIT not found through 9p"
exec switch_root /mnt /bin/bash "$VMINIT"
die "switch_root failed"
