//! Capture sessions and their registry (with the ring-buffer reader that
//! feeds them), and continuous mode with its history.
pub mod confinement;
pub mod continuous;
pub mod profile;
pub mod registry;
