//! Conversions between this crate's types and the forms other code stores: SQ8 codes as `u8`,
//! `f16` as raw `u16` bits. None of them touches a value's meaning, and none allocates.

use half::f16;

use crate::distance::same_len;
use crate::error::Result;

/// Converts SQ8 codes from the `u8` form (`u = q + 128`, in `0..=255`: RVF's `u8` codes, and the
/// bytes of 8-bit scalar quantizers such as FAISS's) to this crate's `i8` codes `q = u - 128`.
///
/// The conversion flips the top bit of every byte (`u ^ 0x80`), so it is exact and its own
/// inverse is [`sq8_i8_to_u8`].
///
/// # Errors
///
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if `dst.len() != src.len()`.
///
/// ```
/// let mut q = [0i8; 3];
/// rvf_kernels::sq8_u8_to_i8(&[0, 128, 255], &mut q)?;
/// assert_eq!(q, [-128, 0, 127]);
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
pub fn sq8_u8_to_i8(src: &[u8], dst: &mut [i8]) -> Result<()> {
    same_len(src.len(), dst.len())?;
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = (s ^ 0x80) as i8;
    }
    Ok(())
}

/// Converts this crate's `i8` SQ8 codes `q` to the `u8` form `u = q + 128` (see
/// [`sq8_u8_to_i8`]).
///
/// # Errors
///
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if `dst.len() != src.len()`.
///
/// ```
/// let mut u = [0u8; 3];
/// rvf_kernels::sq8_i8_to_u8(&[-128, 0, 127], &mut u)?;
/// assert_eq!(u, [0, 128, 255]);
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
pub fn sq8_i8_to_u8(src: &[i8], dst: &mut [u8]) -> Result<()> {
    same_len(src.len(), dst.len())?;
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = (s as u8) ^ 0x80;
    }
    Ok(())
}

/// Converts `u8` SQ8 codes to `i8` codes in place (`q = u - 128`) and returns the same memory as
/// `i8`: for codes loaded from a file, with no copy.
///
/// ```
/// use rvf_kernels::{Metric, SqParams};
/// let p = SqParams::new(vec![0.0, 0.0], vec![255.0, 255.0])?;
/// let mut stored: Vec<u8> = vec![0, 255, 255, 0]; // two rows of u8 codes
/// let codes = rvf_kernels::sq8_u8_to_i8_in_place(&mut stored);
/// assert_eq!(codes, [-128, 127, 127, -128]);
/// let mut d = [0.0f32; 2];
/// rvf_kernels::sq8_distances_f32(Metric::L2, &p, &[0.0, 255.0], codes, &mut d)?;
/// assert_eq!(d, [0.0, 2.0 * 255.0 * 255.0]);
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
pub fn sq8_u8_to_i8_in_place(codes: &mut [u8]) -> &mut [i8] {
    for c in codes.iter_mut() {
        *c ^= 0x80;
    }
    bytemuck::cast_slice_mut(codes)
}

/// Converts `i8` SQ8 codes to `u8` codes in place (`u = q + 128`) and returns the same memory as
/// `u8`, for example to write them to a file.
///
/// ```
/// let mut codes = [-128i8, 0, 127];
/// assert_eq!(rvf_kernels::sq8_i8_to_u8_in_place(&mut codes), [0, 128, 255]);
/// ```
pub fn sq8_i8_to_u8_in_place(codes: &mut [i8]) -> &mut [u8] {
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(codes);
    for c in bytes.iter_mut() {
        *c ^= 0x80;
    }
    bytes
}

/// Views raw IEEE binary16 bit patterns as `f16` values, without copying (`f16` is a `u16` in
/// memory). For `f16` data read as `u16`, for example from a file or another library.
///
/// ```
/// use rvf_kernels::f16;
/// let bits: [u16; 3] = [0x3c00, 0xc000, 0x7c00];
/// let h = rvf_kernels::f16_from_bits(&bits);
/// assert_eq!(h, [f16::ONE, f16::from_f32(-2.0), f16::INFINITY]);
/// let mut wide = [0.0f32; 3];
/// rvf_kernels::f16_to_f32(h, &mut wide)?;
/// assert_eq!(wide, [1.0, -2.0, f32::INFINITY]);
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
pub fn f16_from_bits(bits: &[u16]) -> &[f16] {
    bytemuck::cast_slice(bits)
}

/// Mutable form of [`f16_from_bits`], for example as the output of
/// [`f32_to_f16`](crate::f32_to_f16) into a `u16` buffer.
///
/// ```
/// let mut bits = [0u16; 2];
/// rvf_kernels::f32_to_f16(&[1.0, 0.5], rvf_kernels::f16_from_bits_mut(&mut bits))?;
/// assert_eq!(bits, [0x3c00, 0x3800]);
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
pub fn f16_from_bits_mut(bits: &mut [u16]) -> &mut [f16] {
    bytemuck::cast_slice_mut(bits)
}

/// Views `f16` values as their raw IEEE binary16 bit patterns, without copying.
///
/// ```
/// use rvf_kernels::f16;
/// assert_eq!(rvf_kernels::f16_to_bits(&[f16::ONE, f16::NEG_INFINITY]), [0x3c00, 0xfc00]);
/// ```
pub fn f16_to_bits(values: &[f16]) -> &[u16] {
    bytemuck::cast_slice(values)
}
