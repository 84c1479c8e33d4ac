#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An exec check that passes only when xlbd starts commands as it should:
# stdin, stdout and stderr on /dev/null, none of xlbd's sockets or pipes, no
# signal ignored or blocked (xlbd itself ignores SIGPIPE).
for fd in 0 1 2; do
	[ "$(readlink "/proc/$$/fd/$fd")" = /dev/null ] || exit 1
done
# (find, not $(readlink ...): a command substitution opens a pipe of its own)
find "/proc/$$/fd" -mindepth 1 \( -lname 'socket:*' -o -lname 'pipe:*' -o -lname 'anon_inode:*' \) \
	-exec false {} + || exit 2
# Signals 1 to 31. (32 and 33 are the C library's own: glibc will not let a
# program change them, and reinstalls them in every program it starts; make
# runs its recipes with them ignored.)
ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$$/status")
blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$$/status")
[ $((0x$ign & 0x7fffffff)) -eq 0 ] || exit 3
[ $((0x$blk & 0x7fffffff)) -eq 0 ] || exit 4
exit 0
