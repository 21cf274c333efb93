//! The tile microkernel exports (issue: WASM SIMD128 backend and tile). Built with the `tile` feature.
