//! CRC32C (Castagnoli): one-shot and incremental.

api! {
    /// CRC32C of `data` (reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF).
    ///
    /// ```
    /// assert_eq!(rvf_kernels::crc32c(b"123456789"), 0xE306_9283);
    /// assert_eq!(rvf_kernels::crc32c(b""), 0);
    /// ```
    pub fn crc32c(&self, data: &[u8]) -> u32 {
        !self.k.crc32c_update(!0, data)
    }

    /// Continues a CRC32C: `crc32c_append(crc32c(a), b) == crc32c(a ++ b)`; start from `0`.
    ///
    /// ```
    /// let whole = rvf_kernels::crc32c(b"hello world");
    /// let part = rvf_kernels::crc32c_append(rvf_kernels::crc32c(b"hello "), b"world");
    /// assert_eq!(part, whole);
    /// assert_eq!(rvf_kernels::crc32c_append(0, b"123456789"), 0xE306_9283);
    /// ```
    pub fn crc32c_append(&self, crc: u32, data: &[u8]) -> u32 {
        !self.k.crc32c_update(!crc, data)
    }
}
