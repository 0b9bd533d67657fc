//! Rebuilds when a migration changes: `embed_migrations!` reads the folders at compile time,
//! and cargo does not watch them on its own (diesel_migrations' advice).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
