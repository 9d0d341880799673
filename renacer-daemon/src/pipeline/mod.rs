//! From kernel records to typed calls: payloads joined to their call in
//! packed form, Lamport stamps, and each capture's bounded queue to its
//! subscriber, with every loss counted.
pub mod decoding;
pub mod lamport;
pub mod session;
pub mod stacks;

/// Now, in nanoseconds since the Unix epoch.
pub fn unix_nanos_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
