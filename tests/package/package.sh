#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (With pipefail, never `cmd | grep -q`: grep a captured output.)
#
# xlb as it is installed: make install / uninstall into a DESTDIR, the units
# through systemd-analyze verify, the man pages rendered without warnings and
# checked against what the programs accept (so they cannot drift apart), the
# bash completion called as bash calls it, and the Debian package built,
# checked by lintian, installed, run, and purged without a trace. Needs root
# (dpkg -i) and a netns for one xlbd that the completion asks. Prints
# PASS/FAIL per test and "N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
WORK=$(mktemp -d /tmp/xlb-pkg.XXXXXX)
NS=xlbp-comp # the completion's xlbd, alone on a veth
SOCK=/run/xlb/pkg-comp.sock
PINS=/sys/fs/bpf/xlb-pkg-comp
MAN=$TOP/docs/man

[ "$(id -u)" -eq 0 ] || { echo "package: needs root"; echo "0 passed, 1 failed"; exit 1; }

# say, run_test and the pass/fail counts (none of its lab helpers are used)
. "$TOP/tests/e2e/lib.sh"

cleanup() {
	[ -n "$XLBD_PID" ] && kill "$XLBD_PID" 2>/dev/null && wait "$XLBD_PID" 2>/dev/null
	[ -e "$PINS" ] && nsenter --net=/run/netns/$NS "$BUILD/xlbd" -c "$WORK/comp.yaml" --detach \
		>/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$PINS" "$WORK" "$SOCK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mk() { make -s -C "$TOP" --no-print-directory "$@"; }

# Every file under $1, relative, sorted.
tree_of() { (cd "$1" && find . -type f -o -type l | sed 's|^\./||' | sort); }

# ---- make install -------------------------------------------------------------

INSTALLED="etc/xlb/xlb.yaml
lib/systemd/system/xlb-decap@.service
lib/systemd/system/xlbd.service
usr/bin/xlbctl
usr/sbin/xlb-decap
usr/sbin/xlbd
usr/share/bash-completion/completions/xlbctl
usr/share/man/man5/xlb.yaml.5
usr/share/man/man8/xlb-decap.8
usr/share/man/man8/xlbctl.8
usr/share/man/man8/xlbd.8"

test_make_install_puts_everything_in_place_and_never_overwrites_the_config() {
	local d=$WORK/root got out
	mk install DESTDIR="$d" PREFIX=/usr UNITDIR=/lib/systemd/system >/dev/null || return 1
	got=$(tree_of "$d")
	[ "$got" = "$INSTALLED" ] || { say "installed:"; diff <(echo "$INSTALLED") <(echo "$got"); return 1; }
	grep -q '^ExecStart=/usr/sbin/xlbd -f -c /etc/xlb/xlb.yaml$' "$d/lib/systemd/system/xlbd.service" ||
		{ say "the unit does not name the installed xlbd"; return 1; }
	out=$("$d/usr/sbin/xlbd" -n -c "$d/etc/xlb/xlb.yaml") || { say "$out"; return 1; }
	say "$out"
	say "$("$d/usr/bin/xlbctl" --version)"
	echo "# the operator's" >>"$d/etc/xlb/xlb.yaml"
	out=$(mk install DESTDIR="$d" PREFIX=/usr UNITDIR=/lib/systemd/system)
	say "${out## }"
	tail -1 "$d/etc/xlb/xlb.yaml" | grep -q "the operator's" || { say "the config was overwritten"; return 1; }
}

test_make_uninstall_removes_what_install_put_there() {
	local d=$WORK/root2 left
	mk install DESTDIR="$d" PREFIX=/usr/local >/dev/null || return 1
	mk uninstall DESTDIR="$d" PREFIX=/usr/local >/dev/null || return 1
	left=$(tree_of "$d")
	[ -z "$left" ] || { say "left: $left"; return 1; }
	# a changed configuration stays, and is said to
	mk install DESTDIR="$d" PREFIX=/usr/local >/dev/null
	echo "# changed" >>"$d/etc/xlb/xlb.yaml"
	say "$(mk uninstall DESTDIR="$d" PREFIX=/usr/local)"
	[ "$(tree_of "$d")" = "etc/xlb/xlb.yaml" ]
}

test_units_pass_systemd_analyze_verify() {
	local p=$WORK/pfx out u rc=0
	# installed where their binaries really are, so verify finds them
	mk install PREFIX="$p" SYSCONFDIR="$p/etc" >/dev/null || return 1
	cp "$p/lib/systemd/system/xlb-decap@.service" "$p/lib/systemd/system/xlb-decap@eth0.service"
	for u in xlbd.service xlb-decap@eth0.service; do
		out=$(MANPATH=$p/share/man systemd-analyze verify "$p/lib/systemd/system/$u" 2>&1) || rc=1
		[ -z "$out" ] || { say "$u: $out"; rc=1; }
	done
	[ $rc -eq 0 ] && say "xlbd.service, xlb-decap@.service: no complaints"
	return $rc
}

# ---- man pages ------------------------------------------------------------------

test_man_pages_render_without_warnings() {
	local f out rc=0
	mk man || return 1
	for f in "$BUILD"/man/*; do
		out=$(groff -man -ww -z "$f" 2>&1)
		[ -z "$out" ] || { say "groff -ww $f: $out"; rc=1; }
		out=$(mandoc -Tlint -W error "$f" 2>&1)
		[ -z "$out" ] || { say "mandoc -W error $f: $out"; rc=1; }
		out=$(MANWIDTH=80 man -l "$f" 2>&1 >/dev/null)
		[ -z "$out" ] || { say "man -l $f: $out"; rc=1; }
	done
	[ $rc -eq 0 ] && say "$(ls "$BUILD/man" | tr '\n' ' ')"
	return $rc
}

# Is every word of $2 a *term* of the scdoc page $1? Names those missing.
all_in_page() {
	local page=$1 w missing=()
	for w in $2; do
		grep -qF "*${w//_/\\_}*" "$page" || grep -qF "*$w*" "$page" || missing+=("$w")
	done
	[ ${#missing[@]} -eq 0 ] || { say "$(basename "$page") lacks: ${missing[*]}"; return 1; }
}

test_every_config_key_is_in_xlb_yaml_5() {
	local keys
	# what the parser accepts: the keys of its schema
	keys=$(grep -oE '(CYAML_FIELD_[A-Z_]+|CHECK_STR)\("[a-z_0-9]+"' "$TOP/user/lib/config.c" |
		sed 's/.*("//; s/"$//' | sort -u)
	say "$(wc -w <<<"$keys") keys"
	[ "$(wc -w <<<"$keys")" -gt 40 ] || { say "the schema was not found"; return 1; }
	all_in_page "$MAN/xlb.yaml.5.scd" "$keys"
}

test_every_xlbctl_command_and_option_is_in_xlbctl_8() {
	local cmds opts
	# "  xlbctl vip add NAME ..." -> "vip add": the lowercase words before the arguments
	cmds=$("$BUILD/xlbctl" help | sed -n 's/^  xlbctl //p' |
		awk '{ c = $1; if ($2 ~ /^[a-z]+$/) c = c " " $2; print c }' | tr ' ' '~')
	opts=$("$BUILD/xlbctl" --help | grep -oE -- ' -[a-z]\b' | tr -d ' ' | sort -u)
	say "$(wc -w <<<"$cmds") commands, options $(echo $opts)"
	local c missing=()
	for c in $cmds; do
		grep -qF "*${c//\~/ }*" "$MAN/xlbctl.8.scd" || missing+=("${c//\~/ }")
	done
	for c in $opts --version; do
		grep -qF -- "*$c*" "$MAN/xlbctl.8.scd" || missing+=("$c")
	done
	[ ${#missing[@]} -eq 0 ] || { say "xlbctl.8 lacks: ${missing[*]}"; return 1; }
}

test_every_xlbd_and_xlb_decap_option_is_in_its_page() {
	local o missing=()
	for o in $("$BUILD/xlbd" --help | grep -oE -- '--[a-z-]+' | sort -u); do
		grep -qF -- "*$o*" "$MAN/xlbd.8.scd" || missing+=("xlbd $o")
	done
	for o in $("$BUILD/xlb-decap" --help 2>&1 | grep -oE -- '--[a-z-]+' | sort -u) \
		attach detach status; do
		grep -qF -- "*$o*" "$MAN/xlb-decap.8.scd" || missing+=("xlb-decap $o")
	done
	[ ${#missing[@]} -eq 0 ] || { say "missing: ${missing[*]}"; return 1; }
	say "every option of xlbd and xlb-decap is described"
}

# ---- bash completion --------------------------------------------------------------

# Complete the command line "$1" (the cursor at its end) as bash would.
complete_line() {
	bash -c '
		. "$1/scripts/bash-completion/xlbctl"
		read -ra COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$2
		COMP_POINT=${#2}
		_xlbctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$TOP" "$1"
}

# Does completing $1 offer exactly the words $2?
offers() {
	local got
	got=$(complete_line "$1")
	got=${got% }
	[ "$got" = "$2" ] && { say "'$1' -> $got"; return 0; }
	say "'$1' -> '$got', wanted '$2'"
	return 1
}

comp_xlbd_start() {
	ip netns add "$NS"
	ip -n "$NS" link add eth0 type veth peer name eth1
	ip -n "$NS" link set eth0 up
	ip -n "$NS" link set eth1 up
	ip -n "$NS" link set dev eth1 xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
	cat >"$WORK/comp.yaml" <<-YAML
		interface: eth0
		pin_path: $PINS
		control_socket: $SOCK
		max_flows: 1024
		vips:
		  - name: web
		    address: 10.112.1.100
		    port: 80
		    backends:
		      - address: 10.112.0.11
		      - address: 10.112.0.12
		  - name: dns
		    address: 10.112.1.100
		    port: 53
		    protocol: udp
		    backends:
		      - address: 10.112.0.13
	YAML
	nsenter --net=/run/netns/$NS "$BUILD/xlbd" -f -c "$WORK/comp.yaml" >"$WORK/comp.log" 2>&1 &
	XLBD_PID=$!
	for _ in $(seq 50); do
		"$BUILD/xlbctl" -s "$SOCK" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$WORK/comp.log"
	return 1
}

test_completion_offers_objects_verbs_and_the_daemons_names() {
	local x="$BUILD/xlbctl -s $SOCK" rc=0
	comp_xlbd_start || return 1
	offers "xlbctl " "backend compare detach explain flows health help host monitor reload stats status top vip" ||
		rc=1
	offers "xlbctl st" "stats status" || rc=1
	offers "$x stats " "--rate dns web zero" || rc=1
	offers "xlbctl host " "drain undrain" || rc=1
	offers "$x explain 10.0.0.1:5 " "dns web" || rc=1
	offers "$x top -n 2 " "-d -n dns web" || rc=1
	offers "xlbctl -" "--help --json --pretty --socket --version -j -p -s" || rc=1
	offers "xlbctl vip " "add del list show" || rc=1
	offers "xlbctl backend s" "set" || rc=1
	# names and addresses come from the daemon behind -s
	offers "$x vip show " "dns web" || rc=1
	offers "$x -j backend set w" "web" || rc=1
	offers "$x backend del web " "10.112.0.11 10.112.0.12" || rc=1
	offers "$x backend set web 10.112.0.12 " "state weight" || rc=1
	offers "$x backend set web 10.112.0.12 state " "down drain up" || rc=1
	offers "$x backend set web 10.112.0.12 state drain " "--dry-run" || rc=1
	offers "$x backend del web 10.112.0.12 " "--dry-run" || rc=1
	offers "$x vip add api 10.112.1.101 443 " "tcp udp" || rc=1
	offers "$x vip add api 10.112.1.101 443 tcp scheduler " "maglev random source-ip wrr" ||
		rc=1
	offers "$x health " "dns web" || rc=1
	offers "$x flows " "--backend --client -n dns web" || rc=1
	offers "$x flows --backend " "10.112.0.11 10.112.0.12 10.112.0.13" || rc=1
	offers "$x reload " "--dry-run" || rc=1
	return $rc
}

# ---- the Debian package ---------------------------------------------------------------

# What the package's maintainer script $2 (args after it) asks of systemd, as
# dpkg would run it: systemd is not PID 1 here, so its helpers are stand-ins
# that note their arguments, in a mount namespace whose /run says systemd runs.
maint_calls() {
	local deb=$1 script=$2 dir=$WORK/ctl stubs=$WORK/stubs t
	shift 2
	rm -rf "$dir" && dpkg-deb -e "$deb" "$dir" || return 1
	mkdir -p "$stubs"
	for t in deb-systemd-invoke deb-systemd-helper systemctl; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$t" "$WORK" >"$stubs/$t"
		chmod +x "$stubs/$t"
	done
	: >"$WORK/calls"
	[ -e "$dir/$script" ] &&
		unshare -m sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system &&
			PATH="$0:$PATH" sh "$@"' "$stubs" "$dir/$script" "$@" >/dev/null 2>&1
	cat "$WORK/calls"
}

# An upgrade must leave xlbd running on the new binaries (once the preinst
# stopped it and nothing started it again: no health checks until someone
# noticed); a fresh install starts nothing; a removal stops it.
test_maintainer_scripts_restart_a_running_xlbd_after_an_upgrade_and_start_nothing_else() {
	local deb out
	deb=$(ls "$BUILD"/deb/xlb_*_*.deb 2>/dev/null | grep -v dbgsym | head -1)
	[ -n "$deb" ] || { out=$(mk deb) || { say "$out"; return 1; }; }
	deb=$(ls "$BUILD"/deb/xlb_*_*.deb | grep -v dbgsym | head -1)
	out=$(maint_calls "$deb" preinst upgrade 0.1; maint_calls "$deb" prerm upgrade 0.3)
	say "upgrade, before unpacking: $(tr '\n' ';' <<<"${out:-nothing}")"
	grep -q "stop" <<<"$out" && { say "an upgrade stops xlbd"; return 1; }
	out=$(maint_calls "$deb" postinst configure 0.1)
	say "upgrade, configure: $(grep invoke <<<"$out")"
	grep -q "deb-systemd-invoke try-restart xlbd.service" <<<"$out" || return 1
	out=$(maint_calls "$deb" postinst configure)
	grep -Eq "invoke (start|restart|try-restart)" <<<"$out" && { say "a fresh install starts xlbd: $out"; return 1; }
	out=$(maint_calls "$deb" prerm remove)
	say "remove: $out"
	grep -q "deb-systemd-invoke stop xlbd.service" <<<"$out"
}

test_deb_builds_passes_lintian_installs_runs_and_purges_clean() {
	local deb out files left f
	if dpkg-query -W -f='${db:Status-Abbrev}' xlb 2>/dev/null | grep -q '^ii'; then
		say "a package xlb is installed on this machine already: not touching it"
		return 1
	fi
	out=$(mk deb) || { say "$out"; return 1; }
	deb=$(ls "$BUILD"/deb/xlb_*_*.deb | grep -v dbgsym)
	say "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"
	dpkg-deb -f "$deb" Depends | grep -q 'libbpf1' || { say "no computed Depends"; return 1; }
	out=$(lintian "$deb" 2>/dev/null)
	say "lintian: ${out:-no complaints}"
	! grep -q '^E:' <<<"$out" || return 1
	dpkg -i "$deb" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; return 1; }
	files=$(dpkg -L xlb)
	out=$(/usr/sbin/xlbd -n -c /etc/xlb/xlb.yaml) || { say "$out"; return 1; }
	say "installed: $out; $(/usr/bin/xlbctl --version)"
	[ "$(/usr/bin/xlbctl --version)" = "$("$BUILD/xlbctl" --version)" ] ||
		{ say "the package's version is not the tree's"; return 1; }
	dpkg-query -W -f='${Conffiles}\n' xlb | grep -q /etc/xlb/xlb.yaml ||
		{ say "/etc/xlb/xlb.yaml is not a conffile"; return 1; }
	# installing starts and enables nothing
	[ ! -e /etc/systemd/system/multi-user.target.wants/xlbd.service ] ||
		{ say "the package enabled xlbd.service"; return 1; }
	man -w xlb.yaml >/dev/null 2>&1 || { say "man xlb.yaml finds nothing"; return 1; }
	dpkg --purge xlb >>"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; return 1; }
	left=()
	while read -r f; do
		# (directories such as /lib or /usr/share/man are not its own)
		[ -d "$f" ] && continue
		if [ -e "$f" ] || [ -L "$f" ]; then left+=("$f"); fi
	done <<<"$files"
	[ -e /etc/xlb ] && left+=(/etc/xlb)
	[ ${#left[@]} -eq 0 ] || { say "left after purge: ${left[*]}"; return 1; }
	say "purged: none of its $(wc -l <<<"$files") paths is left"
}

# ---- main ----------------------------------------------------------------------------

echo "== package: make install, units, man pages, completion, the .deb"
run_test test_make_install_puts_everything_in_place_and_never_overwrites_the_config
run_test test_make_uninstall_removes_what_install_put_there
run_test test_units_pass_systemd_analyze_verify
run_test test_man_pages_render_without_warnings
run_test test_every_config_key_is_in_xlb_yaml_5
run_test test_every_xlbctl_command_and_option_is_in_xlbctl_8
run_test test_every_xlbd_and_xlb_decap_option_is_in_its_page
run_test test_completion_offers_objects_verbs_and_the_daemons_names
run_test test_deb_builds_passes_lintian_installs_runs_and_purges_clean
run_test test_maintainer_scripts_restart_a_running_xlbd_after_an_upgrade_and_start_nothing_else

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
