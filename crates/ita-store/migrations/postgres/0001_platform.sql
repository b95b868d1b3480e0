-- The platform's first tables: agencies, assessment rounds, results, accounts, sessions, tokens, the audit log.
-- Ids are UUIDs (16-byte UUIDs here); times are Unix seconds; dates are ISO text (YYYY-MM-DD, Gregorian).

CREATE TABLE agencies (
    id UUID PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    name_th TEXT NOT NULL,
    name_en TEXT,
    kind TEXT NOT NULL,
    province TEXT NOT NULL,
    district TEXT,
    parent_id UUID REFERENCES agencies (id),
    website TEXT,
    contact TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT agencies_code_unique UNIQUE (code)
);
CREATE INDEX agencies_by_province ON agencies (province, code);

CREATE TABLE rounds (
    id UUID PRIMARY KEY NOT NULL,
    fiscal_year BIGINT NOT NULL,
    methodology_year BIGINT NOT NULL,
    methodology_variant TEXT NOT NULL,
    oit_answer_from TEXT,
    oit_answer_to TEXT,
    survey_from TEXT,
    survey_to TEXT,
    oit_review_from TEXT,
    oit_review_to TEXT,
    clarification_from TEXT,
    clarification_to TEXT,
    results_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT rounds_fiscal_year_unique UNIQUE (fiscal_year)
);

CREATE TABLE results (
    agency_id UUID NOT NULL REFERENCES agencies (id),
    round_id UUID NOT NULL REFERENCES rounds (id),
    source TEXT NOT NULL,
    indicators TEXT NOT NULL,
    total BIGINT NOT NULL,
    level_code TEXT,
    updated_at BIGINT NOT NULL,
    updated_by UUID,
    PRIMARY KEY (agency_id, round_id)
);
CREATE INDEX results_by_round ON results (round_id, total);

CREATE TABLE users (
    id UUID PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    agency_id UUID REFERENCES agencies (id),
    province TEXT,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username)
);
CREATE INDEX users_by_agency ON users (agency_id);

CREATE TABLE assessor_assignments (
    agency_id UUID NOT NULL REFERENCES agencies (id),
    user_id UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (agency_id, user_id)
);
CREATE INDEX assessor_assignments_by_user ON assessor_assignments (user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id UUID,
    actor_name TEXT NOT NULL,
    agency_id UUID,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_by_agency ON audit_log (agency_id, seq);

-- The audit log is append-only: the database itself refuses to change or remove an entry.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
