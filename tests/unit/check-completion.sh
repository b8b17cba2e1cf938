#!/bin/bash
# The bash completion (completion/tlsictl) against the built tlsictl: it
# offers every object, and for each object the commands of its command
# table in the source (userspace/tlsictl/*.c: `{ "add", ...' rows), aliases
# (list) aside; completing a real command line offers what it should.
#   tests/unit/check-completion.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
PATH=$PWD/userspace/tlsictl:$PATH
# The completion without bash-completion: its own functions only.
complete() { :; }
. completion/tlsictl

rc=0
fail() { echo "FAIL: $*"; rc=1; }
objects=$(_tlsictl_objects)
[ "$(echo "$objects" | wc -w)" -ge 15 ] || fail "objects: $(echo $objects)"
# Every object of main.c's table.
for o in $(sed -n '/objects\[\] = {/,/^};/p' userspace/tlsictl/main.c | grep -o '{ "[a-z-]*"' | tr -d '{" '); do
	echo "$objects" | grep -qx "$o" || fail "object $o not offered"
done
# Every row of every command table, offered under its object.
for o in $objects; do
	comp=$(_tlsictl_commands "$o")
	[ "$o" = save ] && continue
	[ "$o" = monitor ] && continue
	[ "$(echo "$comp" | wc -w)" -ge 2 ] || { fail "$o: no commands"; continue; }
	for c in $comp; do
		[ "$c" = help ] && continue
		grep -q "{ \"$c\"," userspace/tlsictl/*.c || fail "$o: offers $c, no command table has it"
	done
	echo "ok: $o: $(echo $comp)"
done
# Commands of the tables that no object offers (aliases are fine).
all=$(
	for o in $objects; do _tlsictl_commands "$o"; done
	for p in $_tlsictl_nested; do _tlsictl_subcommands "${p%%:*}" "${p#*:}"; done
)
all=$(echo "$all" | sort -u)
# Nested commands ("cert acme ..."): offered, and each in a command table.
for p in $_tlsictl_nested; do
	comp=$(_tlsictl_subcommands "${p%%:*}" "${p#*:}")
	[ "$(echo "$comp" | wc -w)" -ge 3 ] || fail "${p/:/ }: no commands"
	for c in $comp; do
		[ "$c" = help ] && continue
		grep -q "{ \"$c\"," userspace/tlsictl/*.c || fail "${p/:/ }: offers $c, no command table has it"
	done
	echo "ok: ${p/:/ }: $(echo $comp)"
done
for f in userspace/tlsictl/*.c; do
	# Every command table but main.c's table of objects.
	sed -n '/^static const struct command [a-z_]*\[\] = {/,/^};/p' "$f" |
		sed '/^static const struct command objects\[\] = {/,/^};/d' |
		grep -o '{ "[a-z0-9-]*",[[:space:]]*[a-z_]*' |
		awk -F'"' '{ print $2 }'
done | sort -u | while read -r c; do
	case $c in list | show) continue ;; esac
	echo "$all" | grep -qx "$c" || { echo "FAIL: command $c is offered under no object"; exit 1; }
done || rc=1
exit $rc
