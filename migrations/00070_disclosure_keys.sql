-- Cell-key perturbation (docs/DISCLOSURE.md): every published count is perturbed by
-- noise that depends on the record keys of the rows behind it, and every partner's
-- contribution by a multiplier that depends on its unit key. Both are keyed hashes
-- under one secret, so the same cell gets the same noise in every query, grouping,
-- filter, currency, cache state, replica and restart, and nobody without the secret
-- can tell which noise a cell received.
--
-- disclosure_secret: the one secret (32 random bytes). It is created, and the keys of
-- rows stored before this migration filled in, by the Go migration 00071
-- (migrations/00071_disclosure_keys.go), which then makes the key columns NOT NULL.
-- Nothing outside the server reads it: no output, audit entry or log carries it.
--
-- observations.key_value, key_n: the row's record keys for the value and n roles, in
-- 0..255, from the row's cell identity (partner, metric, period, breakdown), never
-- its figures: a re-upload, correction or retraction of the same cell carries the
-- same keys, so no fresh noise can be drawn and averaged away.

-- +goose Up
CREATE TABLE disclosure_secret (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    secret  bytea NOT NULL CHECK (length(secret) = 32)
);

ALTER TABLE observations
    ADD COLUMN key_value smallint CHECK (key_value BETWEEN 0 AND 255),
    ADD COLUMN key_n smallint CHECK (key_n BETWEEN 0 AND 255);

-- +goose Down
ALTER TABLE observations DROP COLUMN key_n, DROP COLUMN key_value;
DROP TABLE disclosure_secret;
