// SPDX-License-Identifier: GPL-2.0
//! An open vfio-ccw device with its DMA buffer: region access, the device
//! ioctls, the eventfds of its interrupts.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Duration;

use vfio_bindings::bindings::vfio as v;
use vmm_sys_util::eventfd::{EventFd, EFD_CLOEXEC, EFD_NONBLOCK};
use vmm_sys_util::ioctl::ioctl_with_mut_ref;
use vmm_sys_util::poll::PollContext;

use super::caps::parse_caps;
use super::container::Container;
use super::dma::DmaBuffer;
use super::ioctls::*;
use super::iommufd::Iommufd;
use super::sysfs::{find_mdev, MdevInfo};
use crate::errno::Errno;

/// How the DMA buffer is made visible to the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// /dev/vfio/vfio container with VFIO_TYPE1v2_IOMMU and the mdev's group.
    Container,
    /// /dev/iommu with an IOAS and the device cdev /dev/vfio/devices/vfioN.
    Iommufd,
}

/// The IOMMU side of an open device.
enum Iommu {
    Container(Container),
    Iommufd(Iommufd),
}

pub(super) fn open_rw(path: &Path) -> Result<File, Errno> {
    Ok(OpenOptions::new().read(true).write(true).open(path)?)
}

/// The number of IRQ indexes of a vfio-ccw device (I/O, CRW, request).
const NR_IRQS: usize = 3;

/// An open vfio-ccw device with its DMA buffer.
pub struct Device {
    pub backend: Backend,
    pub mdev: MdevInfo,
    // Drop order: device first, then the container or iommufd, then the
    // buffer they mapped.
    pub device: File,
    iommu: Iommu,
    pub buf: DmaBuffer,
    /// eventfds registered per IRQ index, so they can be cleared on close.
    pub eventfds: [Option<EventFd>; NR_IRQS],
    /// Whether to set every registered trigger back to -1 before closing.
    pub clear_irqs_on_close: bool,
}

impl Device {
    /// Open the mdev and map `size` bytes at `iova`.
    pub fn open(uuid: &str, backend: Backend, iova: u64, size: usize) -> Result<Device, Errno> {
        let mdev = find_mdev(uuid)?;
        let mut buf = DmaBuffer::new(size, iova)?;
        buf.clear();
        let (iommu, device) = match backend {
            Backend::Container => {
                let (c, d) = Container::open(&mdev, &buf)?;
                (Iommu::Container(c), d)
            }
            Backend::Iommufd => {
                let (i, d) = Iommufd::open(&mdev, &buf)?;
                (Iommu::Iommufd(i), d)
            }
        };
        Ok(Device {
            backend,
            mdev,
            device,
            iommu,
            buf,
            eventfds: [None, None, None],
            clear_irqs_on_close: true,
        })
    }

    /// Remove the DMA mapping (the driver's dma_unmap callback runs).
    pub fn unmap(&self, iova: u64, size: u64) -> Result<(), Errno> {
        match &self.iommu {
            Iommu::Container(c) => c.unmap(iova, size),
            Iommu::Iommufd(i) => i.unmap(iova, size),
        }
    }

    pub fn pread(&self, offset: u64, len: usize) -> Result<Vec<u8>, Errno> {
        let mut out = vec![0u8; len];
        let n = self.device.read_at(&mut out, offset)?;
        out.truncate(n);
        Ok(out)
    }

    /// pwrite(2) once; returns the byte count the kernel reported.
    pub fn pwrite(&self, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        Ok(self.device.write_at(data, offset)?)
    }

    /// A device ioctl with a raw argument block (see [`raw`]).
    pub fn raw_ioctl(&self, req: libc::c_ulong, buf: &mut [u8]) -> Result<i32, Errno> {
        raw(&self.device, req, buf)
    }

    pub fn device_info(&self) -> Result<v::vfio_device_info, Errno> {
        let mut i = v::vfio_device_info {
            argsz: std::mem::size_of::<v::vfio_device_info>() as u32,
            ..Default::default()
        };
        // SAFETY: `i` is a vfio_device_info with its argsz, which the kernel
        // fills in (no capability chain fits in it).
        check(unsafe { ioctl_with_mut_ref(&self.device, VFIO_DEVICE_GET_INFO(), &mut i) })?;
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
        // SAFETY: `i` is a vfio_irq_info with its argsz, which the kernel
        // fills in.
        check(unsafe { ioctl_with_mut_ref(&self.device, VFIO_DEVICE_GET_IRQ_INFO(), &mut i) })?;
        Ok(i)
    }

    /// SET_IRQS with ACTION_TRIGGER|DATA_EVENTFD for one index (`fd` -1:
    /// no trigger).
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
        let efd = EventFd::new(EFD_CLOEXEC | EFD_NONBLOCK)?;
        self.set_irq_eventfd(index, std::os::fd::AsRawFd::as_raw_fd(&efd))?;
        self.eventfds[index as usize] = Some(efd);
        Ok(())
    }

    /// Wait until the eventfd of `index` is signalled or `timeout_ms`
    /// passes (negative: no limit); returns the counter value read (how
    /// many signals).
    pub fn wait_eventfd(&self, index: u32, timeout_ms: i32) -> Result<u64, Errno> {
        let efd = self.eventfds[index as usize]
            .as_ref()
            .ok_or(Errno(libc::EBADF))?;
        let poll = PollContext::<u32>::new()?;
        poll.add(efd, index)?;
        let events = match u64::try_from(timeout_ms) {
            Ok(ms) => poll.wait_timeout(Duration::from_millis(ms))?,
            Err(_) => poll.wait()?,
        };
        if events.iter_readable().next().is_none() {
            return Err(Errno(libc::ETIMEDOUT));
        }
        Ok(efd.read()?)
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
            if parse_caps(&buf, ri.cap_offset)
                .iter()
                .any(|c| c.region_type() == Some((ty, subtype)))
            {
                return Ok(Some((idx, ri)));
            }
        }
        Ok(None)
    }
}

/// What [`Device::concurrently`] does on either thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// VFIO_DEVICE_RESET.
    Reset,
    /// Unmap the whole DMA buffer.
    Unmap,
    /// Close the device file: its descriptor is replaced by /dev/null in
    /// place (dup2), so the device is released while the container or
    /// iommufd stays open.
    Close,
    /// pwrite(2) of the 8 bytes at the offset (the async command region).
    Write(u64, [u8; 8]),
}

impl Device {
    /// Starts `bg` on a second thread, `after` later does `fg` on this one,
    /// and returns both results once both are done. `bg` must not be
    /// [`Op::Close`].
    pub fn concurrently(
        &mut self,
        bg: Op,
        fg: Op,
        after: Duration,
    ) -> (Result<(), Errno>, Result<(), Errno>) {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&self.device);
        let (iova, size) = (self.buf.iova, self.buf.size as u64);
        let iommu = &self.iommu;
        let op = |op: Op| -> Result<(), Errno> {
            match op {
                // SAFETY: VFIO_DEVICE_RESET takes no argument.
                Op::Reset => check(unsafe { libc::ioctl(fd, VFIO_DEVICE_RESET()) }).map(|_| ()),
                Op::Unmap => match iommu {
                    Iommu::Container(c) => c.unmap(iova, size),
                    Iommu::Iommufd(i) => i.unmap(iova, size),
                },
                Op::Close => {
                    let null = File::open("/dev/null")?;
                    // SAFETY: both descriptors are open; `fd` now names
                    // /dev/null, which `self.device` closes when dropped.
                    check(unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), fd) })
                        .map(|_| ())
                }
                Op::Write(off, bytes) => {
                    // SAFETY: `bytes` is 8 readable bytes; `fd` is open.
                    let n = unsafe { libc::pwrite(fd, bytes.as_ptr().cast(), 8, off as i64) };
                    check(n as libc::c_int).map(|_| ())
                }
            }
        };
        std::thread::scope(|sc| {
            let h = sc.spawn(|| op(bg));
            std::thread::sleep(after);
            let f = op(fg);
            (h.join().unwrap_or(Err(Errno(libc::EIO))), f)
        })
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        if self.clear_irqs_on_close {
            for (idx, e) in self.eventfds.iter().enumerate() {
                if e.is_some() {
                    let _ = self.set_irq_eventfd(idx as u32, -1);
                }
            }
        }
    }
}
