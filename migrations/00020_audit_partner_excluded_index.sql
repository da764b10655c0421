-- dataUsage(partnerId) finds the audit entries that name a partner among those
-- included in or excluded from what they record; partners_included already has a
-- GIN index, this gives partners_excluded (a jsonb array of {partnerId, reasons}) one.

-- +goose Up
CREATE INDEX audit_entries_partners_excluded ON audit_entries USING gin (partners_excluded jsonb_path_ops);

-- +goose Down
DROP INDEX audit_entries_partners_excluded;
