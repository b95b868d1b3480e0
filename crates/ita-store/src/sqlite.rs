//! The SQLite store: one file in the data folder, WAL journal with full fsync, one writer connection (SQLite
//! takes one writer at a time; queueing them in the pool is cheaper than retrying busy errors) and several readers.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use crate::Result;

/// The embedded store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) read: SqlitePool,
    pub(crate) write: SqlitePool,
}

impl SqliteStore {
    /// Opens `sqlite://PATH` (or a bare path), creating the file and applying the migrations.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let url = if url.starts_with("sqlite:") { url.to_string() } else { format!("sqlite://{url}") };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new().max_connections(8).connect_with(options.read_only(true)).await?;
        Ok(SqliteStore { read, write })
    }
}

crate::sql::impl_store!(SqliteStore, Sqlite, "sqlite");
