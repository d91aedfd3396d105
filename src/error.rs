// SPDX-License-Identifier: GPL-2.0

//! The one conversion between the channel core's error
//! ([`crate::channel::error::Error`], plain `core` Rust, also built on the
//! host) and the kernel's [`kernel::error::Error`]: both carry an errno, and
//! the number is kept either way, so `?` crosses the boundary in both
//! directions.

use kernel::error::Error;

use crate::channel::error::Error as CioError;

/// A kernel error as a channel-core error (same errno; one the core does not
/// name becomes `EINVAL`, see [`CioError::from_errno`]).
impl From<Error> for CioError {
    fn from(e: Error) -> Self {
        CioError::from_errno(e.to_errno())
    }
}

/// A channel-core error as a kernel error (same errno).
impl From<CioError> for Error {
    fn from(e: CioError) -> Self {
        Error::from_errno(-e.errno())
    }
}
