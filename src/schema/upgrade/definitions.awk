# definitions.awk: the statements of the install script's parts that an
# upgrade script runs again, made so that they create what is missing and
# replace what is there (see build.sh).  Run over the parts in install
# order with -v phase=NAME:
#
#   functions  every CREATE FUNCTION, as CREATE OR REPLACE FUNCTION
#   tables     CREATE SCHEMA, TABLE and INDEX as ... IF NOT EXISTS (a new
#              table or index is created, an existing one is left as it is),
#              and the rows the install script writes, as INSERT ... ON
#              CONFLICT DO NOTHING
#   rest       views and triggers as CREATE OR REPLACE, an event trigger when
#              it is missing, and as they are: COMMENT, GRANT, REVOKE, DO,
#              SELECT (pg_extension_config_dump marks, waking the
#              scheduler) and NOTIFY
#
# A statement of any other kind stops the build: decide in which phase it
# belongs (and how it is made repeatable) before using it in a part.
# Statements are read as the parts write them: each starts at the beginning
# of a line outside comments and ends with the first line that ends in ";"
# outside a $$-quoted body.

BEGIN {
	if (phase != "functions" && phase != "tables" && phase != "rest")
		fail("-v phase=functions, tables or rest");
	stmt = "";
	body = 0;
	comment = 0;
}

function fail(msg)
{
	printf "definitions.awk: %s\n", msg > "/dev/stderr";
	failed = 1;
	exit 1;
}

# The phase a statement belongs in, from its first line.
function phase_of(line)
{
	if (line ~ /^CREATE FUNCTION /)
		return "functions";
	if (line ~ /^(CREATE (SCHEMA|TABLE|INDEX|UNIQUE INDEX) |INSERT INTO )/)
		return "tables";
	if (line ~ /^(CREATE (VIEW|TRIGGER|EVENT TRIGGER) |COMMENT ON |GRANT |REVOKE |DO |SELECT |NOTIFY )/)
		return "rest";
	fail(sprintf("%s:%d: no phase for a statement starting \"%s\"", FILENAME, FNR, line));
}

# The statement as the upgrade runs it.
function repeatable(s,    name)
{
	if (sub(/^CREATE FUNCTION /, "CREATE OR REPLACE FUNCTION ", s) ||
		sub(/^CREATE VIEW /, "CREATE OR REPLACE VIEW ", s) ||
		sub(/^CREATE TRIGGER /, "CREATE OR REPLACE TRIGGER ", s) ||
		sub(/^CREATE SCHEMA /, "CREATE SCHEMA IF NOT EXISTS ", s) ||
		sub(/^CREATE TABLE /, "CREATE TABLE IF NOT EXISTS ", s) ||
		sub(/^CREATE INDEX /, "CREATE INDEX IF NOT EXISTS ", s) ||
		sub(/^CREATE UNIQUE INDEX /, "CREATE UNIQUE INDEX IF NOT EXISTS ", s))
		return s;
	if (s ~ /^INSERT INTO /)
	{
		sub(/;[ \t]*\n$/, "\nON CONFLICT DO NOTHING;\n", s);
		return s;
	}
	if (s ~ /^CREATE EVENT TRIGGER /)
	{
		name = s;
		sub(/^CREATE EVENT TRIGGER /, "", name);
		sub(/[ \t\n].*/, "", name);
		sub(/;[ \t]*\n$/, "\n", s);
		return "DO $repeat$\nBEGIN\n\tIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = '" \
			name "') THEN\n\t\tEXECUTE $stmt$\n" s "$stmt$;\n\tEND IF;\nEND\n$repeat$;\n";
	}
	return s;
}

FNR == 1 {
	if (stmt != "")
		fail(sprintf("%s: ends inside a statement", prev_file));
	prev_file = FILENAME;
	said_file = 0;
}

{
	line = $0;
	if (stmt == "")
	{
		if (comment)
		{
			if (line ~ /\*\//)
				comment = 0;
			next;
		}
		if (line ~ /^[ \t]*(--.*)?$/ || line ~ /^\\/)
			next;
		if (line ~ /^[ \t]*\/\*/)
		{
			if (line !~ /\*\//)
				comment = 1;
			next;
		}
		kind = phase_of(line);
	}
	stmt = stmt line "\n";
	if (gsub(/\$\$/, "&", line) % 2 == 1)
		body = !body;
	if (!body && line !~ /^[ \t]*--/ && line ~ /;[ \t]*$/)
	{
		if (kind == phase)
		{
			if (!said_file)
				printf "\n-- %s\n", FILENAME;
			said_file = 1;
			printf "%s", repeatable(stmt);
		}
		stmt = "";
	}
}

END {
	if (!failed && stmt != "")
		fail(sprintf("%s: ends inside a statement", prev_file));
}
