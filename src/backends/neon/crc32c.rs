//! CRC32C with the ARMv8 CRC32 instructions (`crc32cx`/`crc32cb`): three interleaved streams
//! joined with `pmull` where PMULL is present, else serial. Without CRC32 the tables keep the
//! scalar kernel (slicing-by-8 tables).
//!
//! * `crc` + `aes` (PMULL): [`update_pmull`]: rounds of three streams of `BLK` bytes, each
//!   stream its own register (the first continues the running CRC, the other two start at 0),
//!   then `crc = shift(c0, 2 BLK) ^ shift(c1, BLK) ^ c2`; then the serial path for the rest.
//! * `crc` only: [`serial`], one `crc32cx` per 8 bytes, `crc32cb` for the last bytes.
//!
//! Shifting (appending `L` zero bytes, `c * x^(8L) mod P`): with reflected operands, the 64-bit
//! carry-less product of `c` and `K = x^(8L - 33) mod P` is the polynomial `c * K * x`, and
//! `crc32cx(0, d)` computes `d * x^32 mod P`, so `crc32cx(0, pmull(c, K)) = c * x^(8L) mod P`.
//! The shifts are linear, so both products are XORed before one `crc32cx`.

use core::arch::aarch64::*;

/// The reflected CRC32C polynomial without its `x^32` term.
const POLY: u32 = 0x82F6_3B78;

/// `x^n mod P` in the reflected representation (bit 31 is the coefficient of `x^0`).
const fn xpow(n: usize) -> u32 {
    let mut v = 0x8000_0000u32;
    let mut i = 0;
    while i < n {
        v = if v & 1 != 0 { (v >> 1) ^ POLY } else { v >> 1 };
        i += 1;
    }
    v
}

/// Shift constants `(K for BLK bytes, K for 2 BLK bytes)` of a round size.
const fn shift_keys(blk: usize) -> (u32, u32) {
    (xpow(8 * blk - 33), xpow(16 * blk - 33))
}

const BLK_LONG: usize = 1024;
const KEYS_LONG: (u32, u32) = shift_keys(BLK_LONG);
const BLK_SHORT: usize = 128;
const KEYS_SHORT: (u32, u32) = shift_keys(BLK_SHORT);

#[inline(always)]
fn word(d: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&d[i..i + 8]);
    u64::from_le_bytes(w)
}

/// CRC32C update with the CRC32 instructions only: one `crc32cx` per 8 bytes, then one
/// `crc32cb` per byte.
#[target_feature(enable = "crc")]
pub(super) fn serial(mut crc: u32, data: &[u8]) -> u32 {
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        crc = __crc32cd(crc, word(w, 0));
    }
    for &b in words.remainder() {
        crc = __crc32cb(crc, b);
    }
    crc
}

/// Rounds of three `blk`-byte streams while at least `3 blk` bytes remain; returns the register
/// and the bytes not consumed.
#[target_feature(enable = "crc,aes")]
fn rounds(mut crc: u32, mut data: &[u8], blk: usize, keys: (u32, u32)) -> (u32, &[u8]) {
    while data.len() >= 3 * blk {
        let (s0, rest) = data.split_at(blk);
        let (s1, rest) = rest.split_at(blk);
        let (s2, rest) = rest.split_at(blk);
        let (mut c0, mut c1, mut c2) = (crc, 0u32, 0u32);
        let mut i = 0;
        while i < blk {
            c0 = __crc32cd(c0, word(s0, i));
            c1 = __crc32cd(c1, word(s1, i));
            c2 = __crc32cd(c2, word(s2, i));
            i += 8;
        }
        let p = (vmull_p64(c0 as u64, keys.1 as u64) ^ vmull_p64(c1 as u64, keys.0 as u64)) as u64;
        crc = __crc32cd(0, p) ^ c2;
        data = rest;
    }
    (crc, data)
}

/// CRC32C update with CRC32 and PMULL: three streams, 1 KB then 128-byte rounds, then serial.
#[target_feature(enable = "crc,aes")]
pub(super) fn update_pmull(crc: u32, data: &[u8]) -> u32 {
    let (crc, rest) = rounds(crc, data, BLK_LONG, KEYS_LONG);
    let (crc, rest) = rounds(crc, rest, BLK_SHORT, KEYS_SHORT);
    serial(crc, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::scalar;

    #[test]
    fn shift_keys_match_appending_zeros() {
        // x^(8L - 33) * x^33 == x^(8L): appending L zero bytes to "1" (bit 31) in the table code.
        for blk in [BLK_SHORT, BLK_LONG] {
            let (k1, k2) = shift_keys(blk);
            assert_eq!(k1, xpow(8 * blk - 33));
            let zeros = [0u8; 2 * BLK_LONG];
            let via_table = scalar::crc32c_update(0x8000_0000, &zeros[..blk]);
            assert_eq!(via_table, xpow(8 * blk));
            assert_eq!(
                scalar::crc32c_update(0x8000_0000, &zeros[..2 * blk]),
                xpow(16 * blk)
            );
            assert_ne!(k1, k2);
        }
    }
}
