-- A successful command's idempotency record points at its change-log rows instead of holding its
-- ack as JSON: the ack is { ok, seq: last_seq, group: the state logged at first_seq }, so the
-- group's JSON is stored twice per command (its row and its log row), not three times.
-- Records written before this migration keep their JSON in `result`.
CREATE TABLE idempotency_new (
  command_id TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id),
  result     TEXT,
  first_seq  INTEGER,
  last_seq   INTEGER,
  at         TEXT NOT NULL,
  CHECK ((result IS NULL) = (first_seq IS NOT NULL AND last_seq IS NOT NULL AND first_seq <= last_seq))
) STRICT;
INSERT INTO idempotency_new (command_id, user_id, result, at) SELECT command_id, user_id, result, at FROM idempotency;
DROP TABLE idempotency;
ALTER TABLE idempotency_new RENAME TO idempotency;
