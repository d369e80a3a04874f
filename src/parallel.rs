//! Work shared out between the cores, the results kept in order: the pieces
//! of a large file (`syntax::parse`), the checks of a large protocol
//! (`checks::run`), and in the command line the files of a folder and their
//! reports. WebAssembly in a browser page has no threads: there, everything
//! runs on the one thread.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many threads to use for `pieces` pieces of work: one a core, no more
/// than the pieces, and one where there are no threads. Counting the cores
/// costs system calls, so one piece does not.
pub fn threads_for(pieces: usize) -> usize {
    if cfg!(target_family = "wasm") || pieces < 2 {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(pieces)
}

/// The main thread's stack size, for every thread: deeply nested input is
/// read alike on any of them.
const STACK_BYTES: usize = 8 << 20;

/// `work` on every item, on up to `threads` threads that each take the next
/// item when they finish one, the results in the items' order. An item no
/// thread finished (none could be started, or its thread panicked) is done
/// again on this thread, so a panic is the caller's, as it would be without
/// threads.
pub fn each<T: Sync, R: Send>(items: &[T], threads: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if threads < 2 || items.len() < 2 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            mine.push((i, work(item)));
        }
        mine
    };
    let done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let worker = &worker;
        let started: Vec<_> = (0..threads.min(items.len()))
            .map_while(|_| {
                std::thread::Builder::new().stack_size(STACK_BYTES).spawn_scoped(scope, worker).ok()
            })
            .collect();
        started.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    let mut results: Vec<Option<R>> = items.iter().map(|_| None).collect();
    for (i, result) in done {
        results[i] = Some(result);
    }
    results.into_iter().zip(items).map(|(result, item)| result.unwrap_or_else(|| work(item))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_finishes_first() {
        let items: Vec<u64> = (0..200).collect();
        // Early items take longest, so later ones finish first.
        let slow = |&n: &u64| {
            std::thread::sleep(std::time::Duration::from_micros(200 - n));
            n * n
        };
        let expected: Vec<u64> = items.iter().map(|n| n * n).collect();
        assert_eq!(each(&items, 4, slow), expected);
        assert_eq!(each(&items, 1, slow), expected);
    }

    #[test]
    fn an_item_whose_thread_panicked_is_done_again_here() {
        let here = std::thread::current().id();
        let items = [1, 2, 3];
        // Item 2 fails on any thread but this one: done again here, it is there.
        let results = each(&items, 3, |&n| {
            assert!(n != 2 || std::thread::current().id() == here, "on purpose");
            n * 10
        });
        assert_eq!(results, [10, 20, 30]);
        // And a panic here is the caller's, as without threads.
        let always = std::panic::catch_unwind(|| each(&items, 3, |&n| assert!(n != 2, "on purpose")));
        assert!(always.is_err());
    }
}
