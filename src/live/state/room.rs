//! Following a room: a live view in a room shows what others write as it arrives, without a
//! key being pressed. The room's server wakes the view (LISTEN/NOTIFY, `pg::Feed`), and the
//! view also looks at an interval, since not every PostgreSQL-compatible engine can notify.
//!
//! Others' events are read as "the events after the last id this view has": safe because a
//! room gives ids gap-free and in commit order. When this session appends, the events before
//! its own first id are read first, so nothing another writer committed in between is
//! passed over.

use std::time::{Duration, Instant};

/// How long after the server says the room changed the view looks: one attendee's command
/// commits twice (CRUD's row, then the log's events), and both are shown as one arrival.
const SETTLE: Duration = Duration::from_millis(400);

use super::{App, Message, Mode};
use crate::narrate;
use crate::pg::{self, Wake};
use crate::service::{Backend, Outcome, StorageChange};

/// The reader a live view in a room follows it with.
pub struct Follower {
    feed: pg::Feed,
    next_look: Instant,
    /// When the server first said the room changed, since the last look.
    notified_at: Option<Instant>,
}

impl Follower {
    pub fn new(feed: pg::Feed) -> Follower {
        Follower {
            feed,
            next_look: Instant::now(),
            notified_at: None,
        }
    }

    /// Whether the server wakes this view, or only its own looks do.
    pub fn wake(&self) -> Wake {
        self.feed.wake()
    }

    fn interval(&self) -> std::time::Duration {
        match self.feed.wake() {
            Wake::Notified => pg::POLL_LISTENING,
            Wake::Polling => pg::POLL_ALONE,
        }
    }
}

impl App {
    /// Follows the room from now on, showing what it already holds as the first frame.
    pub fn following(mut self, feed: pg::Feed) -> anyhow::Result<App> {
        self.room = Some(Follower::new(feed));
        self.look()?;
        Ok(self)
    }

    /// `--watch`: only shows the room.
    pub fn watching(mut self) -> App {
        self.watch = true;
        self
    }

    /// Looks at the room if the server said it changed or the interval is up: true when a
    /// frame of what others wrote was added (the screen needs drawing). A failed look is
    /// said on the footer, and the view goes on.
    pub fn follow(&mut self, now: Instant) -> bool {
        let Some(room) = &mut self.room else {
            return false;
        };
        if room.feed.notified() {
            room.notified_at.get_or_insert(now);
        }
        let settled = room.notified_at.is_some_and(|at| now >= at + SETTLE);
        if !settled && now < room.next_look {
            return false;
        }
        room.notified_at = None;
        room.next_look = now + room.interval();
        match self.look() {
            Ok(shown) => shown,
            Err(e) => {
                self.message = Some(Message {
                    error: true,
                    text: format!("{e:#}"),
                });
                true
            }
        }
    }

    /// Reads what changed, and shows it as a frame; the view moves to it if it stood at the
    /// last frame, else the footer says it is there.
    fn look(&mut self) -> anyhow::Result<bool> {
        let Some(room) = &mut self.room else {
            return Ok(false);
        };
        let changes = room.feed.changes()?;
        let at_end = self.at.is_none_or(|at| at + 1 == self.model.frames.len());
        if !self.model.arrive(changes.events, &changes.rows) {
            return Ok(false);
        }
        if at_end && self.cursor.is_none() && self.mode == Mode::Normal {
            self.at = Some(self.model.frames.len() - 1);
        } else {
            self.message = Some(Message {
                error: false,
                text: narrate::room_moved_on(),
            });
        }
        Ok(true)
    }

    /// Shows the step just run; in a room, first what others appended before it: its
    /// events' ids come after theirs, and none is missing between.
    pub(super) fn push_last(&mut self) -> anyhow::Result<()> {
        let record = self.session.records().last().expect("a step just ran");
        let ids = match record.result(Backend::Es) {
            Some(Outcome::Applied {
                storage: StorageChange::Append { events },
                ..
            }) => events.first().zip(events.last()),
            _ => None,
        };
        if let (Some(room), Some((first, last))) = (&mut self.room, ids) {
            let before = room.feed.events_before(first.event_id)?;
            room.feed.seen_up_to(Some(last.event_id))?;
            self.model.arrive(before, &[]);
        }
        let record = self.session.records().last().expect("a step just ran");
        self.model.push(record);
        Ok(())
    }
}
