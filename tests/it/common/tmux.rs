//! A terminal for the tests that drive eslab's full-screen view: a tmux server of the test's
//! own (its socket in a temporary folder), killed when the test ends, passed or failed.
//! `.ci/run` installs tmux when it is missing.

use std::path::Path;

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// A new tmux server whose socket is in `dir`.
    pub fn new(dir: &Path) -> Tmux {
        Tmux {
            socket: dir.join("tmux.sock").to_str().unwrap().to_string(),
        }
    }

    /// tmux with these arguments, on this server; its stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = super::spawn_tool(
            std::process::Command::new("tmux")
                .args(["-S", &self.socket])
                .args(args)
                .stdout(std::process::Stdio::piped()),
        )
        .wait_with_output()
        .unwrap();
        assert!(out.status.success(), "tmux {args:?} failed");
        String::from_utf8(out.stdout).unwrap()
    }

    /// A window named `name`, `columns` × `lines`, running `command` in a shell.
    pub fn open(&self, name: &str, columns: u16, lines: u16, command: &str) {
        let (x, y) = (columns.to_string(), lines.to_string());
        self.run(&["new-session", "-d", "-s", name, "-x", &x, "-y", &y, command]);
    }

    /// What the window shows now.
    pub fn screen(&self, name: &str) -> String {
        self.run(&["capture-pane", "-p", "-t", name])
    }

    /// Waits (up to 30 s: a loaded machine runs other tests beside it) until the window shows
    /// every one of `needles`; the screen then.
    pub fn wait_for(&self, name: &str, needles: &[&str]) -> String {
        let mut screen = String::new();
        for _ in 0..600 {
            screen = self.screen(name);
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("{needles:?} never all showed in {name}; the pane:\n{screen}");
    }

    /// Types `keys` (tmux key names) into the window.
    pub fn keys(&self, name: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", name];
        args.extend_from_slice(keys);
        self.run(&args);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-S", &self.socket, "kill-server"])
            .status();
    }
}
