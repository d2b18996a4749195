-- Accounts: an account's IANA time zone decides where its days start.
\i sql/prelude.psql
SELECT tracker.add_account('kory', 'America/Edmonton', 'fitbit_import',
                           birth_date => '1987-01-01');
SELECT tracker.add_account(name => 'export person', time_zone => 'Asia/Singapore',
                           provider => 'fitbit_import');
SELECT tracker.add_account(name => 'synthetic', time_zone => 'UTC',
                           provider => 'fitbit_import', birth_date => '1987-01-01');
SELECT tracker.add_account(name => 'berlin', time_zone => 'Europe/Berlin',
                           provider => 'fitbit_import', birth_date => '1990-06-15');
SELECT tracker.add_account('json person', 'America/Edmonton', 'fitbit_import');
SELECT account_id, name, provider, time_zone, birth_date FROM tracker.account ORDER BY 1;

-- Bad input gets a clear error.
\x on
SELECT * FROM try($$SELECT tracker.add_account('x', 'Mars/Olympus_Mons')$$);
SELECT * FROM try($$SELECT tracker.add_account('', 'UTC')$$);
SELECT * FROM try($$SELECT tracker.add_account(NULL, 'UTC')$$);
SELECT * FROM try($$SELECT tracker.add_account('kory', 'UTC')$$);
SELECT * FROM try($$SELECT tracker.add_account('y', 'UTC', 'myspace')$$);
SELECT * FROM try($$SELECT tracker.add_account('z', 'UTC', birth_date => '2999-01-01')$$);
SELECT code, message FROM try($$INSERT INTO tracker.account (name, provider, time_zone) VALUES ('w', 'google_health', 'Nowhere/Land')$$);
\x off
SELECT count(*) AS accounts FROM tracker.account;
