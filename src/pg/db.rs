//! A connection to a room's server that prepares each SQL text once: a statement sent as text
//! costs the server a parse and the client a round trip every time, which a command of ten
//! statements feels. The cache lives as long as the connection, whose statements it holds.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, Row, Statement, Transaction};

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
        Ok(DbTx {
            tx: self.client.transaction()?,
            statements: &mut self.statements,
        })
    }
}

/// A transaction on a `Db`, preparing through its cache.
pub(super) struct DbTx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

impl DbTx<'_> {
    pub(super) fn commit(self) -> anyhow::Result<()> {
        Ok(self.tx.commit()?)
    }
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
        let statement = prepared(self.statements, |sql| self.tx.prepare(sql), sql)?;
        Ok(self.tx.query(&statement, params)?)
    }

    fn execute(&mut self, sql: &str, params: Params) -> anyhow::Result<u64> {
        let statement = prepared(self.statements, |sql| self.tx.prepare(sql), sql)?;
        Ok(self.tx.execute(&statement, params)?)
    }

    fn batch_execute(&mut self, sql: &str) -> anyhow::Result<()> {
        Ok(self.tx.batch_execute(sql)?)
    }
}
