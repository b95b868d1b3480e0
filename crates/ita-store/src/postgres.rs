//! The PostgreSQL store: one pool; write transactions run SERIALIZABLE-safe by being retried on conflict.

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};

use crate::Result;

/// The store for a whole country: PostgreSQL (or a PostgreSQL-compatible distributed database).
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) read: PgPool,
    pub(crate) write: PgPool,
}

impl PgStore {
    /// Connects to `postgres://...` and applies the migrations.
    pub async fn open(url: &str) -> Result<PgStore> {
        let pool = PgPoolOptions::new().max_connections(16).connect(url).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore { read: pool.clone(), write: pool })
    }
}

crate::sql::impl_store!(PgStore, Postgres, "postgres");
