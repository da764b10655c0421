-- The whole data model (docs/ARCHITECTURE.md#storage). The vocabularies are checked here as
-- well as in Go: a row that bypassed the services (psql, a bad migration) still
-- cannot hold a value the outputs would not know how to treat.

-- +goose Up
CREATE TABLE metric_definitions (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,62}$'),
    kind        text NOT NULL CHECK (kind IN ('COUNT', 'PROPORTION', 'AMOUNT', 'MEAN')),
    unit        text NOT NULL,
    instrument  text,
    range_min   numeric,
    range_max   numeric,
    title       text NOT NULL,
    source      text NOT NULL,
    CHECK (range_min IS NULL OR range_max IS NULL OR range_min <= range_max)
);

-- The UK-to-I-HELP crosswalk: each fine welfare domain rolls up to one category.
CREATE TABLE welfare_domains (
    code            text PRIMARY KEY,
    ihelp_category  text NOT NULL CHECK (ihelp_category IN ('INCOME_INSURANCE', 'HOUSING_UTILITIES',
                        'EDUCATION_EMPLOYMENT', 'LEGAL_STATUS', 'PERSONAL_FAMILY_STABILITY')),
    note            text NOT NULL DEFAULT ''
);

-- Annual average rates. A rate once loaded is never changed: a correction is a new
-- version, and queries use the newest version of each year.
CREATE TABLE exchange_rates (
    year                      integer NOT NULL CHECK (year BETWEEN 1990 AND 2200),
    version                   integer NOT NULL CHECK (version >= 1),
    gbp_per_usd               numeric NOT NULL CHECK (gbp_per_usd > 0),
    ppp_gbp_per_intl_dollar   numeric NOT NULL CHECK (ppp_gbp_per_intl_dollar > 0),
    ppp_usd_per_intl_dollar   numeric NOT NULL CHECK (ppp_usd_per_intl_dollar > 0),
    source                    text NOT NULL,
    loaded_at                 timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, version)
);

CREATE TABLE partners (
    id               text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) BETWEEN 2 AND 64),
    name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    country          text NOT NULL CHECK (country IN ('GB', 'US')),
    region           text NOT NULL,
    model            text NOT NULL CHECK (model IN ('HJP', 'MLP')),
    health_settings  text[] NOT NULL DEFAULT '{}' CHECK (health_settings <@ ARRAY['PRIMARY_CARE', 'HOSPITAL',
                        'MENTAL_HEALTH', 'HOSPICE', 'MATERNITY', 'PAEDIATRIC', 'COMMUNITY_HEALTH_CENTRE', 'OTHER']),
    advice_domains   text[] NOT NULL DEFAULT '{}',
    active_from      date NOT NULL DEFAULT current_date,
    active_to        date,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((country = 'GB' AND region IN ('GB-ENG', 'GB-WLS', 'GB-SCT', 'GB-NIR'))
        OR (country = 'US' AND region ~ '^US-[A-Z]{2}$')),
    CHECK (active_to IS NULL OR active_to >= active_from)
);
CREATE INDEX partners_country_region ON partners (country, region);

CREATE TABLE research_projects (
    id                     uuid PRIMARY KEY,
    title                  text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    institution            text NOT NULL CHECK (length(btrim(institution)) BETWEEN 1 AND 300),
    institution_country    text NOT NULL CHECK (institution_country IN ('GB', 'US')),
    for_profit             boolean NOT NULL,
    purpose                text NOT NULL CHECK (purpose IN ('GENERAL_RESEARCH', 'HEALTH_MEDICAL_BIOMEDICAL')),
    commercial_use         boolean NOT NULL,
    ethics_approval_ref    text CHECK (ethics_approval_ref IS NULL OR length(btrim(ethics_approval_ref)) BETWEEN 1 AND 200),
    publication_committed  boolean NOT NULL,
    starts_on              date NOT NULL,
    ends_on                date NOT NULL,
    -- EXPIRED is not stored: it follows from ends_on and the clock, so it can never be stale.
    status                 text NOT NULL DEFAULT 'PROPOSED' CHECK (status IN ('PROPOSED', 'APPROVED', 'REVOKED')),
    approved_at            timestamptz,
    revoked_at             timestamptz,
    revoked_reason         text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on),
    CHECK ((status = 'APPROVED') = (approved_at IS NOT NULL AND revoked_at IS NULL) OR status = 'REVOKED')
);

CREATE TABLE principals (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    role        text NOT NULL CHECK (role IN ('STEWARD', 'PARTNER_ADMIN', 'PARTNER_UPLOADER', 'RESEARCHER', 'DASHBOARD')),
    partner_id  text REFERENCES partners (id),
    project_id  uuid REFERENCES research_projects (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- Partner roles belong to exactly one partner, a dashboard to exactly one project.
    CHECK ((role IN ('PARTNER_ADMIN', 'PARTNER_UPLOADER')) = (partner_id IS NOT NULL)),
    CHECK ((role = 'DASHBOARD') = (project_id IS NOT NULL))
);

-- Tokens are stored as a SHA-256 of the secret: a copy of the table grants nothing.
CREATE TABLE tokens (
    id            uuid PRIMARY KEY,
    principal_id  uuid NOT NULL REFERENCES principals (id),
    secret_hash   bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    name          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX tokens_principal ON tokens (principal_id);

CREATE TABLE project_members (
    project_id    uuid NOT NULL REFERENCES research_projects (id),
    principal_id  uuid NOT NULL REFERENCES principals (id),
    is_lead       boolean NOT NULL DEFAULT false,
    added_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, principal_id)
);
CREATE UNIQUE INDEX project_members_one_lead ON project_members (project_id) WHERE is_lead;
CREATE INDEX project_members_principal ON project_members (principal_id);

-- Sharing policies are versioned: every change is a new row, the highest version applies.
CREATE TABLE sharing_policies (
    partner_id                text NOT NULL REFERENCES partners (id),
    version                   integer NOT NULL CHECK (version >= 1),
    permission                text NOT NULL CHECK (permission IN ('GRU', 'HMB', 'NRES')),
    non_commercial_only       boolean NOT NULL DEFAULT false,
    not_for_profit_only       boolean NOT NULL DEFAULT false,
    allowed_countries         text[] CHECK (allowed_countries <@ ARRAY['GB', 'US']),
    allowed_institutions      text[],
    allowed_projects          uuid[],
    expires_at                date,
    ethics_approval_required  boolean NOT NULL DEFAULT false,
    collaboration_required    boolean NOT NULL DEFAULT false,
    publication_required      boolean NOT NULL DEFAULT false,
    moratorium_until          date,
    min_cell                  integer NOT NULL CHECK (min_cell BETWEEN 1 AND 1000),
    identifiable              boolean NOT NULL DEFAULT false,
    created_at                timestamptz NOT NULL DEFAULT now(),
    created_by                uuid REFERENCES principals (id),
    PRIMARY KEY (partner_id, version)
);

-- A partner admin's answer to a project under a COL (collaboration required) policy.
-- Kept as history: the newest row of a (project, partner) pair applies.
CREATE TABLE project_access_approvals (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES research_projects (id),
    partner_id  text NOT NULL REFERENCES partners (id),
    allow       boolean NOT NULL,
    decided_by  uuid NOT NULL REFERENCES principals (id),
    decided_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_access_approvals_pair ON project_access_approvals (project_id, partner_id, id DESC);

CREATE TABLE submissions (
    id                uuid PRIMARY KEY,
    partner_id        text NOT NULL REFERENCES partners (id),
    uploader_id       uuid NOT NULL REFERENCES principals (id),
    received_at       timestamptz NOT NULL DEFAULT now(),
    format            text NOT NULL CHECK (format IN ('CSV', 'JSON')),
    sha256            text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    consent_basis     text NOT NULL CHECK (consent_basis IN ('UK_GDPR_PUBLIC_TASK_RESEARCH',
                          'UK_GDPR_LEGITIMATE_INTERESTS_RESEARCH', 'EXPLICIT_CONSENT', 'HIPAA_SAFE_HARBOR',
                          'HIPAA_EXPERT_DETERMINATION')),
    status            text NOT NULL CHECK (status IN ('ACCEPTED', 'REJECTED', 'SUPERSEDED', 'RETRACTED')),
    row_count         integer NOT NULL CHECK (row_count >= 0),
    retracted_at      timestamptz,
    retracted_by      uuid REFERENCES principals (id),
    retracted_reason  text,
    CHECK ((status = 'RETRACTED') = (retracted_at IS NOT NULL))
);
-- The same bytes from the same partner are the same submission.
CREATE UNIQUE INDEX submissions_partner_sha256 ON submissions (partner_id, sha256);
CREATE INDEX submissions_partner_received ON submissions (partner_id, received_at DESC);

CREATE TABLE submission_supersedes (
    submission_id  uuid NOT NULL REFERENCES submissions (id),
    superseded_id  uuid NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (submission_id, superseded_id),
    CHECK (submission_id <> superseded_id)
);

-- The fact table. A row is a cell of a partner's cube: a NULL dimension is the margin
-- over that dimension. "current" is false once a row is superseded or its submission
-- retracted; outputs read current rows only, history is never deleted.
CREATE TABLE observations (
    id                 bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    submission_id      uuid NOT NULL REFERENCES submissions (id),
    partner_id         text NOT NULL REFERENCES partners (id),
    metric             text NOT NULL REFERENCES metric_definitions (code),
    period_start       date NOT NULL,
    period_end         date NOT NULL,
    welfare_domain     text REFERENCES welfare_domains (code),
    ihelp_category     text CHECK (ihelp_category IN ('INCOME_INSURANCE', 'HOUSING_UTILITIES',
                           'EDUCATION_EMPLOYMENT', 'LEGAL_STATUS', 'PERSONAL_FAMILY_STABILITY')),
    health_setting     text CHECK (health_setting IN ('PRIMARY_CARE', 'HOSPITAL', 'MENTAL_HEALTH', 'HOSPICE',
                           'MATERNITY', 'PAEDIATRIC', 'COMMUNITY_HEALTH_CENTRE', 'OTHER')),
    age_band           text CHECK (age_band IN ('AGE_0_17', 'AGE_18_24', 'AGE_25_34', 'AGE_35_44', 'AGE_45_54',
                           'AGE_55_64', 'AGE_65_74', 'AGE_75_89', 'AGE_90_PLUS')),
    sex                text CHECK (sex IN ('FEMALE', 'MALE', 'OTHER_OR_NOT_STATED')),
    deprivation_scheme text CHECK (deprivation_scheme IN ('IMD_DECILE', 'ADI_DECILE')),
    deprivation_value  smallint CHECK (deprivation_value BETWEEN 1 AND 10),
    value              numeric NOT NULL,
    n                  integer CHECK (n >= 0),
    sd                 numeric CHECK (sd >= 0),
    currency           text CHECK (currency IN ('GBP', 'USD')),
    current            boolean NOT NULL DEFAULT true,
    -- Whole calendar months, 1 to 12 of them.
    CHECK (period_start = date_trunc('month', period_start)::date),
    CHECK (period_end = (date_trunc('month', period_end) + interval '1 month - 1 day')::date),
    CHECK (period_end >= period_start),
    CHECK (period_end < (period_start + interval '12 months')::date),
    CHECK (welfare_domain IS NULL OR ihelp_category IS NULL),
    CHECK ((deprivation_scheme IS NULL) = (deprivation_value IS NULL))
);
-- The outcome queries read current rows of one metric; partner leads so that the
-- per-partner breakdown check and the pooling read one index range.
CREATE INDEX observations_current_metric ON observations (metric, partner_id, period_start, period_end)
    WHERE current;
CREATE INDEX observations_submission ON observations (submission_id);

-- The audit log: append-only and hash-chained. Each entry's hash covers its content
-- and the previous entry's hash, so an edit, deletion or reordering breaks the chain.
CREATE TABLE audit_entries (
    seq                bigint PRIMARY KEY CHECK (seq >= 1),
    id                 uuid NOT NULL UNIQUE,
    at                 timestamptz NOT NULL,
    principal_id       uuid,
    principal_name     text,
    role               text,
    action             text NOT NULL,
    subject            text NOT NULL,
    project_id         uuid,
    partners_included  text[] NOT NULL DEFAULT '{}',
    partners_excluded  jsonb NOT NULL DEFAULT '[]',
    cells_suppressed   integer NOT NULL DEFAULT 0,
    request_hash       text,
    detail             jsonb NOT NULL DEFAULT '{}',
    prev_hash          text NOT NULL,
    hash               text NOT NULL UNIQUE
);
CREATE INDEX audit_entries_partners_included ON audit_entries USING gin (partners_included);

-- Append-only in the database too: the service's role cannot rewrite history. A
-- superuser can still disable the trigger; the hash chain is what catches that.
-- +goose StatementBegin
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();

-- +goose Down
DROP TABLE audit_entries;
DROP FUNCTION audit_entries_append_only();
DROP TABLE observations;
DROP TABLE submission_supersedes;
DROP TABLE submissions;
DROP TABLE project_access_approvals;
DROP TABLE sharing_policies;
DROP TABLE project_members;
DROP TABLE tokens;
DROP TABLE principals;
DROP TABLE research_projects;
DROP TABLE partners;
DROP TABLE exchange_rates;
DROP TABLE welfare_domains;
DROP TABLE metric_definitions;
