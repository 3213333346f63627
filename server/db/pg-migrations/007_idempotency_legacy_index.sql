-- As SQLite's migration 010: the records that still hold a stored result, keyed by the group they
-- hold, so a retention purge or an erasure finds a group's old acks without reading every record.
CREATE INDEX idempotency_legacy_group ON idempotency (((result::jsonb -> 'group' ->> 'id'))) WHERE result IS NOT NULL;
