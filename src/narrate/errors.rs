//! The errors lower layers return as typed facts, in words: which store a file holds, a
//! file that is already there, a log that does not verify. Only here, and in the CLI, are
//! the flags named that would carry on (`--continue`), lock (`--crud-locking`) or read
//! anyway (`--trust`).

use std::fmt;

use crate::db::{AlreadyExists, StoreKind};
use crate::runner::{OtherLocking, RoomHoldsSteps};
use crate::verify::Untrusted;

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreKind::EventStore => "event store",
            StoreKind::Crud => "CRUD store",
            StoreKind::CrudVersioned => "CRUD store with a version column (--crud-locking)",
        })
    }
}

impl fmt::Display for AlreadyExists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} already exists: refusing to overwrite it (use --continue to carry on from it)",
            self.path.display()
        )
    }
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the log in {} does not verify: {}. `eslab verify {}` shows every check; --trust reads the log anyway",
            self.path, self.problem, self.place
        )
    }
}

impl fmt::Display for OtherLocking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let made = if self.versioned {
            "with --crud-locking: add the flag"
        } else {
            "without --crud-locking: leave the flag out"
        };
        write!(
            f,
            "{} was made {made} to carry on from it (a CRUD store with a version column and one without are different tables); it was left untouched",
            self.path.display()
        )
    }
}

impl fmt::Display for RoomHoldsSteps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "this room already holds steps of this scenario (run before, by you or by someone else in the room): --continue carries on from them",
        )
    }
}
