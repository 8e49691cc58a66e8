//! eslab's entry point: parse the arguments, call the library, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use eslab::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match eslab::run(cli) {
        Ok(code) => code,
        // `eslab run | head` closing the pipe early is not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::from(eslab::SUCCESS),
        Err(err) => {
            // Messages quote file names and values from the user: never let them drive the terminal.
            // Nor show a password from a server's URL, wherever in the chain it was quoted.
            let message = eslab::redact(&eslab::clean_prose(&format!("{err:#}")));
            eprintln!("eslab: error: {message}");
            ExitCode::from(eslab::ERROR)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
