//! Work shared out between the cores, the results kept in order: the pieces
//! of a large file (`syntax::parse`), the checks of a large protocol
//! (`checks::run`). WebAssembly in a browser page has no threads: there,
//! everything runs on the one thread.

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

/// `work` on every item, on `threads` threads that each take the next item
/// when they finish one, the results in the items' order. An item whose
/// thread panicked has no result (`None`): the caller does it again or goes
/// without, as it sees fit.
pub fn each<T: Sync, R: Send>(items: &[T], threads: usize, work: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    if threads < 2 || items.len() < 2 {
        return items.iter().map(|item| Some(work(item))).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(items.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, work(item)));
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    let mut results: Vec<Option<R>> = items.iter().map(|_| None).collect();
    for (i, result) in done {
        results[i] = Some(result);
    }
    results
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
        let expected: Vec<Option<u64>> = items.iter().map(|n| Some(n * n)).collect();
        assert_eq!(each(&items, 4, slow), expected);
        assert_eq!(each(&items, 1, slow), expected);
    }

    #[test]
    fn an_item_whose_thread_panicked_has_no_result() {
        let items = [1, 2, 3];
        // Alone on its thread each time: a panicking item loses its thread's later items too.
        let results = each(&items, 3, |&n| if n == 2 { panic!("on purpose") } else { n });
        assert_eq!(results[1], None);
        assert!(results.iter().flatten().all(|&n| n != 2));
    }
}
