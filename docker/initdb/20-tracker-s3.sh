#!/bin/bash
# Run once by the postgres image's entrypoint on an empty data directory,
# after 10-tracker.sql.  With TRACKER_S3_BUCKET set it points Tracker at its
# S3 archive (tracker.set_s3); with TRACKER_RESTORE_FROM_S3=1 as well it
# fills the new database from the archive, in one transaction (all or
# nothing), before the server starts for real.
#
# Environment:
#   TRACKER_S3_ENDPOINT        e.g. https://s3.eu-central-1.amazonaws.com or http://minio:9000
#   TRACKER_S3_BUCKET, TRACKER_S3_REGION, TRACKER_S3_ACCESS_KEY
#   TRACKER_S3_SECRET_KEY_FILE a file holding the secret key (a Docker secret),
#                              or TRACKER_S3_SECRET_KEY
#   TRACKER_S3_PREFIX          default tracker/
#   TRACKER_S3_PATH_STYLE      true for MinIO and most S3-compatible stores
#   TRACKER_RESTORE_FROM_S3    1: restore the archive into the new database
set -Eeuo pipefail

[ -n "${TRACKER_S3_BUCKET:-}" ] || exit 0
: "${TRACKER_S3_ENDPOINT:?TRACKER_S3_ENDPOINT is not set}"
: "${TRACKER_S3_REGION:?TRACKER_S3_REGION is not set}"
: "${TRACKER_S3_ACCESS_KEY:?TRACKER_S3_ACCESS_KEY is not set}"
if [ -n "${TRACKER_S3_SECRET_KEY_FILE:-}" ]; then
	TRACKER_S3_SECRET_KEY=$(<"$TRACKER_S3_SECRET_KEY_FILE")
fi
: "${TRACKER_S3_SECRET_KEY:?set TRACKER_S3_SECRET_KEY_FILE or TRACKER_S3_SECRET_KEY}"
export TRACKER_S3_SECRET_KEY

tracker_psql() {
	psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password \
		--username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" "$@"
}

# The secret key travels in a psql variable, never on a command line, and
# the statement that carries it is kept out of the server log.
tracker_psql <<'SQL'
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
\set prefix ''
\set path_style ''
\getenv endpoint TRACKER_S3_ENDPOINT
\getenv bucket TRACKER_S3_BUCKET
\getenv region TRACKER_S3_REGION
\getenv access_key TRACKER_S3_ACCESS_KEY
\getenv secret_key TRACKER_S3_SECRET_KEY
\getenv prefix TRACKER_S3_PREFIX
\getenv path_style TRACKER_S3_PATH_STYLE
SELECT tracker.set_s3(:'endpoint', :'bucket', :'region', :'access_key', :'secret_key',
                      coalesce(nullif(:'prefix', ''), 'tracker/'),
                      coalesce(nullif(:'path_style', ''), 'false')::boolean) AS archive;
\unset secret_key
SQL

if [ "${TRACKER_RESTORE_FROM_S3:-0}" = 1 ]; then
	echo "tracker: restoring the database from the S3 archive (this can take a while)"
	tracker_psql <<'SQL'
SELECT status, count(*) AS months, sum(payloads) AS payloads, sum(restored) AS restored
FROM tracker.restore_from_s3()
GROUP BY status ORDER BY status;
SQL
fi
