fn main() {
    #[cfg(unix)]
    // SAFETY: called once at start, before any thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(framelab::cli::main());
}
