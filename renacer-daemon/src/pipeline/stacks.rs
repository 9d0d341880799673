//! Unwinding the user stacks the kernel copied at sys_enter
//! (`payload::USER_STACK`: ip, sp, bp and the top of the stack) into frames,
//! with the binaries' CFI (.eh_frame) as `perf --call-graph dwarf` does;
//! framehop falls back to the frame pointer where a module has no CFI for
//! an address. The frames go on as a packed FRAMES item (renacer-trace's
//! `stack`); symbolization happens in the client, off this thread.
//!
//! A process's memory map is read from /proc/PID/maps at its first stack
//! (while it lives) and again when an address falls outside every known
//! module (a dlopen), at most every [`MAPS_REREAD_INTERVAL`]; it is dropped
//! at exec and exit. Unwind sections are read once per file.
use std::{
    collections::HashMap,
    fs::File,
    sync::Arc,
    time::{Duration, Instant},
};

use framehop::{
    ExplicitModuleSectionInfo, Module, Unwinder as _,
    x86_64::{CacheX86_64, UnwindRegsX86_64, UnwinderX86_64},
};
use object::{Object as _, ObjectSection as _, ObjectSegment as _, read::ReadCache};
use renacer_common::USER_STACK_REGS_BYTES;

use crate::{kernel::continue_process, procfs::tgid_of};
use renacer_trace::stack::{NO_MODULE, encode_frames};

/// Frames kept per stack; deeper stacks are cut (the innermost frames are
/// the ones that matter for a syscall).
pub const MAX_FRAMES: usize = 128;
/// A missed address re-reads the process's map at most this often.
const MAPS_REREAD_INTERVAL: Duration = Duration::from_millis(50);

const PAGE_MASK: u64 = 4095;

/// An executable file mapping of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    /// Offset in the file of `start`.
    pub offset: u64,
    pub path: Arc<str>,
}

/// The executable file mappings in a /proc/PID/maps text, in address order.
pub fn parse_maps(text: &str) -> Vec<Mapping> {
    let mut mappings: Vec<Mapping> = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_ascii_whitespace();
            let (range, perms, offset) = (fields.next()?, fields.next()?, fields.next()?);
            let (_device, _inode) = (fields.next()?, fields.next()?);
            let path = fields.collect::<Vec<_>>().join(" ");
            if !perms.contains('x') || !path.starts_with('/') {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            Some(Mapping {
                start: u64::from_str_radix(start, 16).ok()?,
                end: u64::from_str_radix(end, 16).ok()?,
                offset: u64::from_str_radix(offset, 16).ok()?,
                path: path.into(),
            })
        })
        .collect();
    mappings.sort_by_key(|mapping| mapping.start);
    mappings
}

/// Whether a payload is a first stack the kernel stopped its process for.
pub fn is_snapshot(header: &renacer_common::PayloadHeader) -> bool {
    header.kind == renacer_common::payload::USER_STACK
        && header.flags & renacer_common::payload::SNAPSHOT != 0
}

/// The unwind sections of one file, shared by every process that maps it.
#[derive(Debug, Default)]
struct ModuleSections {
    eh_frame: Option<(std::ops::Range<u64>, Arc<[u8]>)>,
    eh_frame_hdr: Option<(std::ops::Range<u64>, Arc<[u8]>)>,
    debug_frame: Option<Arc<[u8]>>,
    got: Option<std::ops::Range<u64>>,
    text: Option<std::ops::Range<u64>>,
    /// Loadable segments: (file offset, virtual address).
    segments: Vec<(std::ops::Range<u64>, u64)>,
}

impl ModuleSections {
    fn read(path: &str) -> Option<Self> {
        let file = File::open(path).ok()?;
        let cache = ReadCache::new(file);
        let elf = object::File::parse(&cache).ok()?;
        let range = |name: &str| {
            elf.section_by_name(name)
                .map(|section| section.address()..section.address() + section.size())
        };
        let with_data = |name: &str| {
            let section = elf.section_by_name(name)?;
            let data: Arc<[u8]> = section.data().ok()?.into();
            Some((section.address()..section.address() + section.size(), data))
        };
        Some(Self {
            eh_frame: with_data(".eh_frame"),
            eh_frame_hdr: with_data(".eh_frame_hdr"),
            debug_frame: with_data(".debug_frame").map(|(_, data)| data),
            got: range(".got"),
            text: range(".text"),
            segments: elf
                .segments()
                .map(|segment| {
                    let (offset, size) = segment.file_range();
                    (offset..offset + size, segment.address())
                })
                .collect(),
        })
    }

    /// Where the file's virtual address 0 is in a process that maps the file
    /// offset `mapping.offset` at `mapping.start`.
    fn base_avma(&self, mapping: &Mapping) -> u64 {
        let svma = self
            .segments
            .iter()
            // Mappings start at page boundaries, segments need not: the
            // segment an executable mapping is for is the last one whose
            // page-aligned start it covers (the previous one may end in the same page).
            .filter(|(range, _)| (range.start & !PAGE_MASK..range.end).contains(&mapping.offset))
            .max_by_key(|(range, _)| range.start)
            .map_or(mapping.offset, |(range, vaddr)| {
                mapping
                    .offset
                    .wrapping_sub(range.start)
                    .wrapping_add(*vaddr)
            });
        mapping.start.wrapping_sub(svma)
    }

    fn section_info(&self) -> ExplicitModuleSectionInfo<Arc<[u8]>> {
        ExplicitModuleSectionInfo {
            base_svma: 0,
            text_svma: self.text.clone(),
            got_svma: self.got.clone(),
            eh_frame_svma: self.eh_frame.as_ref().map(|(range, _)| range.clone()),
            eh_frame: self.eh_frame.as_ref().map(|(_, data)| Arc::clone(data)),
            eh_frame_hdr_svma: self.eh_frame_hdr.as_ref().map(|(range, _)| range.clone()),
            eh_frame_hdr: self.eh_frame_hdr.as_ref().map(|(_, data)| Arc::clone(data)),
            debug_frame: self.debug_frame.clone(),
            ..ExplicitModuleSectionInfo::default()
        }
    }
}

/// One traced process: its map and an unwinder loaded with its modules.
struct ProcessStacks {
    mappings: Vec<Mapping>,
    unwinder: UnwinderX86_64<Arc<[u8]>>,
    read_at: Instant,
}

impl ProcessStacks {
    fn mapping(&self, address: u64) -> Option<&Mapping> {
        let index = self
            .mappings
            .partition_point(|mapping| mapping.start <= address);
        let mapping = self.mappings.get(index.checked_sub(1)?)?;
        (address < mapping.end).then_some(mapping)
    }
}

/// Unwinds the stacks of one capture's processes; see the module comment.
#[derive(Default)]
pub struct StackUnwinder {
    processes: HashMap<u32, ProcessStacks>,
    /// Unwind sections per file path (None: unreadable, not ELF).
    files: HashMap<Arc<str>, Option<Arc<ModuleSections>>>,
    cache: CacheX86_64,
    /// Stacks that could not be unwound at all (no readable map).
    pub failures: u64,
    /// Thread -> its process, for the payloads that carry a tid only.
    threads: HashMap<u32, u32>,
}

impl std::fmt::Debug for StackUnwinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackUnwinder")
            .field("processes", &self.processes.len())
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

impl StackUnwinder {
    /// Forgets process `pid`'s map (exec, exit).
    pub fn forget(&mut self, pid: u32) {
        self.processes.remove(&pid);
    }

    /// Forgets which process thread `tid` is in (it exited).
    pub fn forget_thread(&mut self, tid: u32) {
        self.threads.remove(&tid);
    }

    /// The process of thread `tid`, from /proc the first time.
    fn process_of(&mut self, tid: u32) -> u32 {
        *self
            .threads
            .entry(tid)
            .or_insert_with(|| tgid_of(tid).unwrap_or(tid))
    }

    /// [`Self::unwind`] for a payload that names its thread only.
    pub fn unwind_thread(&mut self, tid: u32, payload: &[u8]) -> Option<Vec<u8>> {
        let pid = self.process_of(tid);
        self.unwind(pid, payload)
    }

    /// The kernel stopped the process of thread `tid` at its first stack:
    /// reads its map now, then continues it.
    pub fn snapshot(&mut self, tid: u32) {
        let pid = self.process_of(tid);
        match self.load(pid) {
            Some(process) => {
                self.processes.insert(pid, process);
            }
            None => self.failures += 1,
        }
        // A SIGSTOP still pending (the call has not returned yet) is discarded by it.
        continue_process(pid);
    }

    fn load(&mut self, pid: u32) -> Option<ProcessStacks> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
        let mappings = parse_maps(&text);
        let mut unwinder = UnwinderX86_64::new();
        for mapping in &mappings {
            let sections = self
                .files
                .entry(Arc::clone(&mapping.path))
                .or_insert_with(|| {
                    // Through the process's root: it may live in another mount namespace.
                    let rooted = format!("/proc/{pid}/root{}", mapping.path);
                    ModuleSections::read(&rooted)
                        .or_else(|| ModuleSections::read(&mapping.path))
                        .map(Arc::new)
                });
            if let Some(sections) = sections {
                unwinder.add_module(Module::new(
                    mapping.path.to_string(),
                    mapping.start..mapping.end,
                    sections.base_avma(mapping),
                    sections.section_info(),
                ));
            }
        }
        Some(ProcessStacks {
            mappings,
            unwinder,
            read_at: Instant::now(),
        })
    }

    /// The FRAMES item for a `USER_STACK` payload of process `pid`, or None
    /// when the payload is malformed or the process's map is unreadable.
    pub fn unwind(&mut self, pid: u32, payload: &[u8]) -> Option<Vec<u8>> {
        let (regs, stack) = payload.split_at_checked(USER_STACK_REGS_BYTES)?;
        let word = |i: usize| u64::from_ne_bytes(regs[i * 8..i * 8 + 8].try_into().expect("8"));
        let (ip, sp, bp) = (word(0), word(1), word(2));
        let known = self.processes.get(&pid).is_some_and(|process| {
            process.mapping(ip).is_some() || process.read_at.elapsed() < MAPS_REREAD_INTERVAL
        });
        if !known {
            match self.load(pid) {
                Some(process) => {
                    self.processes.insert(pid, process);
                }
                None if self.processes.contains_key(&pid) => {}
                None => {
                    self.failures += 1;
                    return None;
                }
            }
        }
        let process = self.processes.get(&pid)?;
        let mut read_stack = |address: u64| {
            let at = usize::try_from(address.checked_sub(sp).ok_or(())?).map_err(|_| ())?;
            let bytes = stack.get(at..at + 8).ok_or(())?;
            Ok(u64::from_ne_bytes(bytes.try_into().map_err(|_| ())?))
        };
        let mut frames = process.unwinder.iter_frames(
            ip,
            UnwindRegsX86_64::new(ip, sp, bp),
            &mut self.cache,
            &mut read_stack,
        );
        let mut modules: Vec<&str> = Vec::new();
        let mut out: Vec<(u64, u64, u16)> = Vec::new();
        while out.len() < MAX_FRAMES {
            let next = frames.next();
            let Ok(Some(frame)) = next else {
                break;
            };
            let address = frame.address();
            // A return address's call is the byte before it.
            let lookup = frame.address_for_lookup();
            let (offset, module) = match process.mapping(lookup) {
                Some(mapping) => {
                    let index = modules
                        .iter()
                        .position(|path| *path == &*mapping.path)
                        .unwrap_or_else(|| {
                            modules.push(&mapping.path);
                            modules.len() - 1
                        });
                    (address - mapping.start + mapping.offset, index as u16)
                }
                None => (address, NO_MODULE),
            };
            out.push((address, offset, module));
        }
        Some(encode_frames(&modules, &out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use renacer_trace::stack::decode_frames;

    #[test]
    fn maps_keep_executable_file_mappings() {
        let maps = "\
55d0c0a00000-55d0c0a1a000 r--p 00000000 fe:01 123 /home/u/app
55d0c0a1a000-55d0c0a9f000 r-xp 0001a000 fe:01 123 /home/u/app
7f00c0000000-7f00c0021000 rw-p 00000000 00:00 0
7f00c1026000-7f00c117b000 r-xp 00026000 fe:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6
7ffd1a3f0000-7ffd1a3f2000 r-xp 00000000 00:00 0                          [vdso]
7ffd1b000000-7ffd1b001000 r-xp 00000000 fe:01 789 /tmp/with space/lib.so
";
        let mappings = parse_maps(maps);
        assert_eq!(mappings.len(), 3);
        assert_eq!(mappings[0].start, 0x55d0_c0a1_a000);
        assert_eq!(mappings[0].offset, 0x1a000);
        assert_eq!(&*mappings[1].path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
        assert_eq!(&*mappings[2].path, "/tmp/with space/lib.so");
    }

    #[test]
    fn load_address_from_a_page_aligned_mapping() {
        // rustc's layout: the text segment starts mid-page, in the page the
        // read-only segment ends in, and maps at a page boundary.
        let sections = ModuleSections {
            segments: vec![(0..0x30f5d4, 0), (0x30f5e0..0xa06c20, 0x3105e0)],
            ..ModuleSections::default()
        };
        let text = Mapping {
            start: 0x5599_9c0c_6000,
            end: 0x5599_9c7b_e000,
            offset: 0x30f000,
            path: "/bin/x".into(),
        };
        assert_eq!(sections.base_avma(&text), 0x5599_9bdb_6000);
        // glibc's: segment offsets and addresses agree.
        let libc = ModuleSections {
            segments: vec![(0..0x25388, 0), (0x26000..0x17b0fc, 0x26000)],
            ..ModuleSections::default()
        };
        let mapping = Mapping {
            start: 0x7f7c_e9b6_1000,
            end: 0x7f7c_e9cb_7000,
            offset: 0x26000,
            path: "/lib/libc.so.6".into(),
        };
        assert_eq!(libc.base_avma(&mapping), 0x7f7c_e9b3_b000);
    }

    /// Unwinds this test's own stack, copied as the kernel would: the frames
    /// reach up through this function into the test harness.
    #[test]
    #[inline(never)]
    fn unwinds_a_live_stack_with_cfi() {
        let (ip, sp, bp): (u64, u64, u64);
        // SAFETY: reads registers only.
        unsafe {
            std::arch::asm!("lea {ip}, [rip]", "mov {sp}, rsp", "mov {bp}, rbp",
                ip = out(reg) ip, sp = out(reg) sp, bp = out(reg) bp);
        }
        let mut payload = Vec::new();
        for word in [ip, sp, bp] {
            payload.extend_from_slice(&word.to_ne_bytes());
        }
        let maps = std::fs::read_to_string("/proc/self/maps").expect("own maps");
        let stack_end = maps
            .lines()
            .filter_map(|line| line.split_once(' ')?.0.split_once('-'))
            .filter_map(|(start, end)| {
                Some((
                    u64::from_str_radix(start, 16).ok()?,
                    u64::from_str_radix(end, 16).ok()?,
                ))
            })
            .find(|(start, end)| (*start..*end).contains(&sp))
            .expect("the stack is mapped")
            .1;
        let len = (stack_end - sp).min(renacer_common::USER_STACK_BYTES as u64) as usize;
        // SAFETY: [sp, sp + len) lies in this thread's live, mapped stack.
        let stack = unsafe { std::slice::from_raw_parts(sp as *const u8, len) };
        payload.extend_from_slice(stack);
        let mut unwinder = StackUnwinder::default();
        let item = unwinder
            .unwind(std::process::id(), &payload)
            .expect("own map readable");
        let frames = decode_frames(&item);
        assert!(frames.len() >= 3, "{frames:x?}");
        let exe = std::env::current_exe().expect("exe");
        assert_eq!(frames[0].address, ip);
        assert!(
            frames[..3]
                .iter()
                .all(|frame| frame.module == Some(exe.to_str().expect("utf-8"))),
            "the innermost frames are in the test binary: {frames:x?}"
        );
    }
}
