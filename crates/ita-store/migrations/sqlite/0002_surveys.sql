-- Surveys (IIT and EIT): the links and targets each agency keeps per round, the responses, their running
-- counts, the single-use token nonces already spent, the computed survey scores, and server secrets.
-- A response row says nothing about who answered or when (finer than the day): no account, address, access
-- code, token, device or time, and its key is random (WITHOUT ROWID: rows are stored in key order, so neither a
-- table scan nor any key reveals the order in which responses came).

CREATE TABLE survey_links (
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    iit_code TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (agency_id, round_id)
);

CREATE TABLE survey_targets (
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    iit_population INTEGER,
    eit_population INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (agency_id, round_id)
);

CREATE TABLE survey_responses (
    id BLOB PRIMARY KEY NOT NULL,
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    instrument TEXT NOT NULL,
    relation TEXT,
    answers TEXT NOT NULL,
    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
) WITHOUT ROWID;
CREATE INDEX survey_responses_by_round ON survey_responses (round_id, agency_id, instrument, id);

-- Kept in the transaction that stores the responses, so that progress lists and the headcount cap need no count.
CREATE TABLE survey_tallies (
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    instrument TEXT NOT NULL,
    responses INTEGER NOT NULL,
    PRIMARY KEY (agency_id, round_id, instrument)
) WITHOUT ROWID;

-- Not linked to any response: a nonce only says that some form was sent with that token. Its expiry is kept to
-- the whole day (UTC), like the responses' day.
CREATE TABLE survey_used_nonces (
    nonce BLOB PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE survey_scores (
    agency_id BLOB NOT NULL REFERENCES agencies (id),
    round_id BLOB NOT NULL REFERENCES rounds (id),
    indicators TEXT NOT NULL,
    iit_respondents INTEGER NOT NULL,
    eit_respondents INTEGER NOT NULL,
    computed_at INTEGER NOT NULL,
    PRIMARY KEY (agency_id, round_id)
);

CREATE TABLE app_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
);
