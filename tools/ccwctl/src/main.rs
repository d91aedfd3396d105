// SPDX-License-Identifier: GPL-2.0
//! `ccwctl`: see `ccwctl --help` and Documentation/ccwctl.md.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(ccwctl::cli::main(args));
}
