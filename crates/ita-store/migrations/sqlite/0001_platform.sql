-- The platform's first tables: agencies, assessment rounds, results, accounts, sessions, tokens, the audit log.
-- Ids are UUIDs (16-byte BLOBs here); times are Unix seconds; dates are ISO text (YYYY-MM-DD, Gregorian).

CREATE TABLE agencies (
    id BLOB PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    name_th TEXT NOT NULL,
    name_en TEXT,
    kind TEXT NOT NULL,
    province TEXT NOT NULL,
    district TEXT,
    parent_id BLOB REFERENCES agencies (id),
    website TEXT,
    contact TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT agencies_code_unique UNIQUE (code)
);
CREATE INDEX agencies_by_province ON agencies (province, code);

CREATE TABLE rounds (
    id BLOB PRIMARY KEY NOT NULL,
    fiscal_year INTEGER NOT NULL,
    methodology_year INTEGER NOT NULL,
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
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT rounds_fiscal_year_unique UNIQUE (fiscal_year)
);

CREATE TABLE results (
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    source TEXT NOT NULL,
    indicators TEXT NOT NULL,
    total INTEGER NOT NULL,
    level_code TEXT,
    updated_at INTEGER NOT NULL,
    updated_by BLOB,
    PRIMARY KEY (agency_id, round_id)
);
CREATE INDEX results_by_round ON results (round_id, total);

CREATE TABLE users (
    id BLOB PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    agency_id BLOB REFERENCES agencies (id),
    province TEXT,
    active BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username)
);
CREATE INDEX users_by_agency ON users (agency_id);

CREATE TABLE assessor_assignments (
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    PRIMARY KEY (agency_id, user_id)
);
CREATE INDEX assessor_assignments_by_user ON assessor_assignments (user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id BLOB,
    actor_name TEXT NOT NULL,
    agency_id BLOB,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_by_agency ON audit_log (agency_id, seq);

-- The audit log is append-only: the database itself refuses to change or remove an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
