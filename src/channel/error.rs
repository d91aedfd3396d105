// SPDX-License-Identifier: GPL-2.0

//! The one error type of the channel core and its errno mapping.
//!
//! Every error the translator, the regions and the state machine can report
//! is a variant here; [`Error::errno`] is the only place that turns it into a
//! number. The kernel layer returns `-errno` from `write()`/`ioctl()` and
//! stores it in the regions' `ret_code` (see [`super::region`]).

/// An error of the channel core, named after its errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// `EPERM` (1): propagated from page pinning or guest-memory access.
    Perm,
    /// `ENOENT` (2): propagated from guest-memory access (iommufd).
    NoEnt,
    /// `EIO` (5): request in a state that cannot take it; quiesce gave up.
    Io,
    /// `E2BIG` (7): propagated from page pinning.
    TooBig,
    /// `EAGAIN` (11): transient; the caller retries.
    Again,
    /// `ENOMEM` (12): out of memory for host CCWs, IDALs or bookkeeping.
    NoMem,
    /// `EACCES` (13): start function got cc 3 but other paths remain.
    Access,
    /// `EFAULT` (14): a TIC target that resolves to no segment; copy failure.
    Fault,
    /// `EBUSY` (16): subchannel or driver busy (cc 1/2, program pending).
    Busy,
    /// `ENODEV` (19): subchannel not operational (cc 3, no path left).
    NoDev,
    /// `EINVAL` (22): bad guest input (chain too long, too many segments,
    /// first-IDAW mismatch, partial pin, bad region offset or command).
    Inval,
    /// `EOVERFLOW` (75): propagated from page pinning (iommufd).
    Overflow,
    /// `EOPNOTSUPP` (95): transport mode, or halt/clear on the I/O region.
    OpNotSupp,
    /// Any other errno (1..=4095) the kernel reported from page pinning or
    /// guest-memory access (`ESRCH`, `EINTR`, `EDEADLK`, `ERESTARTSYS`,
    /// ...), passed on unchanged as the C driver does.
    Other(u16),
}

/// The highest errno the kernel uses (`MAX_ERRNO`).
const MAX_ERRNO: u32 = 4095;

/// The result type of the channel core.
pub type Result<T = ()> = core::result::Result<T, Error>;

impl Error {
    /// The positive errno number of this error.
    pub const fn errno(self) -> i32 {
        match self {
            Error::Perm => 1,
            Error::NoEnt => 2,
            Error::Io => 5,
            Error::TooBig => 7,
            Error::Again => 11,
            Error::NoMem => 12,
            Error::Access => 13,
            Error::Fault => 14,
            Error::Busy => 16,
            Error::NoDev => 19,
            Error::Inval => 22,
            Error::Overflow => 75,
            Error::OpNotSupp => 95,
            Error::Other(n) => n as i32,
        }
    }

    /// Maps an errno number (positive or negative) to an error.
    ///
    /// For the kernel layer's trait implementations, which receive errno
    /// values from `vfio_dma_rw()` and `vfio_pin_pages()`. Another errno
    /// becomes [`Error::Other`]; 0 and numbers beyond `MAX_ERRNO`, which are
    /// not errors, map to [`Error::Inval`].
    pub const fn from_errno(errno: i32) -> Error {
        match errno.unsigned_abs() {
            1 => Error::Perm,
            2 => Error::NoEnt,
            5 => Error::Io,
            7 => Error::TooBig,
            11 => Error::Again,
            12 => Error::NoMem,
            13 => Error::Access,
            14 => Error::Fault,
            16 => Error::Busy,
            19 => Error::NoDev,
            22 => Error::Inval,
            75 => Error::Overflow,
            95 => Error::OpNotSupp,
            n @ 1..=MAX_ERRNO => Error::Other(n as u16),
            _ => Error::Inval,
        }
    }

    /// The errno's symbolic name, e.g. `"EINVAL"`.
    pub const fn name(self) -> &'static str {
        match self {
            Error::Perm => "EPERM",
            Error::NoEnt => "ENOENT",
            Error::Io => "EIO",
            Error::TooBig => "E2BIG",
            Error::Again => "EAGAIN",
            Error::NoMem => "ENOMEM",
            Error::Access => "EACCES",
            Error::Fault => "EFAULT",
            Error::Busy => "EBUSY",
            Error::NoDev => "ENODEV",
            Error::Inval => "EINVAL",
            Error::Overflow => "EOVERFLOW",
            Error::OpNotSupp => "EOPNOTSUPP",
            Error::Other(3) => "ESRCH",
            Error::Other(4) => "EINTR",
            Error::Other(35) => "EDEADLK",
            Error::Other(512) => "ERESTARTSYS",
            Error::Other(_) => "errno",
        }
    }

    /// The value stored in a region's `ret_code` field: `-errno`.
    pub const fn ret_code(self) -> i32 {
        -self.errno()
    }
}
