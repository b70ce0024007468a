//! The vendored data and the strict IDX parser.

mod common;

use std::path::Path;

use common::{gz, idx_labels as labels};
use distill_lab::data::{parse_idx_images, parse_idx_labels, Dataset, DatasetKind, Split};
use sha2::{Digest, Sha256};

fn images(count: u32, rows: u32, cols: u32, body: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [0x0803u32, count, rows, cols] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    v.extend(std::iter::repeat_n(7u8, body));
    v
}

#[test]
fn vendored_files_match_their_sha256_sums() {
    let root = Path::new("www/data");
    let sums = std::fs::read_to_string(root.join("SHA256SUMS")).unwrap();
    let mut checked = 0;
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, file) = line.split_once("  ").unwrap();
        let bytes = std::fs::read(root.join(file)).unwrap();
        let got = format!("{:x}", Sha256::digest(&bytes));
        assert_eq!(got, hash, "{file}");
        checked += 1;
    }
    assert_eq!(checked, 8);
}

#[test]
fn real_mnist_parses_with_the_documented_label_counts() {
    let d = Dataset::load(DatasetKind::Mnist, Path::new("www/data")).unwrap();
    assert_eq!((d.train.len(), d.test.len()), (60_000, 10_000));
    let mut counts = [0usize; 10];
    d.test.labels.iter().for_each(|&l| counts[l as usize] += 1);
    assert_eq!(
        counts,
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    let f = Dataset::load(DatasetKind::Fashion, Path::new("www/data")).unwrap();
    let mut counts = [0usize; 10];
    f.train.labels.iter().for_each(|&l| counts[l as usize] += 1);
    assert_eq!(counts, [6000; 10]);
}

#[test]
fn good_synthetic_files_parse_gzipped_or_raw() {
    let img = images(2, 28, 28, 2 * 784);
    let lab = labels(&[3, 9]);
    let s = Split::from_idx("i", &gz(&img), "l", &lab).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s.one_hot(&[1], 10)[9], 1.0);
    assert!((s.inputs(&[0])[0] - 7.0 / 255.0).abs() < 1e-7);
}

fn expect_err(result: Result<impl std::fmt::Debug, distill_lab::Error>, words: &[&str]) {
    let e = result.expect_err("must be rejected");
    for w in words {
        assert!(e.message().contains(w), "'{e}' should mention '{w}'");
    }
}

#[test]
fn bad_files_are_rejected_with_a_message_naming_file_and_problem() {
    let good = images(2, 28, 28, 2 * 784);
    let mut magic = good.clone();
    magic[3] = 0x01;
    expect_err(
        parse_idx_images("imgs.gz", &magic),
        &["imgs.gz", "wrong magic"],
    );
    expect_err(
        parse_idx_images("imgs.gz", &good[..good.len() - 5]),
        &["imgs.gz", "truncated"],
    );
    expect_err(
        parse_idx_images("imgs.gz", &good[..10]),
        &["imgs.gz", "truncated header"],
    );
    expect_err(parse_idx_images("imgs.gz", &[]), &["imgs.gz", "truncated"]);
    let mut long = good.clone();
    long.extend_from_slice(&[0; 3]);
    expect_err(
        parse_idx_images("imgs.gz", &long),
        &["imgs.gz", "oversized"],
    );
    expect_err(
        parse_idx_images("imgs.gz", &images(1, 0, 28, 0)),
        &["imgs.gz", "dimensions"],
    );
    expect_err(
        parse_idx_images("imgs.gz", &images(u32::MAX, 4096, 4096, 0)),
        &["imgs.gz", "too large"],
    );
    expect_err(
        Split::from_idx("imgs.gz", &images(1, 27, 28, 27 * 28), "l", &labels(&[1])),
        &["imgs.gz", "27×28"],
    );
    // Corrupt and truncated gzip streams.
    let z = gz(&good);
    let mut corrupt = z.clone();
    corrupt[20] ^= 0xff;
    corrupt[30] ^= 0xff;
    expect_err(parse_idx_images("imgs.gz", &corrupt), &["imgs.gz"]);
    expect_err(
        parse_idx_images("imgs.gz", &z[..z.len() / 2]),
        &["imgs.gz", "gzip"],
    );
    // Labels.
    expect_err(
        parse_idx_labels("labs", &labels(&[1, 10]), 10),
        &["labs", "out of range"],
    );
    expect_err(
        parse_idx_labels("labs", &good, 10),
        &["labs", "wrong magic"],
    );
    expect_err(
        Split::from_idx("imgs", &good, "labs", &labels(&[1, 2, 3])),
        &["labs", "3 labels for 2 images"],
    );
}

#[test]
fn a_huge_gzip_bomb_is_refused() {
    let bomb = gz(&vec![0u8; (64 << 20) + 10]);
    expect_err(
        parse_idx_images("bomb.gz", &bomb),
        &["bomb.gz", "oversized"],
    );
}
