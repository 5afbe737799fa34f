//! Standard output. A reader that went away (`lean accounts | head -1`) ends the command
//! quietly with exit 0, as Unix tools do; any other write failure is said once, exit 1.

use std::io::Write;

/// Writes one line to standard output.
pub(crate) fn line(text: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|()| out.write_all(b"\n")) {
        gone(&e);
    }
}

/// Ends the command after a failed write to standard output.
pub(crate) fn gone(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(i32::from(crate::exit::LEAN));
}

/// `println!` that ends quietly when the reader is gone.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;
