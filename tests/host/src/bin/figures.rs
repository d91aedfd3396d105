// SPDX-License-Identifier: GPL-2.0

//! Writes the Graphviz sources of the documentation's figures
//! (`vfio_ccw_channel::figures`) into the directory given, one
//! `NAME.dot` each (`make figures` renders them).

use std::path::PathBuf;
use std::{env, fs, process};

use vfio_ccw_channel::figures::FIGURES;

fn main() {
    let Some(dir) = env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: figures DIR");
        process::exit(2);
    };
    for (name, generate) in FIGURES {
        let path = dir.join(format!("{name}.dot"));
        if let Err(e) = fs::write(&path, generate()) {
            eprintln!("figures: {}: {e}", path.display());
            process::exit(1);
        }
    }
}
