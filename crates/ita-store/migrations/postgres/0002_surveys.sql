-- Surveys (IIT and EIT): the links and targets each agency keeps per round, the responses, their running
-- counts, the single-use token nonces already spent, the computed survey scores, and server secrets.
-- A response row says nothing about who answered or when (finer than the day): no account, address, access
-- code, token, device or time, and its key is random. PostgreSQL, unlike SQLite's WITHOUT ROWID tables, keeps
-- rows in its heap in the order transactions wrote them and stamps each with its transaction (xmin): the store
-- shuffles each batch, so a scan or xmin tells which batch a row came in and nothing finer; at a quiet hour a
-- batch may be a single response. Spent nonces share that transaction, which is why their expiry is kept to the
-- whole day (see `nonce_expiry` in sql.rs).

CREATE TABLE survey_links (
    agency_id UUID NOT NULL REFERENCES agencies (id),
    round_id UUID NOT NULL REFERENCES rounds (id),
    iit_code TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (agency_id, round_id)
);

CREATE TABLE survey_targets (
    agency_id UUID NOT NULL REFERENCES agencies (id),
    round_id UUID NOT NULL REFERENCES rounds (id),
    iit_population BIGINT,
    eit_population BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (agency_id, round_id)
);

CREATE TABLE survey_responses (
    id UUID PRIMARY KEY NOT NULL,
    agency_id UUID NOT NULL REFERENCES agencies (id),
    round_id UUID NOT NULL REFERENCES rounds (id),
    instrument TEXT NOT NULL,
    relation TEXT,
    answers TEXT NOT NULL,
    day TEXT NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
);
CREATE INDEX survey_responses_by_round ON survey_responses (round_id, agency_id, instrument, id);

-- Kept in the transaction that stores the responses, so that progress lists and the headcount cap need no count.
CREATE TABLE survey_tallies (
    agency_id UUID NOT NULL REFERENCES agencies (id),
    round_id UUID NOT NULL REFERENCES rounds (id),
    instrument TEXT NOT NULL,
    responses BIGINT NOT NULL,
    PRIMARY KEY (agency_id, round_id, instrument)
);

-- Not linked to any response: a nonce only says that some form was sent with that token. Its expiry is kept to
-- the whole day (UTC), like the responses' day.
CREATE TABLE survey_used_nonces (
    nonce BYTEA PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE survey_scores (
    agency_id UUID NOT NULL REFERENCES agencies (id),
    round_id UUID NOT NULL REFERENCES rounds (id),
    indicators TEXT NOT NULL,
    iit_respondents BIGINT NOT NULL,
    eit_respondents BIGINT NOT NULL,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (agency_id, round_id)
);

CREATE TABLE app_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value BYTEA NOT NULL
);
