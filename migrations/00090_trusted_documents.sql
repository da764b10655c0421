-- Trusted documents (persisted operations; docs/CLIENTS.md): the GraphQL
-- documents registered for a project, stored under the SHA-256 of their text as
-- clients send it (documentId "sha256:<hex>" or the APQ extension's
-- sha256Hash). A project whose dashboards_trusted_only is set lets its DASHBOARD
-- tokens run these documents and nothing else.

-- +goose Up
CREATE TABLE trusted_documents (
    project_id      uuid NOT NULL REFERENCES research_projects (id),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 65536),
    operation_name  text,
    registered_at   timestamptz NOT NULL,
    registered_by   uuid NOT NULL REFERENCES principals (id),
    PRIMARY KEY (project_id, sha256)
);

ALTER TABLE research_projects ADD COLUMN dashboards_trusted_only boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE research_projects DROP COLUMN dashboards_trusted_only;
DROP TABLE trusted_documents;
