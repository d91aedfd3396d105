// SPDX-License-Identifier: GPL-2.0

//! The cases' verdicts: a [`Message`] (no allocation), [`Outcome`], and the
//! `msg!`, `check!`, `check_eq!` and `ok!` macros that fail a case naming
//! the file and line.

use core::fmt::{self, Write};

/// Capacity of a [`Message`].
const MESSAGE_LEN: usize = 256;

/// A case's failure reason or note, truncated to [`MESSAGE_LEN`] bytes.
pub(crate) struct Message {
    buf: [u8; MESSAGE_LEN],
    len: usize,
}

impl Message {
    pub(super) fn new(args: fmt::Arguments<'_>) -> Self {
        let mut m = Message {
            buf: [0; MESSAGE_LEN],
            len: 0,
        };
        let _ = m.write_fmt(args);
        m
    }

    /// The text.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl Write for Message {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(MESSAGE_LEN - self.len);
        if let (Some(dst), Some(src)) = (
            self.buf.get_mut(self.len..self.len + n),
            s.as_bytes().get(..n),
        ) {
            dst.copy_from_slice(src);
            self.len += n;
        }
        Ok(())
    }
}

/// The result of a case: passed (with a note, possibly empty) or failed.
pub(crate) type Outcome = core::result::Result<Message, Message>;

/// What the helpers return: a value, or why the case fails.
pub(super) type Checked<T = ()> = core::result::Result<T, Message>;

/// A [`Message`] from format arguments.
macro_rules! msg {
    ($($arg:tt)+) => {
        $crate::kunit::check::Message::new(format_args!($($arg)+))
    };
}

/// Fails the case, naming this line, unless `$cond` holds.
macro_rules! check {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(msg!(
                "{}:{}: {}",
                $crate::kunit::check::file_name(file!()),
                line!(),
                format_args!($($arg)+)
            ));
        }
    };
}

/// Fails the case unless two integers are equal (both shown in hex).
macro_rules! check_eq {
    ($left:expr, $right:expr) => {{
        let (left, right) = ($left, $right);
        check!(
            left == right,
            "{} is {:#x}, expected {:#x}",
            stringify!($left),
            left,
            right
        );
    }};
}

/// The value of a channel-core result; fails the case on an error.
macro_rules! ok {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => {
                let e: $crate::channel::error::Error = e;
                return Err(msg!(
                    "{}:{}: {} failed with {}",
                    $crate::kunit::check::file_name(file!()),
                    line!(),
                    stringify!($e),
                    e.name()
                ));
            }
        }
    };
}

/// The last component of a `file!()` path.
pub(super) fn file_name(path: &'static str) -> &'static str {
    path.rsplit('/').next().unwrap_or(path)
}
