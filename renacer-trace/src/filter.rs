//! strace-compatible `-e` filter expressions: `trace=`, `status=` and
//! `trace-fds=`, parsed into forms the kernel side and the printer can test.

use std::collections::BTreeSet;
use std::fmt;

use regex::Regex;
use thiserror::Error;

use crate::record::{SyscallRecord, SyscallResult};
use crate::signatures::{self, ArgType, Classes};
use crate::syscalls;

/// How many syscall numbers a [`SyscallSet`] covers: 0..512, which holds
/// every native x86_64 number.
pub const SET_SIZE: u32 = 512;

/// A set of syscall numbers as a 512-bit bitmap, the layout the kernel side
/// tests (`bits()[nr / 64] >> (nr % 64) & 1`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SyscallSet([u64; 8]);

impl SyscallSet {
    pub const fn empty() -> Self {
        Self([0; 8])
    }

    /// Every number, known or not (strace's `all`).
    pub const fn full() -> Self {
        Self([u64::MAX; 8])
    }

    pub const fn from_bits(bits: [u64; 8]) -> Self {
        Self(bits)
    }

    pub const fn bits(&self) -> [u64; 8] {
        self.0
    }

    /// Whether `nr` is in the set; numbers past [`SET_SIZE`] never are.
    pub fn contains(&self, nr: u32) -> bool {
        nr < SET_SIZE && self.0[(nr / 64) as usize] >> (nr % 64) & 1 == 1
    }

    /// Adds `nr`; false when it is out of range.
    pub fn insert(&mut self, nr: u32) -> bool {
        if nr >= SET_SIZE {
            return false;
        }
        self.0[(nr / 64) as usize] |= 1 << (nr % 64);
        true
    }

    pub fn remove(&mut self, nr: u32) {
        if nr < SET_SIZE {
            self.0[(nr / 64) as usize] &= !(1 << (nr % 64));
        }
    }

    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        Self(std::array::from_fn(|i| self.0[i] | other.0[i]))
    }

    #[must_use]
    pub fn difference(&self, other: &Self) -> Self {
        Self(std::array::from_fn(|i| self.0[i] & !other.0[i]))
    }

    #[must_use]
    pub fn complement(&self) -> Self {
        Self(self.0.map(|w| !w))
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The numbers in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..SET_SIZE).filter(|&nr| self.contains(nr))
    }
}

impl FromIterator<u32> for SyscallSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        let mut set = Self::empty();
        for nr in iter {
            set.insert(nr);
        }
        set
    }
}

impl fmt::Debug for SyscallSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(syscalls::display_name))
            .finish()
    }
}

/// Why a filter expression was rejected. Messages name the offending token
/// and, when one is close, the name the user probably meant.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FilterError {
    #[error("empty expression in {expr}")]
    Empty { expr: String },
    #[error("unknown syscall '{name}' in {expr}{}", did_you_mean(suggestion))]
    UnknownSyscall {
        name: String,
        expr: String,
        suggestion: Option<String>,
    },
    #[error("unknown syscall class '{name}' in {expr}{}", did_you_mean(suggestion))]
    UnknownClass {
        name: String,
        expr: String,
        suggestion: Option<String>,
    },
    #[error("syscall number {number} in {expr} is out of range (0..{SET_SIZE})")]
    NumberOutOfRange { number: String, expr: String },
    #[error("invalid regex /{pattern}/ in {expr}: {message}")]
    BadRegex {
        pattern: String,
        expr: String,
        message: String,
    },
    #[error("regex /{pattern}/ in {expr} matches no syscall")]
    RegexNoMatch { pattern: String, expr: String },
    #[error(
        "unknown status '{name}' in {expr}{}; expected successful, failed, unfinished, unavailable or detached",
        did_you_mean(suggestion)
    )]
    UnknownStatus {
        name: String,
        expr: String,
        suggestion: Option<String>,
    },
    #[error("invalid file descriptor '{token}' in {expr}; expected a non-negative number")]
    BadFd { token: String, expr: String },
    #[error(
        "unknown qualifier '{name}' in -e {expr}{}; expected trace, status or trace-fds",
        did_you_mean(suggestion)
    )]
    UnknownQualifier {
        name: String,
        expr: String,
        suggestion: Option<String>,
    },
    #[error("control character in -e {expr}: filter expressions are printable text")]
    ControlCharacter { expr: String },
}

/// Refuses control characters up front: no syscall, class, status or number
/// holds one, and every other error quotes the expression on one line.
fn check_printable(expr: &str) -> Result<(), FilterError> {
    if crate::quote::has_control(expr) {
        return Err(FilterError::ControlCharacter {
            expr: crate::quote::printable(expr),
        });
    }
    Ok(())
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!("; did you mean '{s}'?"))
        .unwrap_or_default()
}

/// Optimal-string-alignment distance: Levenshtein plus adjacent swaps, the
/// commonest typo.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

/// The closest candidate, if close enough to be a plausible typo.
fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let word = word.to_ascii_lowercase();
    let max = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), c))
        .filter(|&(d, _)| d <= max)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c.to_owned())
}

/// strace's class names (`%file`) and legacy bare names (`file`), with the
/// classes a syscall must all have to match.
const CLASSES: &[(&str, Classes)] = &[
    ("%desc", Classes::DESC),
    ("%file", Classes::FILE),
    ("%memory", Classes::MEMORY),
    ("%process", Classes::PROCESS),
    ("%creds", Classes::CREDS),
    ("%signal", Classes::SIGNAL),
    ("%ipc", Classes::IPC),
    ("%net", Classes::NETWORK),
    ("%network", Classes::NETWORK),
    ("%stat", Classes::STAT),
    ("%lstat", Classes::LSTAT),
    ("%fstat", Classes::FSTAT),
    ("%%stat", Classes::STAT_LIKE),
    ("%statfs", Classes::STATFS),
    ("%fstatfs", Classes::FSTATFS),
    ("%%statfs", Classes::STATFS_LIKE),
    ("%pure", Classes::PURE),
    ("%clock", Classes::CLOCK),
    ("desc", Classes::DESC),
    ("file", Classes::FILE),
    ("memory", Classes::MEMORY),
    ("process", Classes::PROCESS),
    ("signal", Classes::SIGNAL),
    ("ipc", Classes::IPC),
    ("network", Classes::NETWORK),
];

/// The syscalls of a class, by its `%name` or bare name (case-insensitive).
fn class_set(name: &str) -> Option<SyscallSet> {
    let &(_, class) = CLASSES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))?;
    Some(
        signatures::all()
            .iter()
            .filter(|s| s.classes.contains(class))
            .map(|s| s.nr)
            .collect(),
    )
}

/// One comma-separated item of a `trace=` expression.
fn resolve_token(token: &str, expr: &str) -> Result<SyscallSet, FilterError> {
    // strace: leading '?' makes a token that matches nothing acceptable.
    let optional = token.starts_with('?');
    let token = token.trim_start_matches('?');
    let missing = |err: FilterError| {
        if optional {
            Ok(SyscallSet::empty())
        } else {
            Err(err)
        }
    };

    if token.is_empty() {
        return Err(FilterError::Empty {
            expr: expr.to_owned(),
        });
    }
    if token == "all" {
        return Ok(SyscallSet::full());
    }
    if token == "none" {
        return Ok(SyscallSet::empty());
    }
    if let Some(pattern) = token.strip_prefix('/') {
        // strace takes "/regex"; "/regex/" is accepted too.
        let pattern = pattern.strip_suffix('/').unwrap_or(pattern);
        let re = Regex::new(pattern).map_err(|e| FilterError::BadRegex {
            pattern: pattern.to_owned(),
            expr: expr.to_owned(),
            message: e
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_owned(),
        })?;
        let set: SyscallSet = syscalls::TABLE
            .iter()
            .filter(|(_, name)| re.is_match(name))
            .map(|&(nr, _)| nr)
            .collect();
        if set.is_empty() {
            return missing(FilterError::RegexNoMatch {
                pattern: pattern.to_owned(),
                expr: expr.to_owned(),
            });
        }
        return Ok(set);
    }
    if token.bytes().all(|b| b.is_ascii_digit()) {
        let mut set = SyscallSet::empty();
        return match token.parse::<u32>() {
            Ok(nr) if set.insert(nr) => Ok(set),
            _ => missing(FilterError::NumberOutOfRange {
                number: token.to_owned(),
                expr: expr.to_owned(),
            }),
        };
    }
    if let Some(set) = class_set(token) {
        return Ok(set);
    }
    if token.starts_with('%') {
        return missing(FilterError::UnknownClass {
            name: token.to_owned(),
            expr: expr.to_owned(),
            suggestion: nearest(
                token,
                CLASSES
                    .iter()
                    .map(|&(n, _)| n)
                    .filter(|n| n.starts_with('%')),
            ),
        });
    }
    match syscalls::number(token) {
        Some(nr) => Ok([nr].into_iter().collect()),
        None => missing(FilterError::UnknownSyscall {
            name: token.to_owned(),
            expr: expr.to_owned(),
            suggestion: nearest(
                token,
                syscalls::TABLE.iter().map(|&(_, n)| n).chain(
                    CLASSES
                        .iter()
                        .map(|&(n, _)| n)
                        .filter(|n| !n.starts_with('%')),
                ),
            ),
        }),
    }
}

/// Leading `!`s (each one inverts) and the rest; `none` and `all` as a
/// whole expression. Shared by all qualifiers, as in strace.
fn split_negation(value: &str) -> (bool, &str) {
    let body = value.trim_start_matches('!');
    ((value.len() - body.len()) % 2 == 1, body)
}

fn parse_trace_value(value: &str, expr: &str) -> Result<SyscallSet, FilterError> {
    let (mut invert, mut body) = split_negation(value);
    // "!read,!write" is no strace expression (strace rejects '!' inside a
    // list); read it as the user surely means it, two negated items.
    if value.len() - body.len() == 1 && body.split(',').skip(1).any(|t| t.starts_with('!')) {
        (invert, body) = (false, value);
    }
    let set = match body {
        "none" => SyscallSet::empty(),
        "all" => SyscallSet::full(),
        _ => {
            let tokens: Vec<&str> = body.split(',').filter(|t| !t.is_empty()).collect();
            if tokens.is_empty() {
                return Err(FilterError::Empty {
                    expr: expr.to_owned(),
                });
            }
            // Items with their own '!' are removed from the rest (a renacer
            // extension: "%file,!openat"); only negated items means "all but".
            let mut include = SyscallSet::empty();
            let mut exclude = SyscallSet::empty();
            let mut any_include = false;
            for token in tokens {
                match token.strip_prefix('!') {
                    Some(t) => exclude = exclude.union(&resolve_token(t, expr)?),
                    None => {
                        any_include = true;
                        include = include.union(&resolve_token(token, expr)?);
                    }
                }
            }
            let base = if any_include {
                include
            } else {
                SyscallSet::full()
            };
            base.difference(&exclude)
        }
    };
    Ok(if invert { set.complement() } else { set })
}

/// Parses the value of `-e trace=EXPR`: comma-separated syscall names,
/// numbers, `%classes` (strace's), bare classes (`file`, `network`,
/// `process`, `memory`, `desc`, `signal`, `ipc`), `/regex/` on names, `all`,
/// `none`. A leading `!` negates the whole expression (strace: `!open,close`
/// is everything but those two); `!item` further on removes an item
/// (`%file,!openat`), and when several items carry one each they are all
/// removed (`!read,!write`); `?item` tolerates items matching nothing.
pub fn parse_trace_expr(expr: &str) -> Result<SyscallSet, FilterError> {
    check_printable(expr)?;
    parse_trace_value(expr, &format!("trace={expr}"))
}

/// A syscall outcome, as strace's `-e status=` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Successful,
    Failed,
    /// Never returned: still running at the end, or exit/exit_group (`= ?`).
    Unfinished,
    /// strace could not fetch the result; an eBPF tracer always can.
    Unavailable,
    /// strace detached mid-call; does not happen here.
    Detached,
}

const STATUSES: [(&str, Status); 5] = [
    ("successful", Status::Successful),
    ("failed", Status::Failed),
    ("unfinished", Status::Unfinished),
    ("unavailable", Status::Unavailable),
    ("detached", Status::Detached),
];

impl Status {
    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The status of a result.
    pub fn of(result: &SyscallResult) -> Self {
        match result {
            SyscallResult::Returned(_) if result.is_error() => Self::Failed,
            SyscallResult::Returned(_) => Self::Successful,
            SyscallResult::NoReturn | SyscallResult::Unfinished => Self::Unfinished,
        }
    }
}

/// The set of statuses to show (`-e status=successful,failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusFilter(u8);

impl Default for StatusFilter {
    fn default() -> Self {
        Self::ALL
    }
}

impl StatusFilter {
    pub const ALL: Self = Self(0b1_1111);
    pub const NONE: Self = Self(0);

    /// Parses the value of `-e status=`: names, `!`, `all`, `none`.
    pub fn parse(value: &str) -> Result<Self, FilterError> {
        check_printable(value)?;
        Self::parse_in(value, &format!("status={value}"))
    }

    fn parse_in(value: &str, expr: &str) -> Result<Self, FilterError> {
        let (invert, body) = split_negation(value);
        let bits = match body {
            "all" => Self::ALL.0,
            "none" => 0,
            _ => {
                let mut bits = 0;
                for token in body.split(',').filter(|t| !t.is_empty()) {
                    let status = STATUSES.iter().find(|(n, _)| *n == token).ok_or_else(|| {
                        FilterError::UnknownStatus {
                            name: token.to_owned(),
                            expr: expr.to_owned(),
                            suggestion: nearest(token, STATUSES.iter().map(|&(n, _)| n)),
                        }
                    })?;
                    bits |= status.1.bit();
                }
                if bits == 0 {
                    return Err(FilterError::Empty {
                        expr: expr.to_owned(),
                    });
                }
                bits
            }
        };
        Ok(Self(if invert { !bits & Self::ALL.0 } else { bits }))
    }

    pub fn contains(&self, status: Status) -> bool {
        self.0 & status.bit() != 0
    }

    pub fn matches(&self, result: &SyscallResult) -> bool {
        self.contains(Status::of(result))
    }
}

/// `-e trace-fds=3,4`: only calls whose file-descriptor arguments include
/// one of these (calls without fd arguments never match, as in strace).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FdFilter {
    fds: BTreeSet<u32>,
    /// Matches fds *not* in `fds` (`trace-fds=!3`, `all`).
    inverted: bool,
}

impl FdFilter {
    /// Parses the value of `-e trace-fds=`: non-negative numbers, `!`, `all`, `none`.
    pub fn parse(value: &str) -> Result<Self, FilterError> {
        check_printable(value)?;
        Self::parse_in(value, &format!("trace-fds={value}"))
    }

    fn parse_in(value: &str, expr: &str) -> Result<Self, FilterError> {
        let (invert, body) = split_negation(value);
        let (fds, inverted) = match body {
            "all" => (BTreeSet::new(), !invert),
            "none" => (BTreeSet::new(), invert),
            _ => {
                let fds = body
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(|t| {
                        t.parse::<u32>().map_err(|_| FilterError::BadFd {
                            token: t.to_owned(),
                            expr: expr.to_owned(),
                        })
                    })
                    .collect::<Result<BTreeSet<u32>, _>>()?;
                if fds.is_empty() {
                    return Err(FilterError::Empty {
                        expr: expr.to_owned(),
                    });
                }
                (fds, invert)
            }
        };
        Ok(Self { fds, inverted })
    }

    /// A filter for exactly these descriptors.
    pub fn from_fds(fds: impl IntoIterator<Item = u32>) -> Self {
        Self {
            fds: fds.into_iter().collect(),
            inverted: false,
        }
    }

    pub fn contains_fd(&self, fd: u32) -> bool {
        self.fds.contains(&fd) != self.inverted
    }

    /// Whether any fd argument of the record (per its signature; `AT_FDCWD`
    /// and negative values excluded) is selected.
    pub fn matches(&self, rec: &SyscallRecord) -> bool {
        let Some(sig) = signatures::signature(rec.nr) else {
            return false;
        };
        sig.args.iter().zip(rec.args).any(|(ty, v)| {
            matches!(ty, ArgType::Fd | ArgType::DirFd)
                && u32::try_from(v as u32 as i32).is_ok_and(|fd| self.contains_fd(fd))
        })
    }
}

/// The combined `-e` filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub trace: SyscallSet,
    pub status: StatusFilter,
    /// `None` when no `trace-fds=` was given: all calls pass.
    pub fds: Option<FdFilter>,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            trace: SyscallSet::full(),
            status: StatusFilter::ALL,
            fds: None,
        }
    }
}

impl Filter {
    /// Whether a record passes every filter.
    pub fn matches(&self, rec: &SyscallRecord) -> bool {
        self.trace.contains(rec.nr)
            && self.status.matches(&rec.result)
            && self.fds.as_ref().is_none_or(|f| f.matches(rec))
    }
}

const QUALIFIERS: [&str; 7] = ["trace", "t", "status", "trace-fds", "trace-fd", "fd", "fds"];

/// Parses `-e` arguments: `trace=openat,read`, `status=failed`,
/// `trace-fds=3`, or a bare `openat,read` (meaning `trace=`). As in strace,
/// a later expression for the same qualifier replaces the earlier one.
pub fn parse_filter_args(exprs: &[String]) -> Result<Filter, FilterError> {
    let mut filter = Filter::default();
    for expr in exprs {
        check_printable(expr)?;
        let (qualifier, value) = match expr.split_once('=') {
            // A regex may contain '=' but never starts a qualifier name.
            Some((q, v)) if !q.starts_with(['/', '!', '%', '?']) && !q.contains(',') => (q, v),
            _ => ("trace", expr.as_str()),
        };
        let shown = format!("{qualifier}={value}");
        match qualifier {
            "trace" | "t" => filter.trace = parse_trace_value(value, &shown)?,
            "status" => filter.status = StatusFilter::parse_in(value, &shown)?,
            "trace-fds" | "trace-fd" | "fd" | "fds" => {
                filter.fds = Some(FdFilter::parse_in(value, &shown)?)
            }
            _ => {
                return Err(FilterError::UnknownQualifier {
                    name: qualifier.to_owned(),
                    expr: expr.clone(),
                    suggestion: nearest(qualifier, QUALIFIERS),
                });
            }
        }
    }
    Ok(filter)
}

#[cfg(test)]
mod tests;
