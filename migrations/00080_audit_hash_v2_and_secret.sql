-- Audit hash version 2 and the audit secret (docs/ACCESS.md, "The audit log").
--
-- hash_version 1: the hash covers the entry as Go decodes it (entries written before
-- this migration keep it, so they still verify). Its weakness: JSON decoding matches
-- keys case-insensitively, so changing the key case inside partners_excluded left
-- the hash valid while the SQL readers (dataUsage) stopped matching.
-- hash_version 2: the hash covers a canonical form of exactly the stored columns
-- (jsonb columns as their own keys and values, sorted), written by every new entry.
-- Adding the column with a constant default (1, for the rows already there) rewrites
-- no row, so the append-only triggers are not involved.
--
-- audit_secret: the key of the keyed hash (HMAC-SHA256) of outcome requests, so that
-- the stored request hash cannot be matched against a dictionary of likely queries.
-- 32 bytes from two version-4 UUIDs (244 random bits, from PostgreSQL's strong
-- random source; gen_random_uuid is built in from PostgreSQL 13).

-- +goose Up
ALTER TABLE audit_entries ADD COLUMN hash_version smallint NOT NULL DEFAULT 1
    CONSTRAINT audit_entries_hash_version CHECK (hash_version IN (1, 2));
ALTER TABLE audit_entries ALTER COLUMN hash_version SET DEFAULT 2; -- every row from now on

CREATE TABLE audit_secret (
    id     boolean PRIMARY KEY DEFAULT true CHECK (id), -- one row
    secret bytea NOT NULL CHECK (length(secret) = 32)
);
INSERT INTO audit_secret (secret)
    VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- +goose Down
DROP TABLE audit_secret;
ALTER TABLE audit_entries DROP COLUMN hash_version;
