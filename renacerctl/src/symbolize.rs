//! Symbolizing the stacks the daemon unwound (`--source`, `-k`) with
//! blazesym: ELF symbols, DWARF lines and inlined functions.
//!
//! Done here rather than in the daemon: the binaries are the user's, read
//! with the user's rights, and the cost stays with the client that asked
//! (the daemon's ring-buffer reader only unwinds). Every (module, offset)
//! is symbolized once and cached; blazesym keeps each parsed file, so a
//! long trace of the same few stacks costs a hash lookup per frame.
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Arc,
};

use blazesym::symbolize::{
    self, Input, Symbolized,
    source::{Elf, Source},
};
use renacer_trace::stack::{
    JsonFrame, JsonSource, decode_frames_indexed, is_library_source, is_user_frame,
};

/// What one code address is, as symbolized: one entry per function, the
/// innermost (inlined) first.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SymFrame {
    function: Option<String>,
    function_offset: Option<u64>,
    file: Option<String>,
    source_path: Option<String>,
    line: Option<u32>,
}

/// A symbolized frame (address and offset left to fill in) and whether it
/// is the user's code ([`is_user_frame`]), both fixed per (module, offset).
#[derive(Debug, Clone)]
struct CachedFrame {
    frame: JsonFrame,
    user: bool,
}

pub struct Symbolizer {
    inner: symbolize::Symbolizer,
    /// (module id, offset looked up) -> its functions, innermost first.
    cache: HashMap<(u32, u64), Arc<[CachedFrame]>>,
    module_ids: HashMap<String, u32>,
    /// By module id: the path, and whether the file has no DWARF.
    module_paths: Vec<(Arc<str>, bool)>,
    keep_stack: bool,
    /// Modules checked for DWARF (and warned about): whether they have none.
    no_debug_info: HashMap<String, bool>,
    /// Directory -> the crate root above it (holding Cargo.toml), if any.
    crate_roots: HashMap<PathBuf, Option<PathBuf>>,
}

impl std::fmt::Debug for Symbolizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Symbolizer")
            .field("cached", &self.cache.len())
            .field("keep_stack", &self.keep_stack)
            .finish_non_exhaustive()
    }
}

/// A source file's full path and line (the file is shown later, see `shown`).
fn code_location(
    info: Option<&symbolize::CodeInfo<'_>>,
) -> (Option<String>, Option<String>, Option<u32>) {
    match info {
        Some(info) => {
            let full = info.to_path().to_string_lossy().into_owned();
            (Some(full.clone()), Some(full), info.line)
        }
        None => (None, None, None),
    }
}

impl Symbolizer {
    /// `keep_stack`: the whole stack goes into each source (`-k`).
    pub fn new(keep_stack: bool) -> Self {
        Self {
            inner: symbolize::Symbolizer::new(),
            cache: HashMap::new(),
            module_ids: HashMap::new(),
            module_paths: Vec::new(),
            keep_stack,
            no_debug_info: HashMap::new(),
            crate_roots: HashMap::new(),
        }
    }

    fn symbolize(&self, module: &str, offset: u64) -> Vec<SymFrame> {
        let source = Source::Elf(Elf::new(module));
        let Ok(Symbolized::Sym(sym)) = self
            .inner
            .symbolize_single(&source, Input::FileOffset(offset))
        else {
            return vec![SymFrame {
                function: None,
                function_offset: None,
                file: None,
                source_path: None,
                line: None,
            }];
        };
        let mut frames = Vec::with_capacity(1 + sym.inlined.len());
        for inlined in sym.inlined.iter().rev() {
            let (file, source_path, line) = code_location(inlined.code_info.as_ref());
            frames.push(SymFrame {
                function: Some(inlined.name.to_string()),
                function_offset: None,
                file,
                source_path,
                line,
            });
        }
        let (file, source_path, line) = code_location(sym.code_info.as_deref());
        frames.push(SymFrame {
            function: Some(sym.name.to_string()),
            function_offset: Some(sym.offset as u64),
            file,
            source_path,
            line,
        });
        frames
    }

    /// The id of a module path, interned.
    fn module_id(&mut self, path: &str) -> u32 {
        if let Some(&id) = self.module_ids.get(path) {
            return id;
        }
        let id = self.module_paths.len() as u32;
        let no_debug_info = self.lacks_debug_info(path);
        self.module_paths.push((path.into(), no_debug_info));
        self.module_ids.insert(path.to_owned(), id);
        id
    }

    /// The functions at `offset` in module `id`, symbolized once.
    fn frames_at(&mut self, id: u32, offset: u64) -> Arc<[CachedFrame]> {
        if let Some(frames) = self.cache.get(&(id, offset)) {
            return Arc::clone(frames);
        }
        let (module, no_debug_info) = self.module_paths[id as usize].clone();
        let symbols = self.symbolize(&module, offset);
        let frames: Arc<[CachedFrame]> = symbols
            .into_iter()
            .map(|symbol| {
                let file = symbol.source_path.as_deref().map(|full| self.shown(full));
                let frame = JsonFrame {
                    module: Some(module.to_string()),
                    function: symbol.function,
                    file,
                    line: symbol.line,
                    function_offset: symbol.function_offset,
                    source_path: symbol.source_path,
                    no_debug_info,
                    ..JsonFrame::default()
                };
                CachedFrame {
                    user: is_user_frame(&frame),
                    frame,
                }
            })
            .collect();
        self.cache.insert((id, offset), Arc::clone(&frames));
        frames
    }

    /// The source of a call from its FRAMES item. Without `-k` nothing is
    /// built past the first frame of the user's code.
    pub fn source(&mut self, item: &[u8]) -> Option<JsonSource> {
        let (modules, raw_frames) = decode_frames_indexed(item);
        if raw_frames.is_empty() {
            return None;
        }
        let ids: Vec<Option<u32>> = modules
            .iter()
            .map(|path| Some(self.module_id(path)))
            .collect();
        let mut source = JsonSource::default();
        let mut found = false;
        for (depth, &(address, offset, module)) in raw_frames.iter().enumerate() {
            let Some(id) = ids.get(usize::from(module)).copied().flatten() else {
                if self.keep_stack {
                    source.stack.push(JsonFrame {
                        address: format!("{address:#x}"),
                        ..JsonFrame::default()
                    });
                }
                continue;
            };
            // A return address's call instruction is the byte before it.
            let lookup = if depth == 0 {
                offset
            } else {
                offset.saturating_sub(1)
            };
            for cached in self.frames_at(id, lookup).iter() {
                if cached.user && !found {
                    found = true;
                    source.file.clone_from(&cached.frame.file);
                    source.line = cached.frame.line;
                    source.function.clone_from(&cached.frame.function);
                    if !self.keep_stack {
                        return Some(source);
                    }
                }
                if self.keep_stack {
                    source.stack.push(JsonFrame {
                        address: format!("{address:#x}"),
                        offset: format!("{offset:#x}"),
                        ..cached.frame.clone()
                    });
                }
            }
        }
        Some(source)
    }

    /// Whether `module` has no DWARF line info; the first time, one warning
    /// for a binary of the user's (not a system library) without it.
    fn lacks_debug_info(&mut self, module: &str) -> bool {
        if let Some(&lacks) = self.no_debug_info.get(module) {
            return lacks;
        }
        let (debug_info, symbols) = debug_sections(module).unwrap_or((true, true));
        self.no_debug_info.insert(module.to_owned(), !debug_info);
        if !debug_info && is_user_module(module) {
            let what = if symbols {
                "source lines are unknown, function names come from its symbol table"
            } else {
                "it is stripped: no function names either, only addresses"
            };
            eprintln!(
                "renacerctl: warning: No DWARF debug info found in binary {module}: {what}; \
                 rebuild it with debug info (gcc -g; cargo: debug = true in the profile) \
                 and do not strip it"
            );
        }
        !debug_info
    }

    /// A Rust source path as cargo users read it, relative to its crate
    /// (`src/main.rs`); other paths in full.
    fn shown(&mut self, full: &str) -> String {
        let path = Path::new(full);
        let Some(dir) = path.parent().filter(|_| !is_library_source(full)) else {
            return full.to_owned();
        };
        let root = self
            .crate_roots
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                dir.ancestors()
                    .find(|ancestor| ancestor.join("Cargo.toml").is_file())
                    .map(Path::to_path_buf)
            });
        match root
            .as_deref()
            .and_then(|root| path.strip_prefix(root).ok())
        {
            Some(relative) => relative.to_string_lossy().into_owned(),
            None => full.to_owned(),
        }
    }
}

/// Whether a module is the user's: not a system library, not `[vdso]`.
fn is_user_module(module: &str) -> bool {
    is_user_frame(&JsonFrame {
        module: Some(module.to_owned()),
        function: Some(String::new()),
        no_debug_info: true,
        ..JsonFrame::default()
    })
}

/// (has DWARF line info, has a symbol table) of an ELF file, if readable.
fn debug_sections(path: &str) -> Option<(bool, bool)> {
    use object::{Object as _, read::ReadCache};
    let file = std::fs::File::open(path).ok()?;
    let cache = ReadCache::new(file);
    let elf = object::File::parse(&cache).ok()?;
    Some((
        elf.section_by_name(".debug_line").is_some(),
        elf.section_by_name(".symtab").is_some(),
    ))
}
