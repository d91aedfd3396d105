// SPDX-License-Identifier: GPL-2.0
//! Opening a vfio-ccw mdev through a VFIO container (type1 v2) or iommufd,
//! mapping the DMA buffer, and the raw device operations (region read and
//! write, the device ioctls with any `argsz`, eventfds).
//!
//! Structures and constants come from rust-vmm's `vfio-bindings` and
//! `iommufd-bindings`; ioctl numbers from `vmm-sys-util`'s `ioctl_io_nr!`.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use iommufd_bindings::iommufd as iofd;
use vfio_bindings::bindings::vfio as v;
use vmm_sys_util::ioctl_io_nr;

use crate::errno::Errno;

// VFIO ioctls: _IO(VFIO_TYPE, VFIO_BASE + n), include/uapi/linux/vfio.h.
ioctl_io_nr!(VFIO_GET_API_VERSION, v::VFIO_TYPE as u32, v::VFIO_BASE);
ioctl_io_nr!(VFIO_CHECK_EXTENSION, v::VFIO_TYPE as u32, v::VFIO_BASE + 1);
ioctl_io_nr!(VFIO_SET_IOMMU, v::VFIO_TYPE as u32, v::VFIO_BASE + 2);
ioctl_io_nr!(VFIO_GROUP_GET_STATUS, v::VFIO_TYPE as u32, v::VFIO_BASE + 3);
ioctl_io_nr!(
    VFIO_GROUP_SET_CONTAINER,
    v::VFIO_TYPE as u32,
    v::VFIO_BASE + 4
);
ioctl_io_nr!(
    VFIO_GROUP_GET_DEVICE_FD,
    v::VFIO_TYPE as u32,
    v::VFIO_BASE + 6
);
ioctl_io_nr!(VFIO_DEVICE_GET_INFO, v::VFIO_TYPE as u32, v::VFIO_BASE + 7);
ioctl_io_nr!(
    VFIO_DEVICE_GET_REGION_INFO,
    v::VFIO_TYPE as u32,
    v::VFIO_BASE + 8
);
ioctl_io_nr!(
    VFIO_DEVICE_GET_IRQ_INFO,
    v::VFIO_TYPE as u32,
    v::VFIO_BASE + 9
);
ioctl_io_nr!(VFIO_DEVICE_SET_IRQS, v::VFIO_TYPE as u32, v::VFIO_BASE + 10);
ioctl_io_nr!(VFIO_DEVICE_RESET, v::VFIO_TYPE as u32, v::VFIO_BASE + 11);
ioctl_io_nr!(VFIO_IOMMU_MAP_DMA, v::VFIO_TYPE as u32, v::VFIO_BASE + 13);
ioctl_io_nr!(VFIO_IOMMU_UNMAP_DMA, v::VFIO_TYPE as u32, v::VFIO_BASE + 14);
ioctl_io_nr!(
    VFIO_DEVICE_BIND_IOMMUFD,
    v::VFIO_TYPE as u32,
    v::VFIO_BASE + 18
);
ioctl_io_nr!(
    VFIO_DEVICE_ATTACH_IOMMUFD_PT,
    v::VFIO_TYPE as u32,
    v::VFIO_BASE + 19
);
// iommufd ioctls: _IO(IOMMUFD_TYPE, IOMMUFD_CMD_*), include/uapi/linux/iommufd.h.
ioctl_io_nr!(
    IOMMU_IOAS_ALLOC,
    iofd::IOMMUFD_TYPE as u32,
    iofd::IOMMUFD_CMD_IOAS_ALLOC
);
ioctl_io_nr!(
    IOMMU_IOAS_MAP,
    iofd::IOMMUFD_TYPE as u32,
    iofd::IOMMUFD_CMD_IOAS_MAP
);
ioctl_io_nr!(
    IOMMU_IOAS_UNMAP,
    iofd::IOMMUFD_TYPE as u32,
    iofd::IOMMUFD_CMD_IOAS_UNMAP
);

/// The device ioctls `ccwctl ioctl` can issue with a chosen `argsz`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DevIoctl {
    GetInfo,
    GetRegionInfo,
    GetIrqInfo,
    SetIrqs,
    Reset,
}

impl DevIoctl {
    pub fn from_name(s: &str) -> Option<DevIoctl> {
        Some(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "get-info" | "info" => DevIoctl::GetInfo,
            "get-region-info" | "region-info" => DevIoctl::GetRegionInfo,
            "get-irq-info" | "irq-info" => DevIoctl::GetIrqInfo,
            "set-irqs" => DevIoctl::SetIrqs,
            "reset" => DevIoctl::Reset,
            _ => return None,
        })
    }

    pub fn request(self) -> libc::c_ulong {
        match self {
            DevIoctl::GetInfo => VFIO_DEVICE_GET_INFO(),
            DevIoctl::GetRegionInfo => VFIO_DEVICE_GET_REGION_INFO(),
            DevIoctl::GetIrqInfo => VFIO_DEVICE_GET_IRQ_INFO(),
            DevIoctl::SetIrqs => VFIO_DEVICE_SET_IRQS(),
            DevIoctl::Reset => VFIO_DEVICE_RESET(),
        }
    }

    /// The size of the structure (without flexible data) and the `minsz`
    /// the kernel checks, for reference in the output.
    pub fn natural_size(self) -> usize {
        match self {
            DevIoctl::GetInfo => std::mem::size_of::<v::vfio_device_info>(),
            DevIoctl::GetRegionInfo => std::mem::size_of::<v::vfio_region_info>(),
            DevIoctl::GetIrqInfo => std::mem::size_of::<v::vfio_irq_info>(),
            DevIoctl::SetIrqs => std::mem::size_of::<v::vfio_irq_set>(),
            DevIoctl::Reset => 0,
        }
    }
}

/// How the DMA buffer is made visible to the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// /dev/vfio/vfio container with VFIO_TYPE1v2_IOMMU and the mdev's group.
    Container,
    /// /dev/iommu with an IOAS and the device cdev /dev/vfio/devices/vfioN.
    Iommufd,
}

fn last_errno() -> Errno {
    Errno::last()
}

fn cvt(r: libc::c_int) -> Result<libc::c_int, Errno> {
    if r < 0 {
        Err(last_errno())
    } else {
        Ok(r)
    }
}

fn open_rw(path: &Path) -> Result<File, Errno> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| Errno::from_io(&e))
}

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
    let real = std::fs::canonicalize(&sysfs).map_err(|e| Errno::from_io(&e))?;
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

/// Anonymous memory mapped for DMA.
pub struct DmaBuffer {
    pub ptr: *mut u8,
    pub size: usize,
    pub iova: u64,
}

impl DmaBuffer {
    fn new(size: usize, iova: u64) -> Result<DmaBuffer, Errno> {
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
            return Err(last_errno());
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
        // SAFETY: the whole mapping.
        unsafe { std::ptr::write_bytes(self.ptr, 0, self.size) };
    }
}

impl Drop for DmaBuffer {
    fn drop(&mut self) {
        // SAFETY: unmapping what new() mapped.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.size) };
    }
}

/// An open vfio-ccw device with its DMA buffer.
pub struct Device {
    pub backend: Backend,
    pub mdev: MdevInfo,
    // Drop order: device first, then group/container or iommufd.
    pub device: File,
    /// Held open: closing the group fd detaches it from the container.
    #[allow(dead_code)]
    group: Option<File>,
    container: Option<File>,
    iommufd: Option<File>,
    ioas_id: u32,
    pub buf: DmaBuffer,
    /// eventfds registered per IRQ index, so they can be cleared on close.
    pub eventfds: [Option<OwnedFd>; 3],
    /// Whether to set every registered trigger back to -1 before closing.
    pub clear_irqs_on_close: bool,
}

impl Device {
    /// Open the mdev and map `size` bytes at `iova`.
    pub fn open(uuid: &str, backend: Backend, iova: u64, size: usize) -> Result<Device, Errno> {
        let mdev = find_mdev(uuid)?;
        let mut buf = DmaBuffer::new(size, iova)?;
        buf.clear();
        match backend {
            Backend::Container => {
                let group_nr = mdev.group.ok_or(Errno(libc::ENODEV))?;
                let container = open_rw(Path::new("/dev/vfio/vfio"))?;
                // SAFETY: argument-less ioctls on our own fd.
                let api =
                    cvt(unsafe { libc::ioctl(container.as_raw_fd(), VFIO_GET_API_VERSION()) })?;
                if api != v::VFIO_API_VERSION as i32 {
                    return Err(Errno(libc::EPROTO));
                }
                // SAFETY: as above, value argument.
                let ok = cvt(unsafe {
                    libc::ioctl(
                        container.as_raw_fd(),
                        VFIO_CHECK_EXTENSION(),
                        v::VFIO_TYPE1v2_IOMMU as libc::c_ulong,
                    )
                })?;
                if ok != 1 {
                    eprintln!(
                        "ccwctl: no type1 v2 IOMMU in the container (modprobe vfio_iommu_type1?)"
                    );
                    return Err(Errno(libc::ENOTSUP));
                }
                let group = open_rw(&PathBuf::from(format!("/dev/vfio/{group_nr}")))?;
                let mut st = v::vfio_group_status {
                    argsz: std::mem::size_of::<v::vfio_group_status>() as u32,
                    flags: 0,
                };
                // SAFETY: st is a valid vfio_group_status.
                cvt(unsafe { libc::ioctl(group.as_raw_fd(), VFIO_GROUP_GET_STATUS(), &mut st) })?;
                if st.flags & v::VFIO_GROUP_FLAGS_VIABLE == 0 {
                    return Err(Errno(libc::EBUSY));
                }
                let cfd: RawFd = container.as_raw_fd();
                // SAFETY: the argument is a pointer to an int fd.
                cvt(unsafe { libc::ioctl(group.as_raw_fd(), VFIO_GROUP_SET_CONTAINER(), &cfd) })?;
                // SAFETY: value argument.
                cvt(unsafe {
                    libc::ioctl(
                        container.as_raw_fd(),
                        VFIO_SET_IOMMU(),
                        v::VFIO_TYPE1v2_IOMMU as libc::c_ulong,
                    )
                })?;
                let map = v::vfio_iommu_type1_dma_map {
                    argsz: std::mem::size_of::<v::vfio_iommu_type1_dma_map>() as u32,
                    flags: v::VFIO_DMA_MAP_FLAG_READ | v::VFIO_DMA_MAP_FLAG_WRITE,
                    vaddr: buf.ptr as u64,
                    iova,
                    size: size as u64,
                };
                // SAFETY: map is a valid vfio_iommu_type1_dma_map.
                cvt(unsafe { libc::ioctl(container.as_raw_fd(), VFIO_IOMMU_MAP_DMA(), &map) })?;
                let name = CString::new(uuid).map_err(|_| Errno(libc::EINVAL))?;
                // SAFETY: the argument is a NUL-terminated device name.
                let dfd = cvt(unsafe {
                    libc::ioctl(group.as_raw_fd(), VFIO_GROUP_GET_DEVICE_FD(), name.as_ptr())
                })?;
                // SAFETY: the ioctl returned a new fd that we own.
                let device = unsafe { File::from_raw_fd(dfd) };
                Ok(Device {
                    backend,
                    mdev,
                    device,
                    group: Some(group),
                    container: Some(container),
                    iommufd: None,
                    ioas_id: 0,
                    buf,
                    eventfds: [None, None, None],
                    clear_irqs_on_close: true,
                })
            }
            Backend::Iommufd => {
                let cdev = mdev.cdev.clone().ok_or(Errno(libc::ENODEV))?;
                let iommufd = open_rw(Path::new("/dev/iommu"))?;
                let mut alloc = iofd::iommu_ioas_alloc {
                    size: std::mem::size_of::<iofd::iommu_ioas_alloc>() as u32,
                    flags: 0,
                    out_ioas_id: 0,
                };
                // SAFETY: alloc is a valid iommu_ioas_alloc.
                cvt(unsafe { libc::ioctl(iommufd.as_raw_fd(), IOMMU_IOAS_ALLOC(), &mut alloc) })?;
                let device = open_rw(&PathBuf::from("/dev/vfio/devices").join(&cdev))?;
                let mut bind = v::vfio_device_bind_iommufd {
                    argsz: std::mem::size_of::<v::vfio_device_bind_iommufd>() as u32,
                    flags: 0,
                    iommufd: iommufd.as_raw_fd(),
                    out_devid: 0,
                    token_uuid_ptr: 0,
                };
                // SAFETY: bind is a valid vfio_device_bind_iommufd.
                cvt(unsafe {
                    libc::ioctl(device.as_raw_fd(), VFIO_DEVICE_BIND_IOMMUFD(), &mut bind)
                })?;
                let mut attach = v::vfio_device_attach_iommufd_pt {
                    argsz: std::mem::size_of::<v::vfio_device_attach_iommufd_pt>() as u32,
                    flags: 0,
                    pt_id: alloc.out_ioas_id,
                    pasid: 0,
                };
                // 6.12's struct ends at pt_id; a larger argsz needs zero flags only.
                // SAFETY: attach is a valid vfio_device_attach_iommufd_pt.
                cvt(unsafe {
                    libc::ioctl(
                        device.as_raw_fd(),
                        VFIO_DEVICE_ATTACH_IOMMUFD_PT(),
                        &mut attach,
                    )
                })?;
                let mut map = iofd::iommu_ioas_map {
                    size: std::mem::size_of::<iofd::iommu_ioas_map>() as u32,
                    flags: iofd::iommufd_ioas_map_flags_IOMMU_IOAS_MAP_FIXED_IOVA
                        | iofd::iommufd_ioas_map_flags_IOMMU_IOAS_MAP_READABLE
                        | iofd::iommufd_ioas_map_flags_IOMMU_IOAS_MAP_WRITEABLE,
                    ioas_id: alloc.out_ioas_id,
                    __reserved: 0,
                    user_va: buf.ptr as u64,
                    length: size as u64,
                    iova,
                };
                // SAFETY: map is a valid iommu_ioas_map.
                cvt(unsafe { libc::ioctl(iommufd.as_raw_fd(), IOMMU_IOAS_MAP(), &mut map) })?;
                Ok(Device {
                    backend,
                    mdev,
                    device,
                    group: None,
                    container: None,
                    iommufd: Some(iommufd),
                    ioas_id: alloc.out_ioas_id,
                    buf,
                    eventfds: [None, None, None],
                    clear_irqs_on_close: true,
                })
            }
        }
    }

    /// Remove the DMA mapping (the driver's dma_unmap callback runs).
    pub fn unmap(&mut self, iova: u64, size: u64) -> Result<(), Errno> {
        if let Some(c) = &self.container {
            let mut um = v::vfio_iommu_type1_dma_unmap {
                argsz: std::mem::size_of::<v::vfio_iommu_type1_dma_unmap>() as u32,
                flags: 0,
                iova,
                size,
                ..Default::default()
            };
            // SAFETY: um is a valid vfio_iommu_type1_dma_unmap.
            cvt(unsafe { libc::ioctl(c.as_raw_fd(), VFIO_IOMMU_UNMAP_DMA(), &mut um) })?;
        } else if let Some(f) = &self.iommufd {
            let mut um = iofd::iommu_ioas_unmap {
                size: std::mem::size_of::<iofd::iommu_ioas_unmap>() as u32,
                ioas_id: self.ioas_id,
                iova,
                length: size,
            };
            // SAFETY: um is a valid iommu_ioas_unmap.
            cvt(unsafe { libc::ioctl(f.as_raw_fd(), IOMMU_IOAS_UNMAP(), &mut um) })?;
        }
        Ok(())
    }

    pub fn pread(&self, offset: u64, len: usize) -> Result<Vec<u8>, Errno> {
        let mut out = vec![0u8; len];
        let n = self
            .device
            .read_at(&mut out, offset)
            .map_err(|e| Errno::from_io(&e))?;
        out.truncate(n);
        Ok(out)
    }

    /// pwrite(2) once; returns the byte count the kernel reported.
    pub fn pwrite(&self, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        self.device
            .write_at(data, offset)
            .map_err(|e| Errno::from_io(&e))
    }

    /// A raw device ioctl: `buf` is the argument block, its first u32 is
    /// argsz. Returns the ioctl's return value.
    pub fn raw_ioctl(&self, req: libc::c_ulong, buf: &mut [u8]) -> Result<i32, Errno> {
        let arg = if buf.is_empty() {
            std::ptr::null_mut()
        } else {
            buf.as_mut_ptr()
        };
        // SAFETY: buf is at least as large as the structure the kernel may
        // read or write for the given argsz (the caller sizes it).
        cvt(unsafe { libc::ioctl(self.device.as_raw_fd(), req, arg) })
    }

    pub fn device_info(&self) -> Result<v::vfio_device_info, Errno> {
        let mut i = v::vfio_device_info {
            argsz: std::mem::size_of::<v::vfio_device_info>() as u32,
            ..Default::default()
        };
        // SAFETY: i is a valid vfio_device_info.
        cvt(unsafe { libc::ioctl(self.device.as_raw_fd(), VFIO_DEVICE_GET_INFO(), &mut i) })?;
        Ok(i)
    }

    /// GET_REGION_INFO with the capability chain: returns the info and the
    /// raw bytes following it (the caps), fetched with a second call when
    /// the kernel asks for a larger argsz.
    pub fn region_info(&self, index: u32) -> Result<(v::vfio_region_info, Vec<u8>), Errno> {
        let base = std::mem::size_of::<v::vfio_region_info>();
        let mut argsz = base;
        for _ in 0..2 {
            let mut buf = vec![0u8; argsz.max(base)];
            buf[0..4].copy_from_slice(&(argsz as u32).to_ne_bytes());
            buf[8..12].copy_from_slice(&index.to_ne_bytes());
            self.raw_ioctl(VFIO_DEVICE_GET_REGION_INFO(), &mut buf)?;
            // SAFETY: buf holds at least one vfio_region_info (plain data).
            let info: v::vfio_region_info =
                unsafe { std::ptr::read_unaligned(buf.as_ptr() as *const _) };
            if (info.argsz as usize) > argsz {
                argsz = info.argsz as usize;
                continue;
            }
            return Ok((info, buf));
        }
        Err(Errno(libc::EOVERFLOW))
    }

    pub fn irq_info(&self, index: u32) -> Result<v::vfio_irq_info, Errno> {
        let mut i = v::vfio_irq_info {
            argsz: std::mem::size_of::<v::vfio_irq_info>() as u32,
            index,
            ..Default::default()
        };
        // SAFETY: i is a valid vfio_irq_info.
        cvt(unsafe { libc::ioctl(self.device.as_raw_fd(), VFIO_DEVICE_GET_IRQ_INFO(), &mut i) })?;
        Ok(i)
    }

    /// SET_IRQS with ACTION_TRIGGER|DATA_EVENTFD for one index.
    pub fn set_irq_eventfd(&self, index: u32, fd: i32) -> Result<(), Errno> {
        let mut buf = vec![0u8; 24];
        let hdr = [
            24u32,
            v::VFIO_IRQ_SET_ACTION_TRIGGER | v::VFIO_IRQ_SET_DATA_EVENTFD,
            index,
            0,
            1,
        ];
        for (i, w) in hdr.iter().enumerate() {
            buf[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
        }
        buf[20..24].copy_from_slice(&fd.to_ne_bytes());
        self.raw_ioctl(VFIO_DEVICE_SET_IRQS(), &mut buf).map(|_| ())
    }

    /// Create an eventfd and register it as the trigger of `index`.
    pub fn register_eventfd(&mut self, index: u32) -> Result<(), Errno> {
        // SAFETY: plain syscall.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: a new fd we own.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        self.set_irq_eventfd(index, fd)?;
        self.eventfds[index as usize] = Some(owned);
        Ok(())
    }

    /// Wait until the eventfd of `index` is signalled or `timeout_ms`
    /// passes; returns the counter value read (how many signals).
    pub fn wait_eventfd(&self, index: u32, timeout_ms: i32) -> Result<u64, Errno> {
        let fd = self.eventfds[index as usize]
            .as_ref()
            .ok_or(Errno(libc::EBADF))?
            .as_raw_fd();
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        loop {
            // SAFETY: one valid pollfd.
            let r = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
            if r < 0 {
                let e = last_errno();
                if e.0 == libc::EINTR {
                    continue;
                }
                return Err(e);
            }
            if r == 0 {
                return Err(Errno(libc::ETIMEDOUT));
            }
            break;
        }
        let mut cnt = 0u64;
        // SAFETY: reading 8 bytes into a u64.
        let n = unsafe { libc::read(fd, &mut cnt as *mut u64 as *mut libc::c_void, 8) };
        if n != 8 {
            return Err(last_errno());
        }
        Ok(cnt)
    }

    /// Read the eventfd counter without waiting (0 if not signalled).
    pub fn drain_eventfd(&self, index: u32) -> u64 {
        let Some(fd) = self.eventfds[index as usize].as_ref() else {
            return 0;
        };
        let mut cnt = 0u64;
        // SAFETY: reading 8 bytes into a u64 from a non-blocking eventfd.
        let n = unsafe { libc::read(fd.as_raw_fd(), &mut cnt as *mut u64 as *mut libc::c_void, 8) };
        if n == 8 {
            cnt
        } else {
            0
        }
    }

    /// Find a device-specific region by VFIO_REGION_INFO_CAP_TYPE.
    pub fn find_region(
        &self,
        ty: u32,
        subtype: u32,
    ) -> Result<Option<(u32, v::vfio_region_info)>, Errno> {
        let info = self.device_info()?;
        for idx in 0..info.num_regions {
            let (ri, buf) = self.region_info(idx)?;
            for cap in parse_caps(&buf, ri.cap_offset) {
                if cap.id as u32 == v::VFIO_REGION_INFO_CAP_TYPE && cap.body.len() >= 8 {
                    let t = u32::from_ne_bytes(cap.body[0..4].try_into().unwrap());
                    let s = u32::from_ne_bytes(cap.body[4..8].try_into().unwrap());
                    if t == ty && s == subtype {
                        return Ok(Some((idx, ri)));
                    }
                }
            }
        }
        Ok(None)
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        if self.clear_irqs_on_close {
            for idx in 0..3 {
                if self.eventfds[idx].is_some() {
                    let _ = self.set_irq_eventfd(idx as u32, -1);
                }
            }
        }
    }
}

/// One capability of a vfio info chain.
#[derive(Debug, Clone)]
pub struct Cap {
    pub offset: u32,
    pub id: u16,
    pub version: u16,
    pub body: Vec<u8>,
}

/// Walk a capability chain in `buf` starting at `first` (0 = none). Stops
/// at a loop or at a header outside `buf`.
pub fn parse_caps(buf: &[u8], first: u32) -> Vec<Cap> {
    let mut out = Vec::new();
    let mut off = first as usize;
    let mut seen = 0;
    while off != 0 && off + 8 <= buf.len() && seen < 64 {
        let id = u16::from_ne_bytes([buf[off], buf[off + 1]]);
        let version = u16::from_ne_bytes([buf[off + 2], buf[off + 3]]);
        let next = u32::from_ne_bytes(buf[off + 4..off + 8].try_into().unwrap()) as usize;
        let end = if next > off && next <= buf.len() {
            next
        } else {
            buf.len()
        };
        let body = if id as u32 == v::VFIO_REGION_INFO_CAP_TYPE {
            buf[off + 8..(off + 16).min(buf.len())].to_vec()
        } else {
            buf[off + 8..end].to_vec()
        };
        out.push(Cap {
            offset: off as u32,
            id,
            version,
            body,
        });
        if next <= off {
            break;
        }
        off = next;
        seen += 1;
    }
    out
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
