#!/bin/bash
# Debian packages of tlsi (debian/), and their check.
#
#   scripts/deb.sh build   the working tree's files (committed or not, as git
#                          sees them) into build/deb/src, dpkg-buildpackage
#                          -b there, lintian (no errors allowed): build/deb/*.deb
#   scripts/deb.sh check   build, then install both packages into an empty
#                          root (build/deb/root: dpkg --root, unpacked, their
#                          maintainer scripts not run), check what they hold,
#                          `systemd-analyze verify' their units there, and
#                          `dkms build' the module from the installed source
#                          for Debian's kernel (KVER, default the newest
#                          /lib/modules/*/build)
#   scripts/deb.sh install-check   the same without building again
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
OUT=$REPO/build/deb
VER=$(dpkg-parsechangelog -l debian/changelog -S Version)
die() { echo "deb: $*" >&2; exit 1; }

build() {
	for t in dpkg-buildpackage dh dh_dkms lintian go-md2man; do
		command -v $t >/dev/null || die "$t missing: scripts/install-deps.sh"
	done
	rm -rf "$OUT"
	mkdir -p "$OUT/src/tlsi-$VER"
	# The tree as git sees it (no build products), without the test data
	# (data/et-open; data/decrypt ships: the default decryption policy).
	git ls-files -co --exclude-standard -z | grep -zv -e '^data/et-open/' -e '^build/' |
		(cd "$REPO" && cpio -0 -pdm --quiet "$OUT/src/tlsi-$VER")
	(cd "$OUT/src/tlsi-$VER" && nice -n 10 dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1 ||
		{ tail -n 40 "$OUT/build.log"; die "dpkg-buildpackage failed (build/deb/build.log)"; }
	mv "$OUT"/src/*.deb "$OUT"/src/*.changes "$OUT"/src/*.buildinfo "$OUT"/
	echo "deb: built $(cd "$OUT" && echo *.deb)"
	lintian --fail-on error --no-tag-display-limit "$OUT"/tlsi_"$VER"_*.changes | tee "$OUT/lintian.log" ||
		die "lintian found errors"
	echo "deb: lintian: $(grep -c '^E:' "$OUT/lintian.log" || true) errors, $(grep -c '^W:' "$OUT/lintian.log" || true) warnings"
}

check() {
	build
	install_check
}

install_check() {
	local root=$OUT/root kver f
	kver=${KVER:-$(ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f4)}
	[ -n "$kver" ] || die "no kernel headers: install linux-headers-amd64"
	rm -rf "$root"
	mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/bin"
	touch "$root/var/lib/dpkg/status"
	# dpkg runs a preinst chrooted into the root: a shell, and nothing else.
	cp "$(command -v busybox)" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	dpkg --root="$root" --force-depends --unpack "$OUT"/tlsi-dkms_"$VER"_all.deb "$OUT"/tlsi_"$VER"_*.deb \
		>"$OUT/unpack.log" 2>&1 || { cat "$OUT/unpack.log"; die "dpkg --unpack failed"; }
	for f in usr/sbin/tlsictl usr/sbin/tlsid lib/systemd/system/tlsi.service \
		lib/systemd/system/tlsid.service etc/tlsi/tlsi.conf etc/default/tlsid \
		etc/logrotate.d/tlsi usr/share/bash-completion/completions/tlsictl \
		usr/share/man/man8/tlsictl.8.gz usr/share/man/man8/tlsid.8.gz \
		"usr/src/tlsi-$VER/dkms.conf" "usr/src/tlsi-$VER/Kbuild" \
		"usr/src/tlsi-$VER/include/uapi/linux/tlsi.h"; do
		# (conffiles stay FILE.dpkg-new until the package is configured)
		[ -e "$root/$f" ] || [ -e "$root/$f.dpkg-new" ] || die "not installed: /$f"
	done
	"$root/usr/sbin/tlsictl" --version >/dev/null || die "the installed tlsictl does not run"
	"$root/usr/sbin/tlsid" --version >/dev/null || die "the installed tlsid does not run"
	echo "deb: installed into $root: $(find "$root" -type f | wc -l) files"
	# The units against this system's (sysinit.target, modprobe, man) with
	# the packages' files laid over it: overlays in a mount namespace.
	unshare -m sh -c '
		set -e
		root=$1
		for d in usr/sbin lib/systemd/system usr/share/man/man5 usr/share/man/man8; do
			[ -d "$root/$d" ] && [ -d "/$d" ] || continue
			w=$(mktemp -d)
			mount -t tmpfs none "$w"
			mkdir "$w/u" "$w/w"
			mount -t overlay overlay -o "lowerdir=$root/$d:/$d,upperdir=$w/u,workdir=$w/w" "/$d"
		done
		systemd-analyze verify /lib/systemd/system/tlsi.service /lib/systemd/system/tlsid.service
	' sh "$root" 2>&1 | tee "$OUT/verify.log"
	[ ! -s "$OUT/verify.log" ] || die "systemd-analyze verify: not clean"
	echo "deb: systemd-analyze verify: clean"
	rm -rf "$OUT/dkms"
	mkdir -p "$OUT/dkms"
	nice -n 10 dkms build -m tlsi -v "$VER" -k "$kver" --sourcetree "$root/usr/src" \
		--dkmstree "$OUT/dkms" >"$OUT/dkms.log" 2>&1 || { tail -n 40 "$OUT/dkms.log"; die "dkms build failed"; }
	f=$(find "$OUT/dkms/tlsi/$VER/$kver" -name tlsi.ko -print -quit)
	[ -n "$f" ] || die "dkms built no tlsi.ko"
	modinfo -F vermagic "$f" | grep -q "^$kver " || die "$f: vermagic $(modinfo -F vermagic "$f")"
	echo "deb: dkms build -k $kver: $f ($(modinfo -F vermagic "$f" | cut -d' ' -f1))"
	echo "deb: PASS"
}

case ${1:-} in
build) build ;;
check) check ;;
install-check) install_check ;;
*) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 2 ;;
esac
