//! The pass as a pipeline: one thread reads the log's rows and decodes them, copied out a
//! batch at a time, while another checks each batch.

use super::pass::Pass;
use crate::domain::Event;
use crate::es::StoredLog;
use crate::es::row::RowRef;

/// Reads the log once, checking each row on a second thread while this one reads and
/// decodes the next batch, and handing each row and its event to `visit`.
pub(super) fn check_while_reading<'s>(
    store: &(impl StoredLog + ?Sized),
    mut pass: Pass<'s>,
    visit: &mut (impl FnMut(&RowRef, &Event) -> anyhow::Result<()> + Send),
) -> anyhow::Result<Pass<'s>> {
    let (pass, read) = std::thread::scope(|scope| {
        let (full, batches) = std::sync::mpsc::sync_channel::<Batch>(2);
        let (emptied, empties) = std::sync::mpsc::sync_channel::<Batch>(3);
        let checker = scope.spawn(move || -> anyhow::Result<Pass> {
            for mut batch in batches {
                let mut rows = std::mem::take(&mut batch.rows);
                for copied in rows.drain(..) {
                    let row = batch.row(&copied);
                    pass.check(&row, copied.decoded, &mut *visit)?;
                }
                batch.rows = rows;
                batch.text.clear();
                batch.hashes.clear();
                let _ = emptied.try_send(batch);
            }
            Ok(pass)
        });
        let mut batch = Batch::default();
        let read = store.for_each_row_ref(&mut |row| {
            batch.push(&row, row.decode_event());
            if batch.rows.len() == BATCH_ROWS {
                let next = empties.try_recv().unwrap_or_default();
                // The checker stopped: its error is the one to report.
                full.send(std::mem::replace(&mut batch, next))
                    .map_err(|_| anyhow::anyhow!("the check of the log stopped"))?;
            }
            Ok(())
        });
        if !batch.rows.is_empty() {
            let _ = full.send(batch);
        }
        drop(full);
        let checked = checker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (checked, read)
    });
    let pass = pass?;
    read?;
    Ok(pass)
}

/// Rows a batch carries from the thread that reads them to the one that checks them.
const BATCH_ROWS: usize = 1024;

/// Rows copied out of SQLite: their text in one string, their hashes in one buffer.
#[derive(Default)]
struct Batch {
    text: String,
    hashes: Vec<u8>,
    rows: Vec<Copied>,
}

/// One row of a batch: its numbers, where its texts and hash are, and its decoded event.
struct Copied {
    event_id: i64,
    stream_version: i64,
    schema_version: i64,
    /// stream_id, event_type, payload and the four metadata columns (`None`: NULL).
    texts: [Option<(usize, usize)>; 7],
    hash: (usize, usize),
    decoded: anyhow::Result<Event>,
}

impl Batch {
    fn push(&mut self, row: &RowRef, decoded: anyhow::Result<Event>) {
        let mut text = |value: Option<&str>| {
            value.map(|value| {
                let start = self.text.len();
                self.text.push_str(value);
                (start, self.text.len())
            })
        };
        let [m0, m1, m2, m3] = row.metadata;
        let texts = [
            text(Some(row.stream_id)),
            text(Some(row.event_type)),
            text(Some(row.payload)),
            text(m0),
            text(m1),
            text(m2),
            text(m3),
        ];
        let start = self.hashes.len();
        self.hashes.extend_from_slice(row.hash);
        self.rows.push(Copied {
            event_id: row.event_id,
            stream_version: row.stream_version,
            schema_version: row.schema_version,
            texts,
            hash: (start, self.hashes.len()),
            decoded,
        });
    }

    fn row(&self, copied: &Copied) -> RowRef<'_> {
        let text = |i: usize| copied.texts[i].map(|(from, to)| &self.text[from..to]);
        RowRef {
            event_id: copied.event_id,
            stream_id: text(0).unwrap_or_default(),
            stream_version: copied.stream_version,
            event_type: text(1).unwrap_or_default(),
            payload: text(2).unwrap_or_default(),
            hash: &self.hashes[copied.hash.0..copied.hash.1],
            schema_version: copied.schema_version,
            metadata: [text(3), text(4), text(5), text(6)],
        }
    }
}
