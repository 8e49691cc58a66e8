//! A connection to a room's server that prepares each SQL text once: a statement sent as text
//! costs the server a parse and the client a round trip every time, which a command of ten
//! statements feels. The cache lives as long as the connection, whose statements it holds.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, Row, SimpleQueryMessage, SimpleQueryRow, Statement};

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// The queries eslab sends, on a connection or in a transaction on it.
pub(super) trait Query {
    fn query(&mut self, sql: &str, params: Params) -> anyhow::Result<Vec<Row>>;

    fn execute(&mut self, sql: &str, params: Params) -> anyhow::Result<u64>;

    /// Statements without parameters or results (DDL, LOCK), sent as text.
    fn batch_execute(&mut self, sql: &str) -> anyhow::Result<()>;

    fn query_one(&mut self, sql: &str, params: Params) -> anyhow::Result<Row> {
        let mut rows = self.query(sql, params)?.into_iter();
        match (rows.next(), rows.next()) {
            (Some(row), None) => Ok(row),
            _ => anyhow::bail!("expected exactly one row from: {sql}"),
        }
    }

    fn query_opt(&mut self, sql: &str, params: Params) -> anyhow::Result<Option<Row>> {
        let mut rows = self.query(sql, params)?.into_iter();
        match (rows.next(), rows.next()) {
            (row, None) => Ok(row),
            _ => anyhow::bail!("expected at most one row from: {sql}"),
        }
    }
}

/// A connection and the statements prepared on it.
pub(super) struct Db {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Db {
    pub(super) fn new(client: Client) -> Db {
        Db {
            client,
            statements: HashMap::new(),
        }
    }

    /// The connection itself (for its notifications).
    pub(super) fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Each row of `sql`'s result, visited as it arrives from the server: the result is never
    /// held whole (a log of any length is read in the memory of a few rows).
    pub(super) fn for_each(
        &mut self,
        sql: &str,
        params: Params,
        mut visit: impl FnMut(&Row) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        use postgres::fallible_iterator::FallibleIterator;
        let statement = prepared(&mut self.statements, |sql| self.client.prepare(sql), sql)?;
        let mut rows = self.client.query_raw(&statement, params.iter().copied())?;
        while let Some(row) = rows.next()? {
            visit(&row)?;
        }
        Ok(())
    }

    pub(super) fn transaction(&mut self) -> anyhow::Result<DbTx<'_>> {
        self.client.batch_execute("BEGIN")?;
        Ok(DbTx {
            db: self,
            open: true,
        })
    }

    /// A transaction begun together with `sql`'s statements, in one round trip (a simple
    /// query: parameters cannot be bound, results come as text): the rows each statement
    /// returned, statement by statement. If any fails, the transaction is rolled back.
    pub(super) fn transaction_with(
        &mut self,
        sql: &str,
    ) -> anyhow::Result<(DbTx<'_>, Vec<Vec<SimpleQueryRow>>)> {
        let mut tx = DbTx {
            db: self,
            open: true,
        };
        let results = tx.simple_query(&format!("BEGIN; {sql}"))?;
        Ok((tx, results))
    }
}

/// A transaction on a `Db`, preparing through its cache. BEGIN and COMMIT are sent as text
/// (as the client's own `Transaction` sends them), so that they can share a round trip with
/// other statements; dropped uncommitted, it is rolled back.
pub(super) struct DbTx<'a> {
    db: &'a mut Db,
    open: bool,
}

impl DbTx<'_> {
    pub(super) fn commit(mut self) -> anyhow::Result<()> {
        self.open = false;
        Ok(self.db.client.batch_execute("COMMIT")?)
    }

    /// Commits, then runs `sql` after the commit, outside this transaction, in the same round
    /// trip: its results, statement by statement.
    pub(super) fn commit_then(mut self, sql: &str) -> anyhow::Result<Vec<Vec<SimpleQueryRow>>> {
        self.open = false;
        simple_query(&mut self.db.client, &format!("COMMIT; {sql}"))
    }

    fn simple_query(&mut self, sql: &str) -> anyhow::Result<Vec<Vec<SimpleQueryRow>>> {
        simple_query(&mut self.db.client, sql)
    }
}

impl Drop for DbTx<'_> {
    /// As the client's `Transaction` does: an uncommitted transaction is rolled back (an error
    /// here means the connection is gone, and the server rolled it back itself).
    fn drop(&mut self) {
        if self.open {
            let _ = self.db.client.batch_execute("ROLLBACK");
        }
    }
}

/// `sql`'s statements in one round trip, the rows of each.
fn simple_query(client: &mut Client, sql: &str) -> anyhow::Result<Vec<Vec<SimpleQueryRow>>> {
    let mut results = vec![Vec::new()];
    for message in client.simple_query(sql)? {
        match message {
            SimpleQueryMessage::Row(row) => results.last_mut().expect("never empty").push(row),
            SimpleQueryMessage::CommandComplete(_) => results.push(Vec::new()),
            _ => {}
        }
    }
    results.pop();
    Ok(results)
}

/// The statement for `sql`, prepared on first use.
fn prepared(
    statements: &mut HashMap<String, Statement>,
    prepare: impl FnOnce(&str) -> Result<Statement, postgres::Error>,
    sql: &str,
) -> anyhow::Result<Statement> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let statement = prepare(sql)?;
    statements.insert(sql.to_string(), statement.clone());
    Ok(statement)
}

impl Query for Db {
    fn query(&mut self, sql: &str, params: Params) -> anyhow::Result<Vec<Row>> {
        let statement = prepared(&mut self.statements, |sql| self.client.prepare(sql), sql)?;
        Ok(self.client.query(&statement, params)?)
    }

    fn execute(&mut self, sql: &str, params: Params) -> anyhow::Result<u64> {
        let statement = prepared(&mut self.statements, |sql| self.client.prepare(sql), sql)?;
        Ok(self.client.execute(&statement, params)?)
    }

    fn batch_execute(&mut self, sql: &str) -> anyhow::Result<()> {
        Ok(self.client.batch_execute(sql)?)
    }
}

impl Query for DbTx<'_> {
    fn query(&mut self, sql: &str, params: Params) -> anyhow::Result<Vec<Row>> {
        self.db.query(sql, params)
    }

    fn execute(&mut self, sql: &str, params: Params) -> anyhow::Result<u64> {
        self.db.execute(sql, params)
    }

    fn batch_execute(&mut self, sql: &str) -> anyhow::Result<()> {
        self.db.batch_execute(sql)
    }
}
