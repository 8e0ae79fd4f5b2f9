fn main() {
    std::process::exit(framelab::cli::main());
}
