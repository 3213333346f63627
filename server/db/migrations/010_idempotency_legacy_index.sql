-- A retention purge or an erasure looks, for each group, for the idempotency records written
-- before migration 004 that still hold a copy of it (`legacyResultsFor`). Without an index that
-- is a scan of every record per group: one record per command ever made, so a purge of a whole
-- crisis grew with the square of its size. This partial index holds only the records with a stored
-- result (the old acks and refused commands, a minority), keyed by the group they hold.
CREATE INDEX idempotency_legacy_group ON idempotency (json_extract(result, '$.group.id')) WHERE result IS NOT NULL;
