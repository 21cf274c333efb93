//! One tile: a wasmi instance of `rvf-tile.wasm` with its own store, memory and fuel.

use std::time::{Duration, Instant};

use wasmi::{Instance, Linker, Memory, Module, Store, TrapCode, TypedFunc};

use crate::error::HubError;
use crate::fault::{Fault, InjectFault};
use crate::protocol::{self, MSG, Reply};

/// One isolated tile instance.
pub(crate) struct Tile {
    store: Store<()>,
    mem: Memory,
    message: TypedFunc<(), i32>,
    next_id: u32,
    pub(crate) fault: Option<Fault>,
    corrupt_after: Option<u32>,
    fuel_limit: Option<u64>,
    fuel: u64,
    time: Duration,
    /// Messages served since the last (re)start.
    pub(crate) messages: u64,
}

impl Tile {
    pub(crate) fn new(module: &Module, fuel: u64, time: Duration) -> Result<Tile, HubError> {
        let mut store = Store::new(module.engine(), ());
        store
            .set_fuel(fuel)
            .map_err(|_| HubError::Module("fuel metering is off"))?;
        let linker = Linker::<()>::new(module.engine());
        let inst: Instance = linker
            .instantiate_and_start(&mut store, module)
            .map_err(|_| HubError::Module("the module does not instantiate without imports"))?;
        let mem = inst
            .get_memory(&store, "memory")
            .ok_or(HubError::Module("no exported memory"))?;
        if mem.data(&store).len() < rvf_kernels::tile_abi::MEMORY_BYTES as usize {
            return Err(HubError::Module("memory smaller than the 2-page map"));
        }
        let message = inst
            .get_typed_func::<(), i32>(&store, "rvf_message")
            .map_err(|_| HubError::Module("no rvf_message() -> i32 export"))?;
        Ok(Tile {
            store,
            mem,
            message,
            next_id: 1,
            fault: None,
            corrupt_after: None,
            fuel_limit: None,
            fuel,
            time,
            messages: 0,
        })
    }

    pub(crate) fn inject(&mut self, f: InjectFault) {
        match f {
            InjectFault::CorruptReply { after } => self.corrupt_after = Some(after),
            InjectFault::FuelLimit(n) => self.fuel_limit = Some(n),
        }
    }

    /// Sends one message and decodes the reply. Any misbehaviour marks the tile faulted and is
    /// returned; a faulted tile answers nothing.
    pub(crate) fn send(&mut self, ty: u16, payload: &[u8]) -> Result<Reply, Fault> {
        if let Some(f) = self.fault {
            return Err(f);
        }
        let r = self.send_inner(ty, payload);
        if let Err(f) = r {
            self.fault = Some(f);
        }
        r
    }

    fn send_inner(&mut self, ty: u16, payload: &[u8]) -> Result<Reply, Fault> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let m = protocol::encode(ty, id, payload);
        let at = MSG as usize;
        self.mem.data_mut(&mut self.store)[at..at + m.len()].copy_from_slice(&m);
        let fuel = self.fuel_limit.unwrap_or(self.fuel);
        self.store.set_fuel(fuel).map_err(|_| Fault::OutOfFuel)?;
        let t0 = Instant::now();
        let ret = self
            .message
            .call(&mut self.store, ())
            .map_err(|e| match e.as_trap_code() {
                Some(TrapCode::OutOfFuel) => Fault::OutOfFuel,
                _ => Fault::Trap,
            })?;
        if t0.elapsed() > self.time {
            return Err(Fault::Timeout);
        }
        self.messages += 1;
        let mem = self.mem.data_mut(&mut self.store);
        match self.corrupt_after {
            Some(0) => {
                self.corrupt_after = None;
                mem[at] ^= 0x5A;
            }
            Some(n) => self.corrupt_after = Some(n - 1),
            None => {}
        }
        protocol::decode(&mem[at..at + 8 + protocol::MAX_PAYLOAD], id, ret)
    }

    /// Sends a message whose only valid reply is DONE with `expect`.
    pub(crate) fn expect_done(
        &mut self,
        ty: u16,
        payload: &[u8],
        expect: i32,
    ) -> Result<(), Fault> {
        match self.send(ty, payload)? {
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
