//! A throwaway PostgreSQL server for the tests that need one: one per test binary, started on
//! first use in a temporary folder, listening on 127.0.0.1 only, and stopped (its folder
//! deleted) when the test binary exits. Each test works in a room of its own on it.
//!
//! `initdb` refuses to run as root, and CI runs as root: there the server runs as the
//! `postgres` user (`runuser`). It serves TLS with a certificate `openssl` makes for it. The binaries are PostgreSQL's from Debian's packages
//! (`/usr/lib/postgresql/VERSION/bin`); `.ci/run` installs them when they are missing. A test
//! never skips without them: it fails, saying how to install them.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Starts the cluster, says `ready`, then waits for its stdin to close (the test binary has
/// exited, whatever way) and stops it, deleting its folder.
const CLUSTER: &str = r#"
set -eu
bin=$1 port=$2
# In /tmp, whatever TMPDIR says: the postgres user must be able to reach the folder.
dir=$(mktemp -d /tmp/eslab-pg-XXXXXX)
cd "$dir"
as=""
if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    as="runuser -u postgres --"
fi
stop() {
    $as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
$as "$bin/initdb" -D "$dir/data" -U eslab --auth=trust --no-sync -E UTF8 --locale=C \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# TLS on, with a self-signed certificate made here: `sslmode=require` is tested against it
# (and eslab's default, `prefer`, uses it too). Clients that ask for no TLS still connect.
$as openssl req -new -x509 -days 2 -nodes -subj /CN=localhost \
    -keyout "$dir/data/server.key" -out "$dir/data/server.crt" >"$dir/openssl.log" 2>&1 \
    || { cat "$dir/openssl.log" >&2; exit 1; }
chmod 600 "$dir/data/server.key"
$as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200 -c track_commit_timestamp=on -c ssl=on" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
echo "ready $dir"
# Until the test binary that started us exits: its end closes our stdin.
cat >/dev/null || true
"#;

pub struct Server {
    /// The superuser's URL (trust authentication: any password is accepted, and ignored).
    pub admin_url: String,
    pub port: u16,
    /// The folder holding the server's Unix socket (`.s.PGSQL.PORT`).
    pub socket_dir: String,
    /// The shell that stops the server when the test binary exits (its stdin closes then).
    _keeper: Mutex<Child>,
}

/// The PostgreSQL server of this test binary, started on first use.
pub fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(start)
}

fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ESLAB_TEST_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL's server binaries are not installed (no /usr/lib/postgresql/*/bin/initdb): \
             these tests run a throwaway server. Install them (`apt-get install -y postgresql` \
             on Debian; `.ci/run` does so when they are missing), or set ESLAB_TEST_PG_BIN to \
             the folder holding initdb and pg_ctl"
        ),
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
    listener.local_addr().unwrap().port()
}

fn start() -> Server {
    let bin = bin_dir();
    let port = free_port();
    let mut keeper = Command::new("bash")
        .arg("-c")
        .arg(CLUSTER)
        .arg("eslab-pg")
        .arg(&bin)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cannot run bash to start PostgreSQL");
    let mut line = String::new();
    BufReader::new(keeper.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let socket_dir = line
        .trim()
        .strip_prefix("ready ")
        .unwrap_or_else(|| {
            panic!(
                "the throwaway PostgreSQL in {} did not start (see its log above)",
                bin.display()
            )
        })
        .to_string();
    Server {
        admin_url: format!("postgres://eslab@127.0.0.1:{port}/postgres"),
        port,
        socket_dir,
        _keeper: Mutex::new(keeper),
    }
}

/// A new room on the server, named after `hint` and unique in this test binary: its name,
/// and the URL attendees join it with (the line `eslab room create` printed).
pub fn new_room(hint: &str) -> Room {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let server = server();
    let name = format!("{hint}_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let out = super::eslab()
        .args(["room", "create", &server.admin_url, "--room", &name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "eslab room create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).unwrap();
    let join = said
        .lines()
        .find_map(|line| line.trim().strip_prefix("eslab live --store "))
        .unwrap_or_else(|| panic!("no line to join with in {said:?}"));
    let (url, room) = join.split_once(" --room ").unwrap();
    let room = room.strip_suffix(" --as NAME").unwrap();
    assert_eq!(room, name);
    Room {
        name,
        url: url.to_string(),
    }
}

/// A room and the URL its attendees use.
pub struct Room {
    pub name: String,
    pub url: String,
}

impl Room {
    /// `--store URL --room NAME`.
    pub fn args(&self) -> [&str; 4] {
        ["--store", &self.url, "--room", &self.name]
    }

    /// A connection as the room's superuser, its schema first on the path: for reading and
    /// tampering with what eslab wrote.
    pub fn admin(&self) -> postgres::Client {
        let mut client = postgres::Client::connect(&server().admin_url, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("SET search_path TO eslab_room_{}", self.name))
            .unwrap();
        client
    }

    /// A connection as the attendees' role.
    pub fn attendee(&self) -> postgres::Client {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("SET search_path TO eslab_room_{}", self.name))
            .unwrap();
        client
    }
}
