-- Browser sessions of the portal (docs/PORTAL.md): a person pastes a token once
-- and the browser then holds an HttpOnly cookie naming one of these rows. The
-- cookie's value is stored only as its SHA-256, like a token's secret, so a copy
-- of the database opens no session. A session never outlives its token: every
-- use checks the token too, so revoking the token ends its sessions.

-- +goose Up
CREATE TABLE sessions (
    id_hash       bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    token_id      uuid NOT NULL REFERENCES tokens (id),
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX sessions_token ON sessions (token_id);

-- +goose Down
DROP TABLE sessions;
