#!/bin/bash
# Install the build and test dependencies of tlsi (Debian bookworm).
#
# Idempotent: only packages that are missing are installed, and
# `apt-get update` runs only when something is missing. Needs root (or sudo)
# only in that case.
set -euo pipefail

PKGS=(
	build-essential pkg-config
	linux-headers-amd64 linux-image-amd64
	qemu-system-x86 busybox-static
	libssl-dev libmnl-dev check libseccomp-dev
	iproute2 curl openssl python3 kmod iputils-ping nftables cpio procps
	libhyperscan-dev libpcre2-dev clang libclang-rt-dev
	nginx sslsplit tcpdump
	libnghttp2-dev nghttp2-client
	python3-scapy bind9-dnsutils
	debhelper dh-dkms dkms lintian go-md2man
	libmicrohttpd-dev libjson-c-dev zlib1g-dev prometheus chromium
	testssl.sh
	uacme pebble
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	if [ "$st" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages already installed"
	exit 0
fi

echo "install-deps: missing: ${missing[*]}"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		echo "install-deps: need root to install packages (no sudo found)" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get update"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
echo "install-deps: apt-get install ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: done"
