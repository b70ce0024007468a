//! Bounded reads: a file (or a decompressor) is read into memory only up to a stated size, so a
//! path to a device such as `/dev/zero`, or a gzip bomb, is refused with a message instead of
//! exhausting memory. The buffer never grows past the bound.

use std::io::Read;
use std::path::Path;

use crate::{err, Result};

/// Reads `reader` to its end into a buffer that starts at `hint` bytes (clamped to `max`) and
/// never holds more than `max`: `Ok(None)` once the input turns out longer than `max`.
pub fn read_limited(
    mut reader: impl Read,
    hint: usize,
    max: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::with_capacity(hint.min(max));
    let mut chunk = [0u8; 32 << 10];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Ok(Some(out)),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n > max - out.len() {
            return Ok(None);
        }
        if out.capacity() - out.len() < n {
            // Doubling as `Vec` would, but clamped to `max`.
            out.reserve_exact(out.capacity().max(n).min(max - out.len()));
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// Reads the file at `path` whole, refusing it (with a message naming it) if it holds more
/// than `max` bytes.
pub fn read_file(path: &Path, max: usize) -> Result<Vec<u8>> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| err!("{name}: {e}"))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let too_large = || err!("{name}: larger than {max} bytes, refused");
    if len > max as u64 {
        return Err(too_large());
    }
    read_limited(file, len as usize, max)
        .map_err(|e| err!("{name}: {e}"))?
        .ok_or_else(too_large)
}
