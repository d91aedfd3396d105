// SPDX-License-Identifier: GPL-2.0
//! The DMA buffer: anonymous memory the device reads channel programs from
//! and writes data into, mapped at a chosen IOVA.

use crate::errno::Errno;

/// Anonymous memory mapped for DMA.
pub struct DmaBuffer {
    pub ptr: *mut u8,
    pub size: usize,
    pub iova: u64,
}

impl DmaBuffer {
    pub(super) fn new(size: usize, iova: u64) -> Result<DmaBuffer, Errno> {
        // SAFETY: an anonymous private mapping with no address hint; the
        // result is checked against MAP_FAILED.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(Errno::last());
        }
        Ok(DmaBuffer {
            ptr: p as *mut u8,
            size,
            iova,
        })
    }

    /// Whether `[iova, iova+len)` lies inside the buffer; the buffer offset.
    pub fn offset_of(&self, iova: u64, len: usize) -> Option<usize> {
        let off = iova.checked_sub(self.iova)?;
        let end = off.checked_add(len as u64)?;
        (end <= self.size as u64).then_some(off as usize)
    }

    pub fn write(&mut self, off: usize, data: &[u8]) {
        assert!(off + data.len() <= self.size);
        // SAFETY: in bounds (asserted); the mapping lives as long as self.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.add(off), data.len()) };
    }

    pub fn read(&self, off: usize, len: usize) -> Vec<u8> {
        assert!(off + len <= self.size);
        let mut out = vec![0u8; len];
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: in bounds (asserted). Volatile: the channel wrote these
            // bytes behind the compiler's back.
            *b = unsafe { std::ptr::read_volatile(self.ptr.add(off + i)) };
        }
        out
    }

    pub fn clear(&mut self) {
        // SAFETY: the whole mapping, which lives as long as self.
        unsafe { std::ptr::write_bytes(self.ptr, 0, self.size) };
    }
}

impl Drop for DmaBuffer {
    fn drop(&mut self) {
        // SAFETY: unmapping what new() mapped; nothing refers to it after.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.size) };
    }
}
