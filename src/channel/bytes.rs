// SPDX-License-Identifier: GPL-2.0

//! Panic-free big-endian access to byte buffers.
//!
//! Architecture structures are always encoded and decoded through these
//! helpers, never through native struct layout. Out-of-range accesses cannot
//! panic: a read past the end yields zero bytes and a write past the end is
//! dropped. Callers use constant offsets inside fixed-size arrays, where the
//! fallback is unreachable (the byte-image tests prove the offsets).

/// Returns the `N` bytes at `off` of `buf`, or zeros if they do not fit.
#[inline]
pub fn get<const N: usize>(buf: &[u8], off: usize) -> [u8; N] {
    match buf.get(off..).and_then(|tail| tail.first_chunk::<N>()) {
        Some(chunk) => *chunk,
        None => [0; N],
    }
}

/// Copies `src` to `off` of `buf` if it fits entirely; does nothing otherwise.
#[inline]
pub fn put(buf: &mut [u8], off: usize, src: &[u8]) {
    let end = match off.checked_add(src.len()) {
        Some(end) => end,
        None => return,
    };
    if let Some(dst) = buf.get_mut(off..end) {
        dst.copy_from_slice(src);
    }
}

/// Reads a big-endian `u16` at `off`.
#[inline]
pub fn be16(buf: &[u8], off: usize) -> u16 {
    u16::from_be_bytes(get(buf, off))
}

/// Reads a big-endian `u32` at `off`.
#[inline]
pub fn be32(buf: &[u8], off: usize) -> u32 {
    u32::from_be_bytes(get(buf, off))
}

/// Reads a big-endian `u64` at `off`.
#[inline]
pub fn be64(buf: &[u8], off: usize) -> u64 {
    u64::from_be_bytes(get(buf, off))
}

/// Writes a big-endian `u16` at `off`.
#[inline]
pub fn put16(buf: &mut [u8], off: usize, value: u16) {
    put(buf, off, &value.to_be_bytes());
}

/// Writes a big-endian `u32` at `off`.
#[inline]
pub fn put32(buf: &mut [u8], off: usize, value: u32) {
    put(buf, off, &value.to_be_bytes());
}

/// Writes a big-endian `u64` at `off`.
#[inline]
pub fn put64(buf: &mut [u8], off: usize, value: u64) {
    put(buf, off, &value.to_be_bytes());
}
