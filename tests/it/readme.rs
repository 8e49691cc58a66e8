//! The README's examples are run and their output checked, so the docs never drift from the
//! tool. After an intended change of output: `TRYCMD=overwrite cargo test --test it readme`.

#[test]
fn readme_examples_match_the_tool() {
    // The README's `--db-dir` example needs a folder no earlier run left behind.
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/readme");
    if folder.exists() {
        std::fs::remove_dir_all(&folder).expect("target/readme is ours to clear");
    }
    trycmd::TestCases::new()
        .default_bin_name("eslab")
        .env("NO_COLOR", "1")
        .case("README.md");
}
