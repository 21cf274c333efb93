//! One tile: an instance of `rvf-tile.wasm` on the hub's engine, with its own store, memory and
//! fuel, and the hub's side of its message protocol (ids, budgets, injected faults).

use std::time::{Duration, Instant};

use crate::engine::{FuncId, Instance, Module};
use crate::error::HubError;
use crate::fault::{Fault, InjectFault};
use crate::protocol::{self, HEADER_BYTES, MAX_PAYLOAD, MSG, Reply};

/// One isolated tile instance.
pub(crate) struct Tile {
    inst: Box<dyn Instance>,
    message: FuncId,
    next_id: u32,
    pub(crate) fault: Option<Fault>,
    corrupt_after: Option<u32>,
    fuel_limit: Option<u64>,
    stop_after: Option<u32>,
    fuel: u64,
    time: Duration,
    /// Messages served since the last (re)start.
    pub(crate) messages: u64,
}

impl Tile {
    pub(crate) fn new(module: &dyn Module, fuel: u64, time: Duration) -> Result<Tile, HubError> {
        let mut inst = module.instantiate()?;
        let message = inst
            .func("rvf_message", &[], 1)
            .ok_or(HubError::Module("no rvf_message() -> i32 export"))?;
        Ok(Tile {
            inst,
            message,
            next_id: 1,
            fault: None,
            corrupt_after: None,
            fuel_limit: None,
            stop_after: None,
            fuel,
            time,
            messages: 0,
        })
    }

    pub(crate) fn inject(&mut self, f: InjectFault) {
        match f {
            InjectFault::CorruptReply { after } => self.corrupt_after = Some(after),
            InjectFault::FuelLimit(n) => self.fuel_limit = Some(n),
            InjectFault::StopAfter { after } => self.stop_after = Some(after),
        }
    }

    /// Sends one message and decodes the reply. Any misbehaviour marks the tile faulted and is
    /// returned; a faulted tile answers nothing.
    pub(crate) fn send(&mut self, ty: u16, payload: &[u8]) -> Result<Reply, Fault> {
        self.send_parts(ty, &[payload])
    }

    /// [`Tile::send`] with the payload in pieces, written one after another straight into the
    /// tile's message buffer (no copy of the whole message on the host).
    pub(crate) fn send_parts(&mut self, ty: u16, parts: &[&[u8]]) -> Result<Reply, Fault> {
        if let Some(f) = self.fault {
            return Err(f);
        }
        let r = self.send_inner(ty, parts);
        if let Err(f) = r {
            self.fault = Some(f);
        }
        r
    }

    fn send_inner(&mut self, ty: u16, parts: &[&[u8]]) -> Result<Reply, Fault> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > MAX_PAYLOAD {
            return Err(Fault::Unexpected("the hub built a message over 2040 bytes"));
        }
        let at = MSG as usize;
        // The memory is at least the tile's 2 pages (checked at load), MSG inside them.
        let buf = self
            .inst
            .memory_mut()
            .get_mut(at..at + HEADER_BYTES + len)
            .ok_or(Fault::Unexpected("message buffer outside the memory"))?;
        let (head, mut rest) = buf.split_at_mut(HEADER_BYTES);
        head.copy_from_slice(&protocol::header(ty, id, len));
        for p in parts {
            let (dst, tail) = rest.split_at_mut(p.len());
            dst.copy_from_slice(p);
            rest = tail;
        }
        let fuel = match self.stop_after {
            Some(0) => 0,
            Some(n) => {
                self.stop_after = Some(n - 1);
                self.fuel_limit.unwrap_or(self.fuel)
            }
            None => self.fuel_limit.unwrap_or(self.fuel),
        };
        let t0 = Instant::now();
        let ret = self.inst.call(self.message, &[], fuel)?;
        if t0.elapsed() > self.time {
            return Err(Fault::Timeout);
        }
        self.messages += 1;
        let reply = at..at + HEADER_BYTES + MAX_PAYLOAD;
        match self.corrupt_after {
            Some(0) => {
                self.corrupt_after = None;
                if let Some(b) = self.inst.memory_mut().get_mut(at) {
                    *b ^= 0x5A;
                }
            }
            Some(n) => self.corrupt_after = Some(n - 1),
            None => {}
        }
        let ret = i32::try_from(ret).map_err(|_| Fault::Malformed("return value is not an i32"))?;
        let mem = self
            .inst
            .memory()
            .get(reply)
            .ok_or(Fault::Unexpected("message buffer outside the memory"))?;
        protocol::decode(mem, id, ret)
    }

    /// Sends a message whose only valid reply is DONE with `expect`.
    pub(crate) fn expect_done(
        &mut self,
        ty: u16,
        parts: &[&[u8]],
        expect: i32,
    ) -> Result<(), Fault> {
        match self.send_parts(ty, parts)? {
            Reply::Done(r) if r == expect => Ok(()),
            _ => {
                let f = Fault::Unexpected("not DONE with the expected result");
                self.fault = Some(f);
                Err(f)
            }
        }
    }

    /// Marks the tile faulted for a protocol violation found by the caller.
    pub(crate) fn violation(&mut self, f: Fault) -> Fault {
        self.fault = Some(f);
        f
    }
}

impl core::fmt::Debug for Tile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tile")
            .field("fault", &self.fault)
            .field("messages", &self.messages)
            .finish_non_exhaustive()
    }
}
