#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The include graph of user/: a module is a .c and its .h (daemon.c and
# daemon.h are one); a quoted include is an edge to the module whose header
# it names, looked up as the compiler does (the file's folder, then -I's
# folders). Checked: no circle of modules, and the folders' rules (user/lib
# includes no program's header; xlbctl and xlb-decap none of the daemon's).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."

passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# as the Makefile's -I: user/lib for all, the daemon's folders after
search=(user/lib user/xlbd user/xlbd/health)

declare -A edges # module -> " dep dep ..."
declare -A where # "file include" -> resolved header, for messages
files=$(find user -name '*.[ch]' | sort)
for f in $files; do
	m=${f%.*}
	dir=$(dirname "$f")
	while read -r h; do
		r=""
		for d in "$dir" "${search[@]}"; do
			if [ -f "$d/$h" ]; then
				r=$(realpath --relative-to=. "$d/$h")
				break
			fi
		done
		[ -n "$r" ] || continue # generated (xlb.skel.h) or outside user/
		case $r in user/*) ;; *) continue ;; esac
		dm=${r%.*}
		[ "$dm" = "$m" ] && continue
		where["$m $dm"]="$f includes \"$h\""
		case " ${edges[$m]:-} " in *" $dm "*) ;; *) edges[$m]="${edges[$m]:-} $dm" ;; esac
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done

# depth first: a module met again while still on the path closes a circle
declare -A state # 1 on the path, 2 done
path=()
circle=""
visit() {
	local m=$1 dm i
	state[$m]=1
	path+=("$m")
	for dm in ${edges[$m]:-}; do
		[ -n "$circle" ] && return
		if [ "${state[$dm]:-0}" = 1 ]; then
			circle=""
			for ((i = 0; i < ${#path[@]}; i++)); do
				if [ "${path[$i]}" = "$dm" ] || [ -n "$circle" ]; then
					circle+="${path[$i]} -> "
				fi
			done
			circle+="$dm (${where["$m $dm"]})"
			return
		elif [ "${state[$dm]:-0}" = 0 ]; then
			visit "$dm"
		fi
	done
	unset 'path[${#path[@]}-1]'
	state[$m]=2
}
for f in $files; do
	m=${f%.*}
	[ "${state[$m]:-0}" = 0 ] && visit "$m"
	[ -n "$circle" ] && break
done
if [ -z "$circle" ]; then
	ok "no circle of includes among user/'s modules"
else
	bad "a circle of includes: $circle"
fi

# the folders' rules
rule() { # what, modules' prefix, forbidden prefixes...
	local what=$1 from=$2 k msg=""
	shift 2
	for k in "${!where[@]}"; do
		case ${k%% *} in "$from"*) ;; *) continue ;; esac
		for p in "$@"; do
			case ${k#* } in "$p"*) msg+=" ${where[$k]};" ;; esac
		done
	done
	if [ -z "$msg" ]; then ok "$what"; else bad "$what:$msg"; fi
}
rule "user/lib includes no program's header" user/lib/ user/xlbd user/xlbctl user/xlb-decap
rule "xlbctl includes none of the daemon's headers" user/xlbctl/ user/xlbd user/xlb-decap
rule "xlb-decap includes none of the daemon's headers" user/xlb-decap/ user/xlbd user/xlbctl
rule "the health checker includes none of the daemon's other parts but lb and dataplane" \
	user/xlbd/health/ user/xlbd/daemon user/xlbd/metrics user/xlbd/monitor user/xlbd/control

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
