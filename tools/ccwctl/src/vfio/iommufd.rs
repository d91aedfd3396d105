// SPDX-License-Identifier: GPL-2.0
//! The iommufd way in: `/dev/iommu` with an IOAS (through the
//! `iommufd-ioctls` crate), the device cdev `/dev/vfio/devices/vfioN` bound
//! to it and attached to the IOAS.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use iommufd_bindings::iommufd as iofd;
use iommufd_ioctls::{IommuFd, IommufdError, IommufdIoas};
use vfio_bindings::bindings::vfio as v;
use vmm_sys_util::ioctl::ioctl_with_mut_ref;

use super::device::open_rw;
use super::dma::DmaBuffer;
use super::ioctls::*;
use super::sysfs::MdevInfo;
use crate::errno::Errno;

/// An IOAS with the buffer mapped and the device attached to it.
pub(super) struct Iommufd {
    // Drop order: the IOAS (destroyed) before the iommufd (closed).
    ioas: IommufdIoas,
    _fd: Arc<IommuFd>,
}

/// The errno behind an iommufd-ioctls error.
fn errno(e: IommufdError) -> Errno {
    match e {
        IommufdError::OpenIommufd(e) | IommufdError::AttachHwpt(e) => Errno::from_io(&e),
        IommufdError::IommuDestroy(e)
        | IommufdError::IommuIoasAlloc(e)
        | IommufdError::IommuIoasMap(e)
        | IommufdError::IommuIoasMapFile(e)
        | IommufdError::IommuIoasUnmap(e) => e.into(),
        _ => Errno(libc::EIO),
    }
}

impl Iommufd {
    /// Allocate an IOAS, open, bind and attach the device, map `buf`;
    /// returns the IOAS and the device fd.
    pub(super) fn open(mdev: &MdevInfo, buf: &DmaBuffer) -> Result<(Iommufd, File), Errno> {
        let cdev = mdev.cdev.clone().ok_or(Errno(libc::ENODEV))?;
        let fd = Arc::new(IommuFd::new().map_err(errno)?);
        let ioas = IommufdIoas::new(fd.clone()).map_err(errno)?;
        let device = open_rw(&Path::new("/dev/vfio/devices").join(&cdev))?;
        let mut bind = v::vfio_device_bind_iommufd {
            argsz: std::mem::size_of::<v::vfio_device_bind_iommufd>() as u32,
            flags: 0,
            iommufd: std::os::fd::AsRawFd::as_raw_fd(&*fd),
            out_devid: 0,
            token_uuid_ptr: 0,
        };
        // SAFETY: `bind` is a vfio_device_bind_iommufd with its argsz; the
        // kernel writes out_devid.
        check(unsafe { ioctl_with_mut_ref(&device, VFIO_DEVICE_BIND_IOMMUFD(), &mut bind) })?;
        let mut attach = v::vfio_device_attach_iommufd_pt {
            argsz: std::mem::size_of::<v::vfio_device_attach_iommufd_pt>() as u32,
            flags: 0,
            pt_id: ioas.id(),
            pasid: 0,
        };
        // 6.12's struct ends at pt_id; a larger argsz needs zero flags only.
        // SAFETY: `attach` is a vfio_device_attach_iommufd_pt with its
        // argsz; the kernel writes pt_id back.
        check(unsafe {
            ioctl_with_mut_ref(&device, VFIO_DEVICE_ATTACH_IOMMUFD_PT(), &mut attach)
        })?;
        let map = iofd::iommu_ioas_map {
            size: std::mem::size_of::<iofd::iommu_ioas_map>() as u32,
            flags: iofd::iommufd_ioas_map_flags_IOMMU_IOAS_MAP_FIXED_IOVA
                | iofd::iommufd_ioas_map_flags_IOMMU_IOAS_MAP_READABLE
                | iofd::iommufd_ioas_map_flags_IOMMU_IOAS_MAP_WRITEABLE,
            ioas_id: ioas.id(),
            __reserved: 0,
            user_va: buf.ptr as u64,
            length: buf.size as u64,
            iova: buf.iova,
        };
        fd.map_iommu_ioas(&map).map_err(errno)?;
        Ok((Iommufd { ioas, _fd: fd }, device))
    }

    /// Remove a DMA mapping (the driver's dma_unmap callback runs).
    pub(super) fn unmap(&self, iova: u64, size: u64) -> Result<(), Errno> {
        self.ioas.unmap(iova, size).map_err(errno)
    }
}
