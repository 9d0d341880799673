//! File I/O: create, write, sync, rename, read back, print, unlink.
//! `fileio [TEXT]` writes TEXT (default: three fixed lines) to `fileio.tmp`,
//! renames it to `fileio.txt`, copies its content to stdout and removes it.
use std::{
    fs::{self, File, OpenOptions},
    io::{self, Read as _, Write as _},
    process::ExitCode,
};

const DEFAULT_LINES: [&str; 3] = [
    "renacer golden trace: file I/O example\n",
    "second line, written by a separate write(2)\n",
    "third and last line\n",
];

fn run() -> io::Result<()> {
    let custom = std::env::args().nth(1).map(|text| format!("{text}\n"));
    let lines: Vec<&str> = match &custom {
        Some(text) => vec![text.as_str()],
        None => DEFAULT_LINES.to_vec(),
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open("fileio.tmp")?;
    // One write(2) per line: File is unbuffered.
    for line in &lines {
        file.write_all(line.as_bytes())?;
    }
    file.sync_all()?;
    drop(file);
    fs::rename("fileio.tmp", "fileio.txt")?;
    let mut content = Vec::new();
    File::open("fileio.txt")?.read_to_end(&mut content)?;
    io::stdout().lock().write_all(&content)?;
    fs::remove_file("fileio.txt")
}

fn main() -> ExitCode {
    renacer_examples::finish("fileio", run(), 1)
}
