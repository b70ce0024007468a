//! Strict parsing of the IDX format (optionally gzip-compressed) used by MNIST and Fashion-MNIST.
//!
//! Every malformed input is an [`Error`] naming the file and the problem: wrong magic, bad
//! dimensions, truncated data, trailing bytes, a corrupt gzip stream or one that inflates past
//! [`MAX_DECOMPRESSED`]. Nothing here panics on bad input.

use super::read::read_limited;
use crate::{err, Result};

/// The largest decompressed IDX file we accept (64 MiB; the MNIST training images are 47 MB).
pub const MAX_DECOMPRESSED: usize = 64 << 20;

const MAGIC_IMAGES: u32 = 0x0000_0803;
const MAGIC_LABELS: u32 = 0x0000_0801;

/// Images parsed from an IDX file: `count` images of `rows × cols` bytes, row-major.
#[derive(Debug, Clone)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count * rows * cols` grey levels in 0..=255.
    pub pixels: Vec<u8>,
}

/// Inflates `bytes` if they start with the gzip magic, refusing to go past `MAX_DECOMPRESSED`.
/// The buffer never holds more than `MAX_DECOMPRESSED` bytes, whatever the input claims.
pub fn gunzip_limited(name: &str, bytes: &[u8]) -> Result<Vec<u8>> {
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Ok(bytes.to_vec());
    }
    // A first guess of 4× the compressed size, within the cap.
    let hint = bytes.len().saturating_mul(4);
    read_limited(flate2::read::GzDecoder::new(bytes), hint, MAX_DECOMPRESSED)
        .map_err(|e| err!("{name}: corrupt gzip data ({e})"))?
        .ok_or_else(|| {
            err!(
                "{name}: oversized, inflates to more than {} MiB",
                MAX_DECOMPRESSED >> 20
            )
        })
}

fn read_u32(name: &str, bytes: &[u8], at: usize, what: &str) -> Result<u32> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| {
            err!(
                "{name}: truncated header ({} bytes, no room for the {what})",
                bytes.len()
            )
        })
}

fn check_magic(name: &str, found: u32, expected: u32, kind: &str) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(err!(
            "{name}: wrong magic number 0x{found:08x}, expected 0x{expected:08x} ({kind})"
        ))
    }
}

fn check_len(name: &str, header: usize, body: usize, expected: usize) -> Result<()> {
    let found = body.saturating_sub(header);
    if found < expected {
        Err(err!(
            "{name}: truncated, the header promises {expected} data bytes but only {found} follow"
        ))
    } else if found > expected {
        Err(err!(
            "{name}: oversized, {} unexpected bytes after the {expected} data bytes",
            found - expected
        ))
    } else {
        Ok(())
    }
}

/// Parses an IDX image file (gzip or raw). `name` is used in error messages.
pub fn parse_idx_images(name: &str, bytes: &[u8]) -> Result<IdxImages> {
    let data = gunzip_limited(name, bytes)?;
    check_magic(
        name,
        read_u32(name, &data, 0, "magic")?,
        MAGIC_IMAGES,
        "IDX images",
    )?;
    let count = read_u32(name, &data, 4, "image count")? as usize;
    let rows = read_u32(name, &data, 8, "row count")? as usize;
    let cols = read_u32(name, &data, 12, "column count")? as usize;
    if rows == 0 || cols == 0 || rows > 4096 || cols > 4096 {
        return Err(err!("{name}: bad image dimensions {rows}×{cols}"));
    }
    let expected = count
        .checked_mul(rows * cols)
        .filter(|&n| n <= MAX_DECOMPRESSED)
        .ok_or_else(|| {
            err!("{name}: bad dimensions, {count} images of {rows}×{cols} is too large")
        })?;
    check_len(name, 16, data.len(), expected)?;
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels: data[16..].to_vec(),
    })
}

/// Parses an IDX label file (gzip or raw); every label must be below `classes`.
pub fn parse_idx_labels(name: &str, bytes: &[u8], classes: usize) -> Result<Vec<u8>> {
    let data = gunzip_limited(name, bytes)?;
    check_magic(
        name,
        read_u32(name, &data, 0, "magic")?,
        MAGIC_LABELS,
        "IDX labels",
    )?;
    let count = read_u32(name, &data, 4, "label count")? as usize;
    check_len(name, 8, data.len(), count)?;
    let labels = data[8..].to_vec();
    if let Some((i, &l)) = labels
        .iter()
        .enumerate()
        .find(|(_, &l)| l as usize >= classes)
    {
        return Err(err!(
            "{name}: label {l} at index {i} is out of range (classes 0..{classes})"
        ));
    }
    Ok(labels)
}
