//! The global runtime's worker count: set before its first use, refused when out of range,
//! and too late once it runs. Its own test binary (a process of its own), because the
//! runtime is process-wide and the first use fixes it.

use ccbridge::runtime::{self, configure_worker_threads, MAX_WORKER_THREADS};
use ccbridge::Error;

#[test]
fn the_first_setting_before_first_use_decides_the_worker_count() {
    for bad in [0, MAX_WORKER_THREADS + 1] {
        match configure_worker_threads(bad) {
            Err(Error::InvalidArgument { field, .. }) => assert_eq!(field, "workers"),
            other => panic!("{bad} workers: {other:?}"),
        }
    }
    assert!(configure_worker_threads(1).unwrap());
    // An earlier setting stands, before and after the runtime starts.
    assert!(!configure_worker_threads(3).unwrap());
    assert_eq!(runtime::block_on(async { 7 }).unwrap(), 7);
    assert!(!configure_worker_threads(4).unwrap());
    assert_eq!(runtime::handle().metrics().num_workers(), 1);
}
