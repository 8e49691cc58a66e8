//! The memory a workload would need, refused before anything is allocated when the machine
//! has not got it; and the peak this process reached.

use std::fs;

use crate::workload::Workload;

/// Memory the bench holds per command of its workload. Peak resident memory grows by about
/// 2.0 KiB per command (measured at 50,000 and 400,000 commands): the commands, their decided
/// events and the log ten times as long that the snapshot phase builds are all in memory at
/// once. A quarter is added for other machines and allocators.
const BYTES_PER_COMMAND: u64 = 2_560;
/// What the bench holds whatever the workload: two 64 MiB page caches and the program.
const BYTES_AT_REST: u64 = 160 << 20;
/// Assumed free where the system does not say (no /proc/meminfo).
const BYTES_ASSUMED_FREE: u64 = 4 << 30;

/// Refuses, before anything is allocated or created, a workload whose estimated memory exceeds
/// what the machine has free: it would otherwise end in an abort on allocation (or the OOM
/// killer) minutes in, with nothing measured.
pub(super) fn check_memory(workload: &Workload) -> anyhow::Result<()> {
    let commands = workload
        .orders
        .saturating_mul(workload.changes.saturating_add(2));
    let needed = commands
        .saturating_mul(BYTES_PER_COMMAND)
        .saturating_add(BYTES_AT_REST);
    let (free, source) = match memory_available() {
        Some(bytes) => (bytes, "available on this machine (MemAvailable)"),
        None => (
            BYTES_ASSUMED_FREE,
            "assumed free (this system does not say)",
        ),
    };
    if needed > free {
        let most = free.saturating_sub(BYTES_AT_REST) / BYTES_PER_COMMAND;
        anyhow::bail!(
            "--orders {} with --changes {} is {commands} commands, which would need about {} \
             of memory (about {:.1} KiB per command: the commands, their events and a log ten \
             times as long are held in memory), more than the {} {source}; use fewer \
             --orders or --changes (at most about {most} commands here)",
            workload.orders,
            workload.changes,
            human_bytes(needed),
            BYTES_PER_COMMAND as f64 / 1024.0,
            human_bytes(free),
        );
    }
    Ok(())
}

/// Memory the kernel says is available for new allocations, from /proc/meminfo.
fn memory_available() -> Option<u64> {
    let meminfo = fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// `bytes` in the largest binary unit that keeps it at or above 1.
fn human_bytes(bytes: u64) -> String {
    let mut value = bytes as f64;
    for unit in ["B", "KiB", "MiB", "GiB", "TiB"] {
        if value < 1024.0 || unit == "TiB" {
            return format!("{value:.1} {unit}");
        }
        value /= 1024.0;
    }
    unreachable!("the loop returns at its last unit")
}

/// Peak resident set size, from /proc/self/status (`VmHWM`), where the OS offers it.
pub(crate) fn peak_rss() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
