//! CRC32C (Castagnoli, reflected polynomial 0x82F63B78) with slicing-by-8 tables.

const POLY: u32 = 0x82F6_3B78;

/// `TABLES[0]` is the classic byte table; `TABLES[j][b]` is the CRC of byte `b` followed by `j`
/// zero bytes, so eight table look-ups advance the register by eight bytes.
pub(crate) static TABLES: [[u32; 256]; 8] = make_tables();

/// Fills the byte table (`TABLES[0]`): `t[b]` is the register after byte `b`. A `const fn` for
/// `TABLES`, also run by the tile, which builds the table in its memory (it has no static data).
pub(crate) const fn fill_byte_table(t: &mut [u32; 256]) {
    let mut b = 0;
    while b < 256 {
        let mut c = b as u32;
        let mut i = 0;
        while i < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            i += 1;
        }
        t[b] = c;
        b += 1;
    }
}

/// Advances the raw register over `data` one byte at a time with the byte table `t0` (the tail of
/// [`update`], and the tile's whole CRC).
#[inline(always)]
pub(crate) fn update_bytewise(mut crc: u32, data: &[u8], t0: &[u32; 256]) -> u32 {
    for &b in data {
        crc = (crc >> 8) ^ t0[((crc ^ b as u32) & 0xff) as usize];
    }
    crc
}

const fn make_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    fill_byte_table(&mut t[0]);
    let mut j = 1;
    while j < 8 {
        let mut b = 0;
        while b < 256 {
            let prev = t[j - 1][b];
            t[j][b] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            b += 1;
        }
        j += 1;
    }
    t
}

/// Advances the raw CRC register over `data` (no initial or final inversion here).
pub(crate) fn update(mut crc: u32, data: &[u8]) -> u32 {
    let t = &TABLES;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        crc = t[7][(lo & 0xff) as usize]
            ^ t[6][((lo >> 8) & 0xff) as usize]
            ^ t[5][((lo >> 16) & 0xff) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][c[4] as usize]
            ^ t[2][c[5] as usize]
            ^ t[1][c[6] as usize]
            ^ t[0][c[7] as usize];
    }
    update_bytewise(crc, chunks.remainder(), &t[0])
}

// The polynomial's carry-less constants for the x86 folding kernels (ISA-independent arithmetic,
// unused on the other targets).

/// The CRC32C polynomial in normal (non-reflected) form, without the `x^32` term.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const POLY_NORMAL: u32 = 0x1EDC_6F41;

/// `x^n mod P` in normal form (bit `d` is the coefficient of `x^d`).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const fn xpow_mod(n: u32) -> u32 {
    let mut v: u32 = 1;
    let mut i = 0;
    while i < n {
        let carry = v & 0x8000_0000 != 0;
        v <<= 1;
        if carry {
            v ^= POLY_NORMAL;
        }
        i += 1;
    }
    v
}

/// `x^n mod P` as a reflected 33-bit multiplier (bit `j` is the coefficient of `x^(32 - j)`).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) const fn k33(n: u32) -> u64 {
    (xpow_mod(n).reverse_bits() as u64) << 1
}

/// Fold constants `[first half, second half]` for a forward move of `bits` bits.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) const fn fold_k(bits: u32) -> [u64; 2] {
    [k33(bits + 32), k33(bits - 32)]
}
