//! A small CLI: `wordcount FILE` prints `LINES WORDS BYTES` of FILE, as
//! `wc` does, then the most frequent word. `wordcount.py` is a Python
//! implementation that writes the same output, for the cross-implementation
//! comparison.
use std::{collections::BTreeMap, io::Write as _, process::ExitCode};

fn run() -> Result<(), String> {
    let path = std::env::args().nth(1).ok_or("usage: wordcount FILE")?;
    let data = std::fs::read(&path).map_err(|err| format!("{path}: {err}"))?;
    let text = String::from_utf8_lossy(&data);
    let lines = data.iter().filter(|&&b| b == b'\n').count();
    let mut freq: BTreeMap<String, usize> = BTreeMap::new();
    for word in text.split_whitespace() {
        *freq.entry(word.to_lowercase()).or_default() += 1;
    }
    let words: usize = freq.values().sum();
    // Most frequent; ties go to the alphabetically first word.
    let top = freq
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map_or_else(|| "-".to_owned(), |(w, n)| format!("{w} {n}"));
    let mut out = std::io::stdout().lock();
    writeln!(out, "{lines} {words} {}", data.len()).map_err(|e| e.to_string())?;
    writeln!(out, "top: {top}").map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    renacer_examples::finish("wordcount", run(), 2)
}
