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
grep -q '^SigIgn:[[:space:]]*0*$' "/proc/$$/status" || exit 3
grep -q '^SigBlk:[[:space:]]*0*$' "/proc/$$/status" || exit 4
exit 0
