// SPDX-License-Identifier: GPL-2.0
//! errno values by name, so that scripts can say `--expect EBUSY` and the
//! output says `EBUSY` rather than a number that differs between
//! architectures.

/// A positive errno value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} ({})", self.name(), std::io::Error::from_raw_os_error(self.0))]
pub struct Errno(pub i32);

const NAMES: &[(&str, i32)] = &[
    ("EPERM", libc::EPERM),
    ("ENOENT", libc::ENOENT),
    ("ESRCH", libc::ESRCH),
    ("EINTR", libc::EINTR),
    ("EIO", libc::EIO),
    ("ENXIO", libc::ENXIO),
    ("E2BIG", libc::E2BIG),
    ("EBADF", libc::EBADF),
    ("EAGAIN", libc::EAGAIN),
    ("ENOMEM", libc::ENOMEM),
    ("EACCES", libc::EACCES),
    ("EFAULT", libc::EFAULT),
    ("EBUSY", libc::EBUSY),
    ("EEXIST", libc::EEXIST),
    ("ENODEV", libc::ENODEV),
    ("EINVAL", libc::EINVAL),
    ("ENOSPC", libc::ENOSPC),
    ("ESPIPE", libc::ESPIPE),
    ("ERANGE", libc::ERANGE),
    ("ENOTTY", libc::ENOTTY),
    ("ENOSYS", libc::ENOSYS),
    ("EPROTO", libc::EPROTO),
    ("EOVERFLOW", libc::EOVERFLOW),
    ("EOPNOTSUPP", libc::EOPNOTSUPP),
    ("ETIMEDOUT", libc::ETIMEDOUT),
    ("ECANCELED", libc::ECANCELED),
];

impl Errno {
    pub fn last() -> Errno {
        Errno(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }

    pub fn from_io(e: &std::io::Error) -> Errno {
        Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }

    /// `EBUSY`, or `E<n>` for a value without a name here.
    pub fn name(self) -> String {
        NAMES
            .iter()
            .find(|(_, v)| *v == self.0)
            .map(|(n, _)| n.to_string())
            .unwrap_or_else(|| format!("E{}", self.0))
    }

    /// Parse `EBUSY`, `busy`, `16`, `-16`; `0`/`OK` is not an errno (None).
    pub fn parse(s: &str) -> Option<Errno> {
        let up = s.to_ascii_uppercase();
        if let Some((_, v)) = NAMES.iter().find(|(n, _)| *n == up || n[1..] == up) {
            return Some(Errno(*v));
        }
        let n: i32 = s.trim_start_matches('-').parse().ok()?;
        (n > 0).then_some(Errno(n))
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Errno {
        Errno::from_io(&e)
    }
}

impl From<vmm_sys_util::errno::Error> for Errno {
    fn from(e: vmm_sys_util::errno::Error) -> Errno {
        Errno(e.errno())
    }
}
