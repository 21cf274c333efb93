//! The tile microkernel cdylib: re-exports the `#[no_mangle]` exports of
//! `rvf_kernels::kernel_exports` (see docs/tile.md). `no_std`, no allocator.
#![no_std]

pub use rvf_kernels::kernel_exports::*;

/// With `-Cpanic=immediate-abort` no panic reaches this; it exists because a `no_std` cdylib
/// must name one.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
