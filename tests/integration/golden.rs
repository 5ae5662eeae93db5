//! Every error message and exit code of the command line, pinned by the Markdown case files
//! under `tests/cmd/` (trycmd). `TRYCMD=overwrite cargo test golden` rewrites them after a
//! deliberate change; read the diff.

#[test]
fn golden_command_lines() {
    trycmd::TestCases::new()
        .register_bin("tidemark", trycmd::cargo::cargo_bin!("tidemark"))
        .case("tests/cmd/*.md");
}
