-- +goose Up
-- The nonces of the federation exchange requests a national node has accepted
-- (internal/federation): a request is signed with a timestamp and a nonce, and a
-- nonce seen before is a replay. Kept in the database, not in memory, so that every
-- API replica of a node refuses a request another replica already answered. Rows
-- older than the request window are deleted as new ones arrive.
CREATE TABLE federation_nonces (
    nonce        text PRIMARY KEY CHECK (length(nonce) BETWEEN 16 AND 128),
    coordinator  text NOT NULL,
    seen_at      timestamptz NOT NULL
);
CREATE INDEX federation_nonces_seen_at ON federation_nonces (seen_at);

-- +goose Down
DROP TABLE federation_nonces;
