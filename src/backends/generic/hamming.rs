//! Hamming distances (popcount of `a ^ b`) and their blocks, written once over [`Bytes`].

use crate::backends::vector::{Bytes, prefetch_ahead, prefetch_lines};

/// Popcount of `a ^ b` with 64-bit scalar counts on four independent accumulators (`POPCNT`
/// where the entry point enables it).
#[inline(always)]
pub(crate) fn popcnt64(a: &[u8], b: &[u8]) -> u64 {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut c = [0u64; 4];
    let mut i = 0;
    // SAFETY: every read is of 8 (or 1) bytes below n in both slices.
    unsafe {
        let x = |i: usize| {
            let w = (pa.add(i) as *const u64).read_unaligned();
            (w ^ (pb.add(i) as *const u64).read_unaligned()).count_ones() as u64
        };
        while i + 32 <= n {
            c[0] += x(i);
            c[1] += x(i + 8);
            c[2] += x(i + 16);
            c[3] += x(i + 24);
            i += 32;
        }
        while i + 8 <= n {
            c[0] += x(i);
            i += 8;
        }
        while i < n {
            c[1] += (*pa.add(i) ^ *pb.add(i)).count_ones() as u64;
            i += 1;
        }
    }
    c[0] + c[1] + c[2] + c[3]
}

/// Number of differing bits of `a` and `b`.
///
/// # Safety
/// `V`'s features are enabled; `a.len() == b.len()`.
#[inline(always)]
pub(crate) unsafe fn hamming<V: Bytes>(a: &[u8], b: &[u8]) -> u64 {
    let n = a.len().min(b.len());
    if n < V::SHORT {
        return popcnt64(a, b);
    }
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    // SAFETY: V's features (caller); full loads read N bytes below n, the partial one the rest.
    unsafe {
        let (mut c0, mut c1) = (V::acc_zero(), V::acc_zero());
        let mut i = 0;
        while i + 4 * V::N <= n {
            let (j, k, l) = (i + V::N, i + 2 * V::N, i + 3 * V::N);
            let x0 = V::load_xor(pa.add(i), pb.add(i));
            let x1 = V::load_xor(pa.add(j), pb.add(j));
            let x2 = V::load_xor(pa.add(k), pb.add(k));
            let x3 = V::load_xor(pa.add(l), pb.add(l));
            c0 = V::popcnt_add4(c0, [x0, x1, x2, x3]);
            i += 4 * V::N;
        }
        while i + V::N <= n {
            c1 = V::popcnt_add(c1, V::load_xor(pa.add(i), pb.add(i)));
            i += V::N;
        }
        if i < n {
            c1 = V::popcnt_add(c1, V::load_xor_partial(pa.add(i), pb.add(i), n - i));
        }
        V::hsum(V::acc_add(c0, c1))
    }
}

/// Bytes between a row of at most a line and the line it asks for. Such a row asks for one line,
/// not a row's lines at once, and a longer distance than [`prefetch_ahead`]'s pays: streaming
/// 48-byte codes ran at 81 % of the read bandwidth at 1 KB (AVX2; 91 % with AVX-512 VPOPCNTDQ),
/// 90-99 % at 3-8 KB (the README's Sapphire Rapids Xeon; the longer rows ask
/// [`PREFETCH_AHEAD`](crate::backends::vector::PREFETCH_AHEAD) bytes ahead).
const SHORT_AHEAD: usize = 4096;

/// Hamming distances of a query against a row-major block of byte rows, as `f32`. Rows of whole
/// 64-bit words up to [`Bytes::WORD_ROWS`] bytes take the word loops ([`block_words`]), the
/// others `V`'s pair kernel row by row. Each row asks for the lines ahead of it ([`SHORT_AHEAD`]
/// for rows of at most a line, else [`prefetch_ahead`]): binary codes are often shorter than a
/// line, and one row's lines ahead are too few to hide the memory's latency (streaming 48-byte
/// codes ran at 35-70 % of the read bandwidth without).
///
/// # Safety
/// As [`hamming`]; `block.len() == out.len() * q.len()`.
#[inline(always)]
pub(crate) unsafe fn block<V: Bytes>(q: &[u8], block: &[u8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(0.0);
        return;
    }
    if dim <= V::WORD_ROWS && dim.is_multiple_of(8) {
        match dim / 8 {
            1 => block_words::<1>(q, block, out),
            2 => block_words::<2>(q, block, out),
            3 => block_words::<3>(q, block, out),
            4 => block_words::<4>(q, block, out),
            5 => block_words::<5>(q, block, out),
            6 => block_words::<6>(q, block, out),
            7 => block_words::<7>(q, block, out),
            8 => block_words::<8>(q, block, out),
            _ => block_words_any(q, block, out),
        }
        return;
    }
    let rows = block.chunks_exact(dim).zip(out.iter_mut());
    // Two loops, not a test per row: these rows take a few nanoseconds each. Rows of at most a
    // line ask for one line each, which covers every line of the block.
    if dim <= 64 {
        for (row, o) in rows {
            prefetch_lines(row.as_ptr().wrapping_add(SHORT_AHEAD), 1);
            // SAFETY: forwarded from the caller.
            *o = unsafe { hamming::<V>(q, row) } as f32;
        }
    } else {
        for (row, o) in rows {
            prefetch_ahead(row.as_ptr(), dim);
            // SAFETY: forwarded from the caller.
            *o = unsafe { hamming::<V>(q, row) } as f32;
        }
    }
}

/// [`block`] for rows of `W` 64-bit words (binary codes of 64 to 512 bits): the query's words
/// stay in registers and each row is `W` scalar popcounts of `query ^ row` summed in a `u32`
/// (at most 512: exact in `f32`), each row asking for one line [`SHORT_AHEAD`] bytes ahead.
/// The vector loop pays for a horizontal sum and a `u64` conversion per row, which for short
/// rows costs more than the counts (see [`Bytes::WORD_ROWS`]).
///
/// Safe code (slices checked; the checks fold away for the constant `W`): the entry point's
/// `POPCNT` makes `count_ones` one instruction.
#[inline(always)]
fn block_words<const W: usize>(q: &[u8], block: &[u8], out: &mut [f32]) {
    // The `W` words of 8 bytes of `s` (a slice of `8 * W` bytes: the query, a row).
    let words = |s: &[u8]| {
        core::array::from_fn::<u64, W, _>(|w| {
            let b = &s[8 * w..8 * w + 8];
            u64::from_ne_bytes(b.try_into().unwrap_or([0; 8]))
        })
    };
    let qw = words(q);
    for (row, o) in block.chunks_exact(8 * W).zip(out.iter_mut()) {
        prefetch_lines(row.as_ptr().wrapping_add(SHORT_AHEAD), 1);
        let rw = words(row);
        let mut c = 0u32;
        for (a, b) in qw.iter().zip(&rw) {
            c += (a ^ b).count_ones();
        }
        *o = c as f32;
    }
}

/// [`block_words`] for rows of any number of words (longer than 64 bytes): the query's words are
/// read again for each row (from the first-level cache), each row asks for its lines
/// [`prefetch_ahead`].
///
/// Rows of `q.len()` bytes, a multiple of 8 (counts summed in a `u32`: at most `8 * q.len()`,
/// exact in `f32` for the lengths of [`Bytes::WORD_ROWS`]).
#[inline(always)]
fn block_words_any(q: &[u8], block: &[u8], out: &mut [f32]) {
    let dim = q.len();
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        prefetch_ahead(row.as_ptr(), dim);
        let mut c = 0u32;
        for (a, b) in q.chunks_exact(8).zip(row.chunks_exact(8)) {
            let word = |s: &[u8]| u64::from_ne_bytes(s.try_into().unwrap_or([0; 8]));
            c += (word(a) ^ word(b)).count_ones();
        }
        *o = c as f32;
    }
}
