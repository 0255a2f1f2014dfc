// Input for tests/formats.rs: a file that does not parse, reported as an
// error with a position while the other files are still linted.
pub fn broken(x: u32) -> u32 {
    let y = x +;
    y
}
