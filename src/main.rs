fn main() -> std::process::ExitCode {
    shiftcoach::cli::main()
}
