use std::process::ExitCode;

fn main() -> ExitCode {
    csp_transition::cli::run()
}
