-- OIT evidence and review: the agencies' answers per item (มี/ไม่มี, the pages that show it, a note), what the
-- server saw at each evidence URL when the answers were submitted (snapshots, with their bytes), the assessors'
-- verdicts, and the agencies' disputes of failed items in the clarification window with the assessors' answers.
-- Every row belongs to one agency in one round; item codes are the methodology's (`O1`...).

CREATE TABLE oit_answers (
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    item_code TEXT NOT NULL CHECK (item_code <> ''),
    has BOOLEAN NOT NULL,
    -- A JSON array of strings.
    urls TEXT NOT NULL,
    explanation TEXT NOT NULL,
    -- NULL while a draft.
    submitted_at INTEGER,
    updated_at INTEGER NOT NULL,
    updated_by BLOB,
    PRIMARY KEY (agency_id, round_id, item_code)
);
CREATE INDEX oit_answers_by_round ON oit_answers (round_id, agency_id);

CREATE TABLE oit_snapshots (
    id BLOB PRIMARY KEY NOT NULL,
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    item_code TEXT NOT NULL CHECK (item_code <> ''),
    requested_url TEXT NOT NULL,
    final_url TEXT,
    status INTEGER,
    content_type TEXT,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    truncated BOOLEAN NOT NULL,
    outcome TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX oit_snapshots_by_item ON oit_snapshots (agency_id, round_id, item_code, fetched_at);

CREATE TABLE oit_verdicts (
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    item_code TEXT NOT NULL CHECK (item_code <> ''),
    passed BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    guidance TEXT NOT NULL,
    assessor_id BLOB,
    assessor_name TEXT NOT NULL,
    decided_at INTEGER NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('review', 'clarification')),
    PRIMARY KEY (agency_id, round_id, item_code)
);
CREATE INDEX oit_verdicts_by_round ON oit_verdicts (round_id, agency_id);

CREATE TABLE oit_disputes (
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    item_code TEXT NOT NULL CHECK (item_code <> ''),
    statement TEXT NOT NULL,
    filed_at INTEGER NOT NULL,
    filed_by BLOB,
    -- NULL while open; true when the failure was confirmed, false when the verdict was changed to a pass.
    confirmed BOOLEAN,
    resolution_reason TEXT,
    resolved_at INTEGER,
    resolved_by BLOB,
    PRIMARY KEY (agency_id, round_id, item_code)
);
CREATE INDEX oit_disputes_by_round ON oit_disputes (round_id, agency_id);
