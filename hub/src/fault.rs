//! The fault model: what makes a tile faulted, and the faults a test can inject.

use core::fmt;

/// Why a tile was marked faulted. A faulted tile gets no more work until
/// [`Hub::restart_tile`](crate::Hub::restart_tile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The instance trapped (any wasm trap other than fuel exhaustion).
    Trap,
    /// The call ran out of its fuel budget (also how a tile that never answers is stopped).
    OutOfFuel,
    /// The call returned, but took longer than the wall-time budget.
    Timeout,
    /// The reply was not a well-formed message (type, length, id, padding, record order, ids).
    Malformed(&'static str),
    /// The reply was well formed but not the one the protocol requires at this point (an ERROR
    /// reply to a valid message, a wrong count, an unexpected request).
    Unexpected(&'static str),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Trap => f.write_str("trapped"),
            Fault::OutOfFuel => f.write_str("ran out of fuel"),
            Fault::Timeout => f.write_str("exceeded its time budget"),
            Fault::Malformed(why) => write!(f, "malformed reply ({why})"),
            Fault::Unexpected(why) => write!(f, "unexpected reply ({why})"),
        }
    }
}

/// A fault to inject into a tile, for tests and demonstrations
/// ([`Hub::inject_fault`](crate::Hub::inject_fault)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectFault {
    /// After the tile's `n`-th next message (0 = the next one), one byte of its reply header is
    /// flipped in its memory before the hub reads it (a corrupted message).
    CorruptReply {
        /// Messages to let through first.
        after: u32,
    },
    /// From now on every call of this tile gets only this much fuel (fuel exhaustion).
    FuelLimit(u64),
    /// Kills the tile in the middle of its work: after its `n`-th next message (0 = the next
    /// one) every call gets no fuel at all, so the engine stops it at its first instruction
    /// ([`Fault::OutOfFuel`]).
    StopAfter {
        /// Messages to let through first.
        after: u32,
    },
}
