//! Lists every tier (a backend with a set of its optional extensions) and whether this machine
//! runs it, then the tier the crate dispatches to.
//!
//! ```text
//! cargo run --release --example tiers            # a table
//! cargo run --release --example tiers -- --names # the available tiers' names, one per line
//! ```

use rvf_kernels::{Tier, active_tier};

fn main() {
    if std::env::args().any(|a| a == "--names") {
        for t in Tier::available() {
            println!("{t}");
        }
        return;
    }
    println!("{:<32} available here", "tier");
    for t in Tier::ALL {
        let yes = if t.is_available() { "yes" } else { "no" };
        println!("{:<32} {yes}", t.to_string());
    }
    println!();
    println!("detected: {}", Tier::detect());
    println!("dispatched (RVF_BACKEND honoured): {}", active_tier());
}
