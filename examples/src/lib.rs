//! renacer's example programs (see `src/bin`): small, deterministic programs
//! whose traces are kept in `golden_traces/` and compared in CI. Each one
//! works in its current directory, so a run in a scratch directory touches
//! nothing else and writes the same relative paths every time.
