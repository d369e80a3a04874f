//! Prints `escalate draft`'s scores on the five seed protocols (the table of
//! `docs/draft.md`): `scripts/draft-score.sh` runs it.

fn main() -> std::process::ExitCode {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    match escalate::draft::score::seeds(&root) {
        Ok(table) => {
            print!("{table}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
