//! Running scenarios in process, through the library, and the settings of the property tests
//! that do.

use eslab::Backend;
use eslab::Trace;
use eslab::{LoadedScenario, Scenario};
use eslab::{Services, StorageOptions};
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};

/// `cases` cases. A failing case's seed is kept beside its test file
/// (`tests/it/NAME.proptest-regressions`), to be committed: every later run tries it first, so a
/// failure found once is never lost to a lucky draw. This is where proptest's default puts
/// it for integration tests (no lib.rs above tests/it/), named here so that it says so instead
/// of warning.
pub fn proptest_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

/// Runs a scenario, loaded as `name`, on both designs in `storage` (in memory by default),
/// as `eslab run` does. Returns the trace and the services, still open.
pub fn run_both_designs(
    name: &str,
    scenario: Scenario,
    storage: &StorageOptions,
) -> anyhow::Result<(Trace, Services)> {
    let loaded = LoadedScenario {
        name: name.into(),
        scenario,
    };
    let mut services = Services::open(
        &[Backend::Crud, Backend::Es],
        storage,
        loaded.scenario.first_event_id,
    )?;
    let trace = eslab::run_scenario(&loaded, &mut services)?;
    Ok((trace, services))
}
