//! Host tests of the tile microkernel live in `tests/`.
