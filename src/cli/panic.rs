//! What happens when escalate itself fails: a panic is a bug in escalate,
//! never in the user's file, so it is reported as rustc reports an internal
//! compiler error (what happened, that it is not the user's fault, how to
//! report it) with exit code 2, never as a Rust backtrace. And a run that
//! writes files, stopped by Ctrl-C or `kill`, removes the temporary files it
//! was writing.

use std::panic::PanicHookInfo;

/// The environment variable that makes a debug build panic on purpose, to
/// test the hook; release builds never read it.
pub(crate) const DEBUG_PANIC: &str = "ESCALATE_DEBUG_PANIC";

/// Install the panic hook.
pub(crate) fn install() {
    std::panic::set_hook(Box::new(|info| {
        eprint!("{}", message(info));
        escalate::fsutil::remove_temporaries();
        std::process::exit(2);
    }));
}

/// Install the interrupt handler, for a command that writes files. Ctrl-C,
/// `kill`, a closed terminal: the files being replaced are untouched; only
/// the half-written temporary files need removing. 130 is the shell's code
/// for a run stopped by Ctrl-C. A command that writes nothing has nothing to
/// clean up and goes without: the handler is a thread, and starting and
/// stopping it took 0.6 ms of the 7 ms of a run on one policy (`fmt` against
/// `fmt --check` of a laid-out file, 2026-12-02).
pub(crate) fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        escalate::fsutil::remove_temporaries();
        std::process::exit(130);
    });
}

/// In a debug build with `ESCALATE_DEBUG_PANIC` set, panic: the tests' way to
/// see the hook at work, since no input is known to make escalate panic.
pub(crate) fn debug_trigger() {
    if cfg!(debug_assertions) && std::env::var_os(DEBUG_PANIC).is_some() {
        panic!("{DEBUG_PANIC} is set: a panic on purpose, to test the panic hook");
    }
}

/// The report for a panic: one line saying what happened, then where and
/// what to do, with the panic's own text shown as source text is (it may
/// quote the user's input).
fn message(info: &PanicHookInfo<'_>) -> String {
    let what = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
    let command: Vec<String> = std::env::args().map(|a| escalate::render::human::visible_line(&a)).collect();
    format!(
        "error: internal error: escalate stopped unexpectedly\n\
         \n  this is a bug in escalate, not a problem with your file\n\
         \n  escalate {} panicked{place}: {}\
         \n  command: {}\n\
         \n  help: please report it to the escalate maintainers, with this message, the command and, if you \
         can share it, the file; a file escalate was rewriting is left as it was\n",
        env!("CARGO_PKG_VERSION"),
        escalate::render::human::visible(&what),
        command.join(" ")
    )
}
