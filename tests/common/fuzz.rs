//! A small seeded mutation fuzzer for the loaders (`tests/fuzz.rs`), on stable Rust.
//!
//! Each execution copies one seed (a valid file), applies one to four mutations — bit flips,
//! random and boundary bytes, 32- and 64-bit length fields set to 2^31, 2^32 − 1, 2^63, …
//! (big- and little-endian), truncations, deleted, inserted and repeated ranges, JSON numbers
//! replaced by huge ones (safetensors shapes and offsets live in a JSON header), splices of two
//! seeds — and runs the loader on the result. A run fails on the first panic, on an error that
//! does not name the file, or on a single allocation larger than the loader's bound for that
//! input; the input is saved for a regression test. Deterministic: the same seed, the same
//! inputs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use distill_lab::rng::Rng;

/// The system allocator, recording the largest single request (allocation or reallocation)
/// made by the current thread. Install it with `#[global_allocator]`.
pub struct PeakAlloc;

thread_local! {
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = PEAK.try_with(|p| p.set(p.get().max(size)));
}

/// The largest single allocation of this thread since the last call (then reset to 0).
pub fn take_peak() -> usize {
    PEAK.with(|p| p.replace(0))
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Executions per loader: `FUZZ_EXECS` if set (`make fuzz`), else `default`.
pub fn execs(default: usize) -> usize {
    std::env::var("FUZZ_EXECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Boundary values for length and count fields.
const INTERESTING: [u64; 16] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    1 << 32,
    1 << 48,
    (1 << 62) + 7,
    0x7fff_ffff_ffff_ffff,
    1 << 63,
    u64::MAX - 1,
    u64::MAX,
];

/// Replacements for a run of digits (JSON numbers: shapes, offsets, metadata values).
const NUMBERS: [&str; 14] = [
    "0",
    "1",
    "-1",
    "2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "1e308",
    "1.5",
    "65536",
];

/// Replaces `data[range]` by `with`.
fn replace(data: &mut Vec<u8>, range: std::ops::Range<usize>, with: &[u8]) {
    let tail = data.split_off(range.end);
    data.truncate(range.start);
    data.extend_from_slice(with);
    data.extend_from_slice(&tail);
}

/// The mutator: a seeded generator and the operations of the module docs.
pub struct Mutator {
    rng: Rng,
}

impl Mutator {
    /// A mutator whose inputs depend only on `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed),
        }
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.rng.below(n)
        }
    }

    /// A position in `0..=len`, half the time within the first 512 bytes (headers live there).
    fn pos(&mut self, len: usize) -> usize {
        match self.below(2) {
            0 => self.below(len.min(512) + 1),
            _ => self.below(len + 1),
        }
    }

    /// Writes `value`'s low `width` bytes at `at` (clipped to the input), big- or little-endian.
    fn put(&mut self, data: &mut [u8], at: usize, value: u64, width: usize) {
        let le = value.to_le_bytes();
        let big = self.below(2) == 0;
        for k in 0..width {
            if let Some(b) = data.get_mut(at + k) {
                *b = if big { le[width - 1 - k] } else { le[k] };
            }
        }
    }

    /// One mutation of `data`; `other` is another seed for splices.
    fn mutate_once(&mut self, data: &mut Vec<u8>, other: &[u8]) {
        let len = data.len();
        match self.below(12) {
            0 if len > 0 => {
                let at = self.pos(len - 1);
                data[at] ^= 1 << self.below(8);
            }
            1 if len > 0 => {
                let at = self.pos(len - 1);
                data[at] = self.rng.next_u64() as u8;
            }
            2 | 3 => {
                // A 32-bit field, half the time at an aligned header offset (IDX: 0, 4, 8, 12).
                let at = match self.below(2) {
                    0 => 4 * self.below(4),
                    _ => self.pos(len),
                };
                let v = INTERESTING[self.below(INTERESTING.len())];
                self.put(data, at, v, 4);
            }
            4 => {
                // A 64-bit field, half the time the safetensors header length at offset 0.
                let at = if self.below(2) == 0 { 0 } else { self.pos(len) };
                let v = INTERESTING[self.below(INTERESTING.len())];
                self.put(data, at, v, 8);
            }
            5 => data.truncate(self.pos(len)),
            6 if len > 0 => {
                let at = self.pos(len - 1);
                let n = 1 + self.below((len - at).min(64));
                data.drain(at..at + n);
            }
            7 => {
                let at = self.pos(len);
                let n = 1 + self.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| self.rng.next_u64() as u8).collect();
                replace(data, at..at, &bytes);
            }
            8 if len > 0 => {
                // Repeat a range (a duplicated record or tensor).
                let at = self.pos(len - 1);
                let n = 1 + self.below((len - at).min(256));
                let copy = data[at..at + n].to_vec();
                let to = self.pos(len);
                replace(data, to..to, &copy);
            }
            9 => self.replace_number(data),
            10 if !other.is_empty() => {
                let (a, b) = (self.pos(len), self.below(other.len()));
                data.truncate(a);
                data.extend_from_slice(&other[b..]);
            }
            _ => {
                let v = INTERESTING[self.below(INTERESTING.len())] as u8;
                let at = self.pos(len);
                if at < len {
                    data[at] = v;
                } else {
                    data.push(v);
                }
            }
        }
    }

    /// Replaces one run of ASCII digits by a huge or odd number.
    fn replace_number(&mut self, data: &mut Vec<u8>) {
        let runs: Vec<usize> = (0..data.len())
            .filter(|&i| data[i].is_ascii_digit() && (i == 0 || !data[i - 1].is_ascii_digit()))
            .collect();
        if runs.is_empty() {
            return;
        }
        let start = runs[self.below(runs.len())];
        let end = (start..data.len())
            .find(|&i| !data[i].is_ascii_digit())
            .unwrap_or(data.len());
        let with = NUMBERS[self.below(NUMBERS.len())].as_bytes();
        replace(data, start..end, with);
    }

    /// A mutant of one of `seeds`: a copy with one to four mutations.
    pub fn mutant(&mut self, seeds: &[Vec<u8>]) -> Vec<u8> {
        let mut data = seeds[self.below(seeds.len())].clone();
        let other = &seeds[self.below(seeds.len())];
        for _ in 0..1 + self.below(4) {
            self.mutate_once(&mut data, other);
        }
        data
    }
}

/// What one loader's run did.
#[derive(Debug)]
pub struct Report {
    /// Executions.
    pub execs: usize,
    /// Inputs the loader accepted.
    pub accepted: usize,
    /// The largest single allocation seen, in bytes.
    pub peak: usize,
}

/// Runs `load` on `execs` mutants of `seeds` (named `file` in errors) and fails on a panic, an
/// error not naming `file`, or an allocation above `bound(input)`. Prints one line:
/// `fuzz NAME: N executions …`.
pub fn fuzz<T>(
    name: &str,
    file: &str,
    seeds: &[Vec<u8>],
    execs: usize,
    bound: impl Fn(&[u8]) -> usize,
    load: impl Fn(&[u8]) -> Result<T, distill_lab::Error>,
) -> Report {
    // Every seed loads: the mutants start from valid files.
    for (i, s) in seeds.iter().enumerate() {
        if let Err(e) = load(s) {
            panic!("{name}: seed {i} does not load: {e}");
        }
    }
    let seed = name
        .bytes()
        .fold(17u64, |h, b| h.wrapping_mul(31) ^ u64::from(b));
    let mut mutator = Mutator::new(seed);
    let started = Instant::now();
    let mut report = Report {
        execs: 0,
        accepted: 0,
        peak: 0,
    };
    for i in 0..execs {
        let input = mutator.mutant(seeds);
        take_peak();
        let outcome = catch_unwind(AssertUnwindSafe(|| load(&input)));
        let peak = take_peak();
        let failure = match outcome {
            Err(_) => Some("panicked".to_string()),
            Ok(Err(e)) if !e.message().contains(file) => {
                Some(format!("the error does not name the file: {e}"))
            }
            Ok(Err(_)) => None,
            Ok(Ok(_)) => {
                report.accepted += 1;
                None
            }
        };
        let failure = failure.or_else(|| {
            (peak > bound(&input)).then(|| {
                format!(
                    "allocated {peak} bytes at once for a {}-byte input (bound {})",
                    input.len(),
                    bound(&input)
                )
            })
        });
        if let Some(why) = failure {
            let path = std::env::temp_dir().join(format!("fuzz-{name}-{i}.bin"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "{name}: execution {i}: {why}; input saved to {}",
                path.display()
            );
        }
        report.peak = report.peak.max(peak);
        report.execs += 1;
    }
    println!(
        "fuzz {name}: {} executions ({} accepted, {} refused) in {:.1} s, largest allocation {} bytes",
        report.execs,
        report.accepted,
        report.execs - report.accepted,
        started.elapsed().as_secs_f64(),
        report.peak
    );
    report
}
