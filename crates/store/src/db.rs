//! The thin portability layer over SQLite (rusqlite) and PostgreSQL (postgres).
//!
//! All SQL in this crate is written once with `?` placeholders and portable types; this
//! module rewrites placeholders to `$N` for PostgreSQL, converts values both ways and
//! provides batched multi-row inserts (prepared single-row statements on SQLite, multi-row
//! `INSERT ... VALUES (...), (...)` on PostgreSQL).

use std::collections::HashMap;
use std::io::Write as _;

use postgres::types::{ToSql as PgToSql, Type};

use crate::StoreError;

/// A parameter value. Typed even when null, because PostgreSQL checks parameter types.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

// Equality and hashing compare floats bit for bit, so values can key a hash map when rows
// are de-duplicated.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Real(a), Value::Real(b)) => a.map(f64::to_bits) == b.map(f64::to_bits),
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Blob(a), Value::Blob(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            Value::Int(v) => v.hash(h),
            Value::Real(v) => v.map(f64::to_bits).hash(h),
            Value::Text(v) => v.hash(h),
            Value::Blob(v) => v.hash(h),
        }
    }
}

impl Value {
    /// A text value. NUL characters are dropped: PostgreSQL refuses them in `TEXT`, and
    /// both backends must store the same thing.
    pub(crate) fn text(s: impl Into<String>) -> Value {
        Value::Text(Some(without_nul(s.into())))
    }
    /// An optional text value (see [`Value::text`]).
    pub(crate) fn opt_text(s: Option<&str>) -> Value {
        Value::Text(s.map(|s| without_nul(s.to_string())))
    }
    pub(crate) fn int(i: i64) -> Value {
        Value::Int(Some(i))
    }

    fn as_pg(&self) -> &(dyn PgToSql + Sync) {
        match self {
            Value::Int(v) => v,
            Value::Real(v) => v,
            Value::Text(v) => v,
            Value::Blob(v) => v,
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Value::Int(v) => rusqlite::ToSql::to_sql(v),
            Value::Real(v) => rusqlite::ToSql::to_sql(v),
            Value::Text(v) => rusqlite::ToSql::to_sql(v),
            Value::Blob(v) => rusqlite::ToSql::to_sql(v),
        }
    }
}

fn without_nul(s: String) -> String {
    if s.contains('\0') {
        s.replace('\0', "")
    } else {
        s
    }
}

/// A value read back from a query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row(pub(crate) Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> &Cell {
        self.0.get(i).unwrap_or(&Cell::Null)
    }
    /// Text column (numbers are rendered); `None` for NULL.
    pub(crate) fn opt_text(&self, i: usize) -> Option<String> {
        match self.cell(i) {
            Cell::Null => None,
            Cell::Text(s) => Some(s.clone()),
            Cell::Int(v) => Some(v.to_string()),
            Cell::Real(v) => Some(v.to_string()),
            Cell::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        }
    }
    /// Text column, empty for NULL.
    pub(crate) fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }
    /// Integer column, 0 for NULL or text that is not a number.
    pub(crate) fn int(&self, i: usize) -> i64 {
        match self.cell(i) {
            Cell::Int(v) => *v,
            Cell::Real(v) => *v as i64,
            Cell::Text(s) => s.parse().unwrap_or(0),
            _ => 0,
        }
    }
    /// Blob column.
    pub(crate) fn blob(&self, i: usize) -> Option<Vec<u8>> {
        match self.cell(i) {
            Cell::Blob(b) => Some(b.clone()),
            Cell::Text(s) => Some(s.clone().into_bytes()),
            _ => None,
        }
    }
}

/// Which SQL dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// An open connection to either backend.
pub(crate) enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

/// Rewrite `?` placeholders to `$1, $2, ...` (our SQL never has `?` inside literals).
pub(crate) fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

fn pg_cell(row: &postgres::Row, i: usize) -> Result<Cell, StoreError> {
    let ty = row.columns()[i].type_().clone();
    let cell = if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map(Cell::Int)
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map(|v| Cell::Int(i64::from(v)))
    } else if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)?
            .map(|v| Cell::Int(i64::from(v)))
    } else if ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)?.map(Cell::Real)
    } else if ty == Type::FLOAT4 {
        row.try_get::<_, Option<f32>>(i)?
            .map(|v| Cell::Real(f64::from(v)))
    } else if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map(|v| Cell::Int(i64::from(v)))
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?.map(Cell::Blob)
    } else if ty == Type::TEXT || ty == Type::VARCHAR || ty == Type::BPCHAR || ty == Type::NAME {
        row.try_get::<_, Option<String>>(i)?.map(Cell::Text)
    } else {
        return Err(StoreError::Corrupt(format!(
            "unsupported PostgreSQL column type {ty} in result"
        )));
    };
    Ok(cell.unwrap_or(Cell::Null))
}

fn sqlite_cell(v: rusqlite::types::ValueRef<'_>) -> Cell {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::Real(f),
        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
    }
}

impl Conn {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Run one or more statements without parameters.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql)?,
            Conn::Postgres(c) => c.batch_execute(sql)?,
        }
        Ok(())
    }

    /// Run one statement with parameters; returns the number of rows changed.
    pub(crate) fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            Conn::Postgres(c) => {
                let p: Vec<&(dyn PgToSql + Sync)> = params.iter().map(Value::as_pg).collect();
                Ok(c.execute(pg_placeholders(sql).as_str(), &p)?)
            }
        }
    }

    /// Run a query and collect every row.
    pub(crate) fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let n = st.column_count();
                let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let mut cells = Vec::with_capacity(n);
                    for i in 0..n {
                        cells.push(sqlite_cell(r.get_ref(i)?));
                    }
                    out.push(Row(cells));
                }
                Ok(out)
            }
            Conn::Postgres(c) => {
                let p: Vec<&(dyn PgToSql + Sync)> = params.iter().map(Value::as_pg).collect();
                let rows = c.query(pg_placeholders(sql).as_str(), &p)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let mut cells = Vec::with_capacity(r.len());
                    for i in 0..r.len() {
                        cells.push(pg_cell(r, i)?);
                    }
                    out.push(Row(cells));
                }
                Ok(out)
            }
        }
    }

    /// Insert many rows into `table`.
    ///
    /// Rows are first de-duplicated on their first `key_cols` columns (the last one wins),
    /// because PostgreSQL refuses an `ON CONFLICT DO UPDATE` that touches a row twice in one
    /// statement. `conflict` is appended verbatim (e.g. `ON CONFLICT (k) DO NOTHING`).
    pub(crate) fn insert_rows(
        &mut self,
        table: &str,
        cols: &[&str],
        key_cols: usize,
        conflict: &str,
        rows: Vec<Vec<Value>>,
    ) -> Result<u64, StoreError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let rows = dedup_rows(rows, key_cols.min(cols.len()));
        let col_list = cols.join(", ");
        match self {
            Conn::Sqlite(c) => {
                let marks = vec!["?"; cols.len()].join(", ");
                let sql = format!("INSERT INTO {table} ({col_list}) VALUES ({marks}) {conflict}");
                let mut st = c.prepare_cached(&sql)?;
                let mut n = 0u64;
                for r in &rows {
                    n += st.execute(rusqlite::params_from_iter(r.iter()))? as u64;
                }
                Ok(n)
            }
            Conn::Postgres(c) if conflict.is_empty() => {
                // Plain inserts (source-owned tables): COPY is the fastest path.
                let mut w = c.copy_in(format!("COPY {table} ({col_list}) FROM STDIN").as_str())?;
                let mut buf = String::with_capacity(64 * 1024);
                for r in &rows {
                    copy_line(&mut buf, r);
                    if buf.len() >= 60 * 1024 {
                        w.write_all(buf.as_bytes())
                            .map_err(|e| StoreError::Encode(format!("COPY {table}: {e}")))?;
                        buf.clear();
                    }
                }
                w.write_all(buf.as_bytes())
                    .map_err(|e| StoreError::Encode(format!("COPY {table}: {e}")))?;
                Ok(w.finish()?)
            }
            Conn::Postgres(c) => {
                // At most 65535 parameters per statement.
                let per = (30_000 / cols.len().max(1)).clamp(1, 2_000);
                let mut n = 0u64;
                for chunk in rows.chunks(per) {
                    let mut sql = String::with_capacity(64 + chunk.len() * cols.len() * 6);
                    sql.push_str(&format!("INSERT INTO {table} ({col_list}) VALUES "));
                    let mut k = 0usize;
                    for (ri, _) in chunk.iter().enumerate() {
                        if ri > 0 {
                            sql.push(',');
                        }
                        sql.push('(');
                        for ci in 0..cols.len() {
                            if ci > 0 {
                                sql.push(',');
                            }
                            k += 1;
                            sql.push('$');
                            sql.push_str(&k.to_string());
                        }
                        sql.push(')');
                    }
                    sql.push(' ');
                    sql.push_str(conflict);
                    let p: Vec<&(dyn PgToSql + Sync)> = chunk
                        .iter()
                        .flat_map(|r| r.iter().map(Value::as_pg))
                        .collect();
                    n += c.execute(sql.as_str(), &p)?;
                }
                Ok(n)
            }
        }
    }
}

/// Append one row in PostgreSQL's COPY text format.
fn copy_line(out: &mut String, row: &[Value]) {
    use std::fmt::Write as _;
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match v {
            Value::Int(Some(n)) => {
                let _ = write!(out, "{n}");
            }
            Value::Real(Some(f)) => {
                let _ = write!(out, "{f:?}");
            }
            Value::Text(Some(t)) => {
                for ch in t.chars() {
                    match ch {
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        '\0' => {}
                        c => out.push(c),
                    }
                }
            }
            Value::Blob(Some(b)) => {
                // bytea hex input, its backslash escaped for COPY.
                out.push_str("\\\\x");
                for byte in b {
                    let _ = write!(out, "{byte:02x}");
                }
            }
            Value::Int(None) | Value::Real(None) | Value::Text(None) | Value::Blob(None) => {
                out.push_str("\\N")
            }
        }
    }
    out.push('\n');
}

/// Keep the last row for each key (first `key_cols` columns), at its own position.
fn dedup_rows(rows: Vec<Vec<Value>>, key_cols: usize) -> Vec<Vec<Value>> {
    if key_cols == 0 || rows.len() < 2 {
        return rows;
    }
    let mut last: HashMap<&[Value], usize> = HashMap::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        last.insert(&r[..key_cols.min(r.len())], i);
    }
    if last.len() == rows.len() {
        return rows;
    }
    let mut keep = vec![false; rows.len()];
    for &i in last.values() {
        keep[i] = true;
    }
    rows.into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_dropped() {
        assert_eq!(Value::text("a\0b"), Value::text("ab"));
        assert_eq!(
            Value::opt_text(Some("\0")),
            Value::Text(Some(String::new()))
        );
    }

    #[test]
    fn copy_lines_escape_specials() {
        let mut out = String::new();
        copy_line(
            &mut out,
            &[
                Value::text("a\tb\nc\\d"),
                Value::Text(None),
                Value::int(-3),
                Value::Blob(Some(vec![0, 255])),
            ],
        );
        assert_eq!(out, "a\\tb\\nc\\\\d\t\\N\t-3\t\\\\x00ff\n");
    }

    #[test]
    fn placeholders_are_numbered() {
        assert_eq!(
            pg_placeholders("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2"
        );
    }

    #[test]
    fn dedup_keeps_last_per_key() {
        let rows = vec![
            vec![Value::text("a"), Value::int(1)],
            vec![Value::text("b"), Value::int(2)],
            vec![Value::text("a"), Value::int(3)],
        ];
        let out = dedup_rows(rows, 1);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0][0], Value::text("b"));
        assert_eq!(out[1], vec![Value::text("a"), Value::int(3)]);
        let unique = vec![vec![Value::Real(Some(1.0))], vec![Value::Real(Some(2.0))]];
        assert_eq!(dedup_rows(unique.clone(), 1), unique);
    }
}
