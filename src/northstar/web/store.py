"""Tables the web process owns (prefixed `ns_web_`): users, sessions, API tokens, the audit log,
threshold overrides, annotations, the failed-login counts and the weekly meeting's issues. They
are not ledger tables; users, sessions and issues change in place (the audit log keeps what
was done)."""

from __future__ import annotations

from northstar.engines.base import Engine

USERS = "ns_web_users"
SESSIONS = "ns_web_sessions"
TOKENS = "ns_web_tokens"
AUDIT = "ns_web_audit"
THRESHOLDS = "ns_web_thresholds"
ANNOTATIONS = "ns_web_annotations"
LOGIN_FAILURES = "ns_web_login_failures"
ISSUES = "ns_web_issues"

DDL = (
    f"""CREATE TABLE IF NOT EXISTS {USERS} (
      username VARCHAR PRIMARY KEY,
      person_id VARCHAR NOT NULL,
      role VARCHAR NOT NULL,
      password_hash VARCHAR NOT NULL,
      failed_count INTEGER NOT NULL,
      locked_until TIMESTAMP,
      created_at TIMESTAMP NOT NULL,
      disabled BOOLEAN NOT NULL,
      email VARCHAR
    )""",
    # projects created before single sign-on have no email column yet
    f"ALTER TABLE {USERS} ADD COLUMN IF NOT EXISTS email VARCHAR",
    f"""CREATE TABLE IF NOT EXISTS {SESSIONS} (
      id_hash VARCHAR PRIMARY KEY,
      username VARCHAR NOT NULL,
      csrf VARCHAR NOT NULL,
      created_at TIMESTAMP NOT NULL,
      last_seen TIMESTAMP NOT NULL,
      ended_at TIMESTAMP
    )""",
    f"""CREATE TABLE IF NOT EXISTS {TOKENS} (
      id VARCHAR PRIMARY KEY,
      username VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      token_hash VARCHAR NOT NULL,
      created_at TIMESTAMP NOT NULL,
      last_used_at TIMESTAMP,
      revoked_at TIMESTAMP
    )""",
    f"""CREATE TABLE IF NOT EXISTS {AUDIT} (
      seq BIGINT PRIMARY KEY,
      happened_at TIMESTAMP NOT NULL,
      actor VARCHAR NOT NULL,
      action VARCHAR NOT NULL,
      outcome VARCHAR NOT NULL,
      detail VARCHAR NOT NULL,
      client VARCHAR NOT NULL,
      prev_hash VARCHAR NOT NULL,
      hash VARCHAR NOT NULL
    )""",
    f"""CREATE TABLE IF NOT EXISTS {THRESHOLDS} (
      seq BIGINT PRIMARY KEY,
      metric VARCHAR NOT NULL,
      relative_to VARCHAR,
      green VARCHAR,
      yellow VARCHAR,
      target VARCHAR,
      author VARCHAR NOT NULL,
      reason VARCHAR NOT NULL,
      changed_at TIMESTAMP NOT NULL
    )""",
    f"""CREATE TABLE IF NOT EXISTS {ANNOTATIONS} (
      seq BIGINT PRIMARY KEY,
      metric VARCHAR NOT NULL,
      on_date DATE NOT NULL,
      note VARCHAR NOT NULL,
      author VARCHAR NOT NULL,
      created_at TIMESTAMP NOT NULL
    )""",
    # failed logins per user name typed, per client address and for everyone (throttle.py);
    # the users table's failed_count and locked_until columns are no longer used
    f"""CREATE TABLE IF NOT EXISTS {LOGIN_FAILURES} (
      throttle_key VARCHAR PRIMARY KEY,
      failures INTEGER NOT NULL,
      last_at TIMESTAMP NOT NULL
    )""",
    # the weekly meeting's issues (web/issues.py): opened on a red cell, solved later
    f"""CREATE TABLE IF NOT EXISTS {ISSUES} (
      id BIGINT PRIMARY KEY,
      metric VARCHAR NOT NULL,
      week VARCHAR NOT NULL,
      person VARCHAR NOT NULL,
      note VARCHAR NOT NULL,
      opened_by VARCHAR NOT NULL,
      opened_at TIMESTAMP NOT NULL,
      solved_by VARCHAR,
      solved_at TIMESTAMP
    )""",
)


def ensure_tables(engine: Engine) -> None:
    for ddl in DDL:
        engine.execute(ddl)
