//! `lean-sandbox`: run the Lean emulator on 127.0.0.1.

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "lean-sandbox",
    version,
    about = "A local emulator of Lean Technologies' Data API"
)]
struct Cli {
    #[command(flatten)]
    args: lean_sandbox::cli::SandboxArgs,
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = lean_sandbox::cli::run_forever(&cli.args) {
        eprintln!("lean-sandbox: {e}");
        std::process::exit(1);
    }
}
