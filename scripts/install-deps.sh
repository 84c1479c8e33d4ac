#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package xlb needs to build, test and run its lab.
# Idempotent and quick when everything is present: dpkg is asked first, and
# apt-get runs only for what is missing.
set -euo pipefail

PKGS=(
	# build
	make gcc clang llvm libc6-dev linux-libc-dev pkg-config libssl-dev
	libbpf-dev bpftool libxdp-dev libclang-rt-14-dev
	libcyaml-dev libyaml-dev libjson-c-dev libevent-dev libcmocka-dev libhttp-parser-dev
	libsystemd-dev libncurses-dev libmnl-dev
	# lab and tests
	iproute2 iputils-ping ethtool curl procps util-linux python3 openssl tcpdump
	# observability tests (tests/e2e/observe.sh): a real Prometheus, a real terminal
	prometheus tmux
	# announcing VIPs (tests/e2e/announce.sh): a real routing daemon
	bird2
	# man pages, the Debian package, the units (tests/package, tests/e2e/service.sh)
	scdoc mandoc groff-base man-db build-essential debhelper dpkg-dev lintian systemd
	libcap2-bin
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: missing packages: ${missing[*]} (run as root)" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The BPF pins live on bpffs; some minimal systems do not mount it.
if [ "$(id -u)" -eq 0 ] && ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi
