//! Multi-threaded: `threads [N]` starts N worker threads (default 4); worker
//! K writes 50 numbered lines to `thread-K.txt`, one write(2) each. The main
//! thread joins them, prints the total and removes the files.
use std::{
    fs::{self, File},
    io::{self, Write as _},
    process::ExitCode,
    thread,
};

const LINES: usize = 50;

fn worker(k: usize) -> io::Result<usize> {
    let mut file = File::create(format!("thread-{k}.txt"))?;
    for line in 0..LINES {
        file.write_all(format!("worker {k} line {line}\n").as_bytes())?;
    }
    Ok(LINES)
}

fn run() -> io::Result<()> {
    let workers: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().map_err(io::Error::other)?,
        None => 4,
    };
    let handles: Vec<_> = (1..=workers)
        .map(|k| thread::spawn(move || worker(k)))
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle
            .join()
            .map_err(|_| io::Error::other("a worker panicked"))??;
    }
    writeln!(io::stdout().lock(), "{workers} threads wrote {total} lines")?;
    for k in 1..=workers {
        fs::remove_file(format!("thread-{k}.txt"))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    renacer_examples::finish("threads", run(), 1)
}
