// The catalog (`include_dir!`) and the migrations (`sqlx::migrate!`) are embedded at build
// time; stable Rust cannot track those folders from a macro, so tell Cargo here.
fn main() {
    println!("cargo:rerun-if-changed=prompts");
    println!("cargo:rerun-if-changed=migrations");
}
