//! `--duration` values: `5s`, `500ms`, `2m`, `1.5s`, `1h`, or plain seconds.
pub use renacer_trace::duration::parse;
