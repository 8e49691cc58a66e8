//! The README's examples are run and their output checked, so the docs never drift from the
//! tool. After an intended change of output: `TRYCMD=overwrite cargo test --test readme`.

#[test]
fn readme_examples_match_the_tool() {
    trycmd::TestCases::new()
        .default_bin_name("eslab")
        .env("NO_COLOR", "1")
        .case("README.md");
}
