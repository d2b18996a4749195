#!/bin/sh
# Write the upgrade script of the tracker extension from an earlier version
# to this one on standard output (the Makefile calls it for every version in
# UPGRADE_STEPS):
#
#   src/schema/upgrade/build.sh FROM TO 'STEP STEP ...' PART PART ...
#
# STEPs are the version steps from the oldest release on (0.1.0--0.2.0
# 0.2.0--0.3.0 ...); those from FROM on are used.  PARTs are the install
# script's parts in install order.  The script runs, in one transaction:
#
#   1. each step's A--B.before.sql, where there is one: what must go before
#      the functions are replaced (a function whose arguments or result
#      change, a view that loses columns);
#   2. every function of the install script, created or replaced;
#   3. the install script's schemas, tables and indexes that are missing,
#      and its rows that are missing;
#   4. each step's A--B.sql: changes to existing tables and their data;
#   5. the install script's views, triggers, comments, privileges, marks for
#      pg_dump and the rest, created or replaced.
#
# So a function, a view or a comment changed in a part needs no upgrade
# step of its own; a table that changes does (test/t/009_upgrade.pl says
# what differs from a fresh install).
set -eu

from=$1
to=$2
steps=$3
shift 3
dir=$(dirname "$0")

chain=
on=
for s in $steps; do
	case $s in "$from"--*) on=1 ;; esac
	[ -n "$on" ] && chain="$chain $s"
done
[ -n "$chain" ] || { echo "build.sh: no upgrade step starts at $from" >&2; exit 1; }
case $chain in *"--$to") ;; *) echo "build.sh: the steps from $from do not end at $to:$chain" >&2; exit 1 ;; esac
for s in $chain; do
	[ -f "$dir/$s.sql" ] || { echo "build.sh: $dir/$s.sql is missing" >&2; exit 1; }
done


cat <<EOF
/* tracker--$from--$to.sql: upgrade of the tracker extension from $from to $to,
 * built by src/schema/upgrade/build.sh (see there) from the steps$chain
 * in src/schema/upgrade/ and the parts of the install script. */

\\echo Use "ALTER EXTENSION tracker UPDATE TO '$to'" to load this file. \\quit
EOF

for s in $chain; do
	if [ -f "$dir/$s.before.sql" ]; then
		printf '\n/* 1. Before the functions: %s.before.sql */\n' "$s"
		cat "$dir/$s.before.sql"
	fi
done

printf '\n/* 2. The functions (bodies are checked when first run: the tables they read may come below) */\n'
printf 'SET LOCAL check_function_bodies = off;\n'
awk -v phase=functions -f "$dir/definitions.awk" "$@"
printf 'SET LOCAL check_function_bodies = on;\n'

printf '\n/* 3. Missing schemas, tables, indexes and rows */\n'
awk -v phase=tables -f "$dir/definitions.awk" "$@"

for s in $chain; do
	printf '\n/* 4. Tables and data: %s.sql */\n' "$s"
	cat "$dir/$s.sql"
done

printf '\n/* 5. Views, triggers, comments, privileges, marks for pg_dump */\n'
awk -v phase=rest -f "$dir/definitions.awk" "$@"
