# Tracker's database: PostgreSQL 15 with the extension built in and preloaded.
# docker-compose.yml runs it beside PostgREST and nginx; see the README.
FROM postgres:15-bookworm

# Only what the build needs (not node_modules/, .demo/ or test data); the
# install script is built from src/schema/, where the upgrade scripts are too.
COPY Makefile tracker.control /usr/src/tracker/
COPY src/ /usr/src/tracker/src/

# Build with the -dev packages, then drop them.  libcurl4 and libjson-c5 stay
# (apt-mark manual): the library links them, and autoremove would take them
# with the -dev packages.  ca-certificates lets libcurl check Google's TLS.
RUN set -eux; \
	apt-get update; \
	apt-mark hold locales; \
	apt-get install -y --no-install-recommends \
		build-essential postgresql-server-dev-$PG_MAJOR libcurl4-openssl-dev libjson-c-dev zlib1g-dev \
		libcurl4 libjson-c5 zlib1g ca-certificates; \
	apt-mark manual libcurl4 libjson-c5 zlib1g ca-certificates; \
	make -C /usr/src/tracker PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config; \
	make -C /usr/src/tracker install PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config; \
	rm -rf /usr/src/tracker; \
	apt-get purge -y --auto-remove build-essential postgresql-server-dev-$PG_MAJOR libcurl4-openssl-dev libjson-c-dev zlib1g-dev; \
	apt-mark unhold locales; \
	rm -rf /var/lib/apt/lists/*

# Tracker must be preloaded (its background workers start from the preload).
# initdb copies this sample into every new data directory.
RUN echo "shared_preload_libraries = 'tracker'" >> /usr/share/postgresql/postgresql.conf.sample

# Run once, on an empty data directory: the extension, the authenticator
# role for PostgREST, the OAuth client from GOOGLE_CLIENT_ID/_SECRET.
COPY docker/initdb/ /docker-entrypoint-initdb.d/
