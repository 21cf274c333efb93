//! What the two x86-64 backends share: CRC32C with SSE4.2 `crc32` and PCLMULQDQ (special
//! instructions, so by hand), written once. The AVX2 backend's table uses [`crc32c::update`]; the
//! `avx2+vpclmulqdq` tier and the AVX-512 backend's VPCLMULQDQ tiers run the same loops
//! ([`crc32c::crc_fused`], [`crc32c::crc_fold`]) over their 256- and 512-bit [`crc32c::Fold`]
//! registers and reuse the 128-bit finishing code.

pub(crate) mod crc32c;
