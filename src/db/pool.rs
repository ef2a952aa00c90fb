//! The connection pool: r2d2 over diesel's manager, without a `SELECT 1` before every
//! use of a connection that has just proven itself.
//!
//! r2d2 tests a connection each time it is taken (`test_on_check_out`). A sync of small
//! files takes one four times per file, and on this machine each round trip costs a wake-up
//! on both sides of the socket, which is most of what such a sync spends. A connection
//! whose last use succeeded, or whose last test passed, within [`TRUST_WINDOW`] is handed
//! out untested (HikariCP does the same with its 500 ms `aliveBypassWindowMs`). A use that
//! failed ends the trust, so after a database restart the next taker tests the connection
//! and r2d2 replaces it.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use diesel::r2d2::{ConnectionManager, ManageConnection, Pool};
use diesel::PgConnection;

/// How long a connection that just worked is trusted to still work.
pub const TRUST_WINDOW: Duration = Duration::from_millis(500);

pub type PgPool = Pool<TrustingManager>;

/// diesel's manager, skipping the test of a connection trusted now.
#[derive(Debug)]
pub struct TrustingManager {
    inner: ConnectionManager<PgConnection>,
}

impl TrustingManager {
    pub fn new(database_url: &str) -> Self {
        TrustingManager {
            inner: ConnectionManager::new(database_url),
        }
    }
}

/// A pooled connection and until when it needs no test. Derefs to the connection, so
/// `&mut pooled` is taken wherever a `&mut PgConnection` is.
pub struct TrustedConnection {
    conn: PgConnection,
    trusted_until: Option<Instant>,
}

impl TrustedConnection {
    /// Records how its last use went: a success renews the trust, a failure ends it.
    pub fn settle(&mut self, succeeded: bool) {
        self.trusted_until = succeeded.then(|| Instant::now() + TRUST_WINDOW);
    }

    fn is_trusted(&self) -> bool {
        self.trusted_until
            .is_some_and(|until| Instant::now() < until)
    }
}

impl Deref for TrustedConnection {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.conn
    }
}

impl DerefMut for TrustedConnection {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

impl ManageConnection for TrustingManager {
    type Connection = TrustedConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<TrustedConnection, Self::Error> {
        let mut conn = TrustedConnection {
            conn: self.inner.connect()?,
            trusted_until: None,
        };
        conn.settle(true);
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut TrustedConnection) -> Result<(), Self::Error> {
        if conn.is_trusted() {
            return Ok(());
        }
        let tested = self.inner.is_valid(&mut conn.conn);
        conn.settle(tested.is_ok());
        tested
    }

    fn has_broken(&self, conn: &mut TrustedConnection) -> bool {
        self.inner.has_broken(&mut conn.conn)
    }
}
