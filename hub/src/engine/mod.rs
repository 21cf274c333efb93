//! The engine-neutral interface the hub runs tiles through: a compiled module that instantiates
//! isolated instances, and an instance whose memory the hub reads and writes and whose exports
//! it calls with a fuel budget. One implementation per engine (`wasmtime.rs`, `wasmi.rs`, each
//! behind its cargo feature); the rest of the hub sees only these two traits.

#[cfg(not(any(feature = "wasmtime", feature = "wasmi")))]
compile_error!(
    "rvf-hub needs an engine: enable the feature `wasmtime` or `wasmi` (both are default features)"
);

/// The parts of an engine's implementation that read the same on wasmtime and wasmi (their APIs
/// agree on stores, limits, memories and functions): the compiled module, the tile instance and
/// the two traits' methods. `$engine` is the engine crate; the including module supplies
/// `instance(store, module)` (instantiation), `signature(func_type)` (parameter and result
/// types) and `fault(error)` (a call's error as a fault), where the engines differ.
macro_rules! engine_tile {
    ($engine:ident) => {
        use ::$engine::{
            Func, Memory, Store, StoreLimits, StoreLimitsBuilder, TypedFunc, Val, ValType,
        };
        use rvf_kernels::tile_abi::MEMORY_BYTES;
        use std::sync::Arc;

        use $crate::engine::{
            Arg, ArgType, FuncId, Instance, Module, Shape, check_shape, check_signature,
        };
        use $crate::error::HubError;
        use $crate::fault::Fault;

        #[derive(Debug)]
        struct Compiled {
            module: ::$engine::Module,
        }

        fn checked(module: ::$engine::Module, shape: Shape) -> Result<Arc<dyn Module>, HubError> {
            check_shape(&shape)?;
            Ok(Arc::new(Compiled { module }))
        }

        /// An export: the message entry's `() -> i32` typed (the hot path), anything else
        /// generic with its number of results.
        enum Export {
            Message(TypedFunc<(), i32>),
            Any(Func, usize),
        }

        struct Tile {
            store: Store<StoreLimits>,
            memory: Memory,
            instance: ::$engine::Instance,
            funcs: Vec<Export>,
        }

        impl Module for Compiled {
            fn instantiate(&self) -> Result<Box<dyn Instance>, HubError> {
                let limits = StoreLimitsBuilder::new()
                    .memory_size(MEMORY_BYTES as usize)
                    .memories(1)
                    .tables(1)
                    .instances(1)
                    .build();
                let mut store = Store::new(self.module.engine(), limits);
                store.limiter(|l| l);
                let instance = instance(&mut store, &self.module).map_err(|_| {
                    HubError::Module("the module does not instantiate without imports")
                })?;
                let memory = instance
                    .get_memory(&mut store, "memory")
                    .ok_or(HubError::Module("no exported memory"))?;
                if memory.data_size(&store) < MEMORY_BYTES as usize {
                    return Err(HubError::Module("memory smaller than the 2-page map"));
                }
                Ok(Box::new(Tile {
                    store,
                    memory,
                    instance,
                    funcs: Vec::new(),
                }))
            }
        }

        fn arg_type(v: &ValType) -> Option<ArgType> {
            match v {
                ValType::I32 => Some(ArgType::I32),
                ValType::I64 => Some(ArgType::I64),
                _ => None,
            }
        }

        impl Instance for Tile {
            fn memory(&self) -> &[u8] {
                self.memory.data(&self.store)
            }

            fn memory_mut(&mut self) -> &mut [u8] {
                self.memory.data_mut(&mut self.store)
            }

            fn func(&mut self, name: &str, params: &[ArgType], results: usize) -> Option<FuncId> {
                let f = self.instance.get_func(&mut self.store, name)?;
                let (ps, rs) = signature(&f.ty(&self.store));
                let message = check_signature(ps.into_iter(), rs.into_iter(), params, results)?;
                let e = if message {
                    Export::Message(f.typed(&self.store).ok()?)
                } else {
                    Export::Any(f, results)
                };
                self.funcs.push(e);
                Some(FuncId(self.funcs.len() - 1))
            }

            fn call(&mut self, f: FuncId, args: &[Arg], fuel: u64) -> Result<i64, Fault> {
                self.store.set_fuel(fuel).map_err(|_| Fault::OutOfFuel)?;
                let r = match self.funcs.get(f.0).ok_or(Fault::Trap)? {
                    Export::Message(t) if args.is_empty() => {
                        t.call(&mut self.store, ()).map(i64::from)
                    }
                    Export::Message(_) => return Err(Fault::Trap),
                    Export::Any(func, n) => {
                        let vals: Vec<Val> = args
                            .iter()
                            .map(|a| match *a {
                                Arg::I32(x) => Val::I32(x),
                                Arg::I64(x) => Val::I64(x),
                            })
                            .collect();
                        let mut out = [Val::I32(0)];
                        func.call(&mut self.store, &vals, &mut out[..*n])
                            .map(|()| match out[0] {
                                Val::I64(x) if *n == 1 => x,
                                Val::I32(x) if *n == 1 => i64::from(x),
                                _ => 0,
                            })
                    }
                };
                r.map_err(|e| fault(&e))
            }
        }
    };
}

#[cfg(feature = "wasmi")]
mod wasmi;
#[cfg(feature = "wasmtime")]
mod wasmtime;

use core::fmt;
use std::sync::Arc;

use rvf_kernels::tile_abi::MEMORY_BYTES;

use crate::error::HubError;
use crate::fault::Fault;

/// The wasm engine that runs a hub's tiles ([`HubConfig::engine`](crate::HubConfig::engine)).
///
/// Both run the same `rvf-tile.wasm` with the same fault model and give the same results bit for
/// bit; they differ in speed and in where they can run.
///
/// ```
/// use rvf_hub::EngineKind;
/// // The default is the first engine this build has (wasmtime where its feature is on).
/// assert_eq!(EngineKind::default(), EngineKind::available()[0]);
/// assert!(EngineKind::default().is_available());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EngineKind {
    /// wasmtime (feature `wasmtime`, the default engine): compiles the module to native code with
    /// Cranelift, SIMD128 as native vector instructions.
    Wasmtime,
    /// wasmi (feature `wasmi`): an interpreter, for targets where generating code at run time is
    /// not allowed.
    Wasmi,
}

impl EngineKind {
    /// The engines this build has, the default first.
    pub fn available() -> &'static [EngineKind] {
        &[
            #[cfg(feature = "wasmtime")]
            EngineKind::Wasmtime,
            #[cfg(feature = "wasmi")]
            EngineKind::Wasmi,
        ]
    }

    /// True when this build has the engine (its cargo feature is on).
    pub fn is_available(self) -> bool {
        EngineKind::available().contains(&self)
    }

    /// The engine's name: `"wasmtime"` or `"wasmi"` (also its cargo feature).
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Wasmtime => "wasmtime",
            EngineKind::Wasmi => "wasmi",
        }
    }
}

impl Default for EngineKind {
    fn default() -> EngineKind {
        EngineKind::available()[0]
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An argument of an exported function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // I64: only the engine tests call exports that take one
pub(crate) enum Arg {
    I32(i32),
    I64(i64),
}

/// An export resolved once by [`Instance::func`] and called by index afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FuncId(pub(crate) usize);

/// A validated, compiled tile module.
pub(crate) trait Module: Send + Sync + fmt::Debug {
    /// A fresh instance: its own store, its memory capped at the tile's 2 pages, no imports.
    fn instantiate(&self) -> Result<Box<dyn Instance>, HubError>;
}

/// One isolated instance. Its memory is at least the tile's 2 pages (checked at load).
pub(crate) trait Instance: Send {
    /// The instance's linear memory.
    fn memory(&self) -> &[u8];
    /// The instance's linear memory, writable.
    fn memory_mut(&mut self) -> &mut [u8];
    /// Resolves the exported function `name`; `results` is how many values it must return (0
    /// or 1, an i32 or i64).
    fn func(&mut self, name: &str, params: &[ArgType], results: usize) -> Option<FuncId>;
    /// Calls `f` with `args` and at most `fuel` units of fuel. Returns its result (an i32
    /// sign-extended, 0 without one), or the fault: [`Fault::OutOfFuel`] when the budget ran
    /// out, [`Fault::Trap`] for any other trap or a wrong argument list.
    fn call(&mut self, f: FuncId, args: &[Arg], fuel: u64) -> Result<i64, Fault>;
}

/// The type of an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // I64: only the engine tests call exports that take one
pub(crate) enum ArgType {
    I32,
    I64,
}

/// Checks an export's signature (`None` for a type other than i32 / i64) against the wanted
/// `params` and number of `results`. `Some(true)`: it is `() -> i32`, the message entry's type,
/// which the engines call through their typed fast path.
pub(crate) fn check_signature(
    ps: impl ExactSizeIterator<Item = Option<ArgType>>,
    rs: impl ExactSizeIterator<Item = Option<ArgType>>,
    params: &[ArgType],
    results: usize,
) -> Option<bool> {
    if ps.len() != params.len() || rs.len() != results {
        return None;
    }
    let ps: Vec<ArgType> = ps.collect::<Option<_>>()?;
    let rs: Vec<ArgType> = rs.collect::<Option<_>>()?;
    (ps == params).then_some(ps.is_empty() && rs == [ArgType::I32])
}

/// What the load check needs to know of a module, gathered by each engine from its own types.
pub(crate) struct Shape {
    /// Number of imports.
    pub(crate) imports: usize,
    /// The exported `memory`: (minimum pages, maximum pages, 64-bit or shared).
    pub(crate) memory: Option<(u64, Option<u64>, bool)>,
}

/// The tile's memory: 2 pages of 64 KiB.
pub(crate) const TILE_PAGES: u64 = MEMORY_BYTES as u64 / 65536;

/// Refuses, at load, a module that imports anything or whose memory is not exactly the tile's 2
/// pages (minimum and maximum), whatever the engine.
pub(crate) fn check_shape(s: &Shape) -> Result<(), HubError> {
    if s.imports > 0 {
        return Err(HubError::Module(
            "the module imports something (a tile has no imports)",
        ));
    }
    let (min, max, odd) = s.memory.ok_or(HubError::Module("no exported memory"))?;
    if odd {
        return Err(HubError::Module(
            "the memory is 64-bit or shared (a tile has a plain 32-bit memory)",
        ));
    }
    if min > TILE_PAGES || max.is_none_or(|m| m > TILE_PAGES) {
        return Err(HubError::Module(
            "the memory asks for more than the tile's 2 pages (minimum and maximum must be 2)",
        ));
    }
    if min < TILE_PAGES {
        return Err(HubError::Module("memory smaller than the 2-page map"));
    }
    Ok(())
}

/// Validates `wasm`, checks its shape and compiles it for `kind`.
pub(crate) fn compile(kind: EngineKind, wasm: &[u8]) -> Result<Arc<dyn Module>, HubError> {
    match kind {
        #[cfg(feature = "wasmtime")]
        EngineKind::Wasmtime => wasmtime::compile(wasm),
        #[cfg(feature = "wasmi")]
        EngineKind::Wasmi => wasmi::compile(wasm),
        #[allow(unreachable_patterns)] // when both engines are built
        other => Err(HubError::EngineUnavailable(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TILE_WASM;
    use rvf_kernels::tile_abi::BLOCK;

    /// The generic call path (i32 and i64 arguments, i32 and i64 results) on every engine, on
    /// exports the hub's protocol does not use.
    #[test]
    fn exports_take_i32_and_i64_arguments_on_every_engine() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let want = rvf_kernels::crc32c(&data) as i32;
        let mut step = Vec::new();
        for &e in EngineKind::available() {
            let m = compile(e, TILE_WASM).unwrap();
            let mut inst = m.instantiate().unwrap();
            let at = BLOCK.start as usize;
            inst.memory_mut()[at..at + data.len()].copy_from_slice(&data);
            let crc = inst.func("rvf_crc32c", &[ArgType::I32; 2], 1).unwrap();
            let len = data.len() as i32;
            let args = [Arg::I32(at as i32), Arg::I32(len)];
            assert_eq!(inst.call(crc, &args, 1_000_000), Ok(i64::from(want)), "{e}");
            // Too little fuel: the engine stops the call.
            assert_eq!(inst.call(crc, &args, 10), Err(Fault::OutOfFuel), "{e}");
            // A wrong signature does not resolve; a wrong argument list is refused.
            assert!(inst.func("rvf_crc32c", &[ArgType::I64; 2], 1).is_none());
            assert!(inst.func("rvf_crc32c", &[ArgType::I32; 2], 0).is_none());
            assert!(inst.func("no_such_export", &[], 0).is_none());
            assert_eq!(
                inst.call(crc, &[Arg::I32(0)], 1_000),
                Err(Fault::Trap),
                "{e}"
            );
            // i64 in, i64 out: the greedy step without a loaded query returns an error code,
            // the same on every engine.
            let g = inst.func("rvf_greedy_step", &[ArgType::I64, ArgType::I32], 1);
            let args = [Arg::I64(1 << 40), Arg::I32(0)];
            step.push(inst.call(g.unwrap(), &args, 1_000_000).unwrap());
        }
        assert!(step.windows(2).all(|w| w[0] == w[1]), "{step:?}");
    }
}
