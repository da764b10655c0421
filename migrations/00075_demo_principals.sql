-- principals.demo marks the principals `hjx seed --demo` creates. Their token
-- secrets are derived from a seed printed in the docs, so anyone can compute
-- them: `hjx serve` refuses production mode while any of their tokens is still
-- valid, and `hjx token revoke --demo` revokes them (docs/SECURITY.md).
--
-- Databases seeded before this column existed are marked by how the demo
-- seed stores its principals: a demo principal's first token has the
-- principal's own id, which no other path creates.

-- +goose Up
ALTER TABLE principals ADD COLUMN demo boolean NOT NULL DEFAULT false;
UPDATE principals p SET demo = true
WHERE EXISTS (SELECT 1 FROM tokens t WHERE t.id = p.id AND t.principal_id = p.id);

-- +goose Down
ALTER TABLE principals DROP COLUMN demo;
