// SPDX-License-Identifier: GPL-2.0
//! What sysfs says about an mdev, and what procfs says about pinned pages.

use std::path::PathBuf;

use crate::errno::Errno;

/// sysfs facts about an mdev.
#[derive(Debug, Clone)]
pub struct MdevInfo {
    pub uuid: String,
    pub sysfs: PathBuf,
    /// The parent subchannel, e.g. `0.0.0001`.
    pub subchannel: String,
    pub group: Option<u32>,
    /// The cdev name (`vfioN`) if VFIO_DEVICE_CDEV is on.
    pub cdev: Option<String>,
}

/// Find the mdev by UUID under /sys/bus/mdev/devices.
pub fn find_mdev(uuid: &str) -> Result<MdevInfo, Errno> {
    let sysfs = PathBuf::from("/sys/bus/mdev/devices").join(uuid);
    let real = std::fs::canonicalize(&sysfs)?;
    let subchannel = real
        .parent()
        .and_then(|p| p.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let group = std::fs::read_link(sysfs.join("iommu_group"))
        .ok()
        .and_then(|p| {
            p.file_name()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse().ok())
        });
    let cdev = std::fs::read_dir(sysfs.join("vfio-dev"))
        .ok()
        .and_then(|mut d| {
            d.find_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        });
    Ok(MdevInfo {
        uuid: uuid.to_string(),
        sysfs,
        subchannel,
        group,
        cdev,
    })
}

/// `VmLck` and `VmPin` of this process in kB (type1 accounts the pages it
/// pins for an mdev as locked memory of the mapping process).
pub fn locked_kb() -> (Option<u64>, Option<u64>) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |k: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    (get("VmLck:"), get("VmPin:"))
}

/// The global FOLL_PIN counters of /proc/vmstat: pages currently pinned
/// with pin_user_pages*() (what vfio_pin_pages() ends in, for type1 and
/// for iommufd alike) = acquired − released.
pub fn pinned_pages() -> Option<i64> {
    // The counters are per-cpu with a lazy fold; stat_refresh folds them now.
    let _ = std::fs::write("/proc/sys/vm/stat_refresh", "1");
    let s = std::fs::read_to_string("/proc/vmstat").ok()?;
    let mut acq = None;
    let mut rel = None;
    for l in s.lines() {
        let mut it = l.split_whitespace();
        match (it.next(), it.next()) {
            (Some("nr_foll_pin_acquired"), Some(v)) => acq = v.parse::<i64>().ok(),
            (Some("nr_foll_pin_released"), Some(v)) => rel = v.parse::<i64>().ok(),
            _ => {}
        }
    }
    Some(acq? - rel?)
}
