//! Both designs on a PostgreSQL server (`--store URL --room NAME`), against a throwaway
//! server this test binary starts (tests/common/pg.rs).

mod common;

use common::pg::new_room;
use common::{Output, run};

#[test]
fn bob_runs_in_a_room_as_in_memory() {
    let room = new_room("bob");
    let memory: Output = run(["run", "bob", "--format", "json"]);
    let mut args = vec!["run", "bob", "--format", "json"];
    args.extend(room.args());
    let server: Output = run(args);
    assert_eq!(server.stderr, "");
    assert_eq!(server.code, Some(0));
    assert_eq!(server.stdout_text(), memory.stdout_text());
}
