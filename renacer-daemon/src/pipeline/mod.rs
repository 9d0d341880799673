//! From kernel records to typed calls: payloads joined to their call in
//! packed form, Lamport stamps, and each capture's bounded queue to its
//! subscriber, with every loss counted.
pub mod decoding;
pub mod lamport;
pub mod session;
