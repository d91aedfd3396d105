// SPDX-License-Identifier: GPL-2.0
//! The legacy way in: a VFIO container (`/dev/vfio/vfio`) with
//! VFIO_TYPE1v2_IOMMU, the mdev's group, the device fd from the group.

use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::path::Path;

use vfio_bindings::bindings::vfio as v;
use vmm_sys_util::ioctl::{
    ioctl, ioctl_with_mut_ref, ioctl_with_ptr, ioctl_with_ref, ioctl_with_val,
};

use super::device::open_rw;
use super::dma::DmaBuffer;
use super::ioctls::*;
use super::sysfs::MdevInfo;
use crate::errno::Errno;

/// An open container with the mdev's group attached and the buffer mapped.
pub(super) struct Container {
    // Drop order: the group first (closing it detaches it from the container).
    _group: File,
    container: File,
}

impl Container {
    /// Set the container up, map `buf` and open the device; returns the
    /// container and the device fd.
    pub(super) fn open(mdev: &MdevInfo, buf: &DmaBuffer) -> Result<(Container, File), Errno> {
        let group_nr = mdev.group.ok_or(Errno(libc::ENODEV))?;
        let container = open_rw(Path::new("/dev/vfio/vfio"))?;
        // SAFETY: an ioctl without argument on our own fd.
        let api = check(unsafe { ioctl(&container, VFIO_GET_API_VERSION()) })?;
        if api != v::VFIO_API_VERSION as i32 {
            return Err(Errno(libc::EPROTO));
        }
        let type1v2 = v::VFIO_TYPE1v2_IOMMU as libc::c_ulong;
        // SAFETY: the argument is a value, not a pointer.
        let ok = check(unsafe { ioctl_with_val(&container, VFIO_CHECK_EXTENSION(), type1v2) })?;
        if ok != 1 {
            eprintln!("ccwctl: no type1 v2 IOMMU in the container (modprobe vfio_iommu_type1?)");
            return Err(Errno(libc::ENOTSUP));
        }
        let group = open_rw(Path::new(&format!("/dev/vfio/{group_nr}")))?;
        let mut st = v::vfio_group_status {
            argsz: std::mem::size_of::<v::vfio_group_status>() as u32,
            flags: 0,
        };
        // SAFETY: `st` is a vfio_group_status with its argsz, which the
        // kernel fills in.
        check(unsafe { ioctl_with_mut_ref(&group, VFIO_GROUP_GET_STATUS(), &mut st) })?;
        if st.flags & v::VFIO_GROUP_FLAGS_VIABLE == 0 {
            return Err(Errno(libc::EBUSY));
        }
        let cfd: RawFd = container.as_raw_fd();
        // SAFETY: the kernel reads the int fd `cfd` points to.
        check(unsafe { ioctl_with_ref(&group, VFIO_GROUP_SET_CONTAINER(), &cfd) })?;
        // SAFETY: the argument is a value, not a pointer.
        check(unsafe { ioctl_with_val(&container, VFIO_SET_IOMMU(), type1v2) })?;
        let map = v::vfio_iommu_type1_dma_map {
            argsz: std::mem::size_of::<v::vfio_iommu_type1_dma_map>() as u32,
            flags: v::VFIO_DMA_MAP_FLAG_READ | v::VFIO_DMA_MAP_FLAG_WRITE,
            vaddr: buf.ptr as u64,
            iova: buf.iova,
            size: buf.size as u64,
        };
        // SAFETY: the kernel reads `map`, a vfio_iommu_type1_dma_map with
        // its argsz; the memory it maps outlives the mapping (the Device
        // drops the container before the buffer).
        check(unsafe { ioctl_with_ref(&container, VFIO_IOMMU_MAP_DMA(), &map) })?;
        let name = CString::new(mdev.uuid.as_str()).map_err(|_| Errno(libc::EINVAL))?;
        // SAFETY: the kernel reads the NUL-terminated device name.
        let dfd =
            check(unsafe { ioctl_with_ptr(&group, VFIO_GROUP_GET_DEVICE_FD(), name.as_ptr()) })?;
        // SAFETY: the ioctl returned a new fd that nothing else owns.
        let device = unsafe { File::from_raw_fd(dfd) };
        Ok((
            Container {
                _group: group,
                container,
            },
            device,
        ))
    }

    /// Remove a DMA mapping (the driver's dma_unmap callback runs).
    pub(super) fn unmap(&self, iova: u64, size: u64) -> Result<(), Errno> {
        let mut um = v::vfio_iommu_type1_dma_unmap {
            argsz: std::mem::size_of::<v::vfio_iommu_type1_dma_unmap>() as u32,
            flags: 0,
            iova,
            size,
            ..Default::default()
        };
        // SAFETY: `um` is a vfio_iommu_type1_dma_unmap with its argsz; the
        // kernel writes the unmapped size back into it.
        check(unsafe { ioctl_with_mut_ref(&self.container, VFIO_IOMMU_UNMAP_DMA(), &mut um) })?;
        Ok(())
    }
}
