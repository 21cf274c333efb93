//! The hub's tiles on wasmi: the interpreter, for targets where code generation at run time is
//! not allowed. Each tile is an instance in its own `Store` with fuel metering and its memory
//! capped at the tile's 2 pages by `StoreLimits`.

use std::sync::Arc;

use wasmi::{
    Config, Engine, ExternType, Func, Instance as WiInstance, Linker, Memory, Store, StoreLimits,
    StoreLimitsBuilder, TrapCode, TypedFunc, Val, ValType,
};

use super::{Arg, ArgType, FuncId, Instance, Module, Shape, check_shape, check_signature};
use crate::error::HubError;
use crate::fault::Fault;
use rvf_kernels::tile_abi::MEMORY_BYTES;

#[derive(Debug)]
struct Compiled {
    module: wasmi::Module,
}

pub(super) fn compile(wasm: &[u8]) -> Result<Arc<dyn Module>, HubError> {
    let mut c = Config::default();
    c.wasm_simd(true);
    c.consume_fuel(true);
    let engine = Engine::new(&c);
    let module = wasmi::Module::new(&engine, wasm)
        .map_err(|_| HubError::Module("the module does not validate"))?;
    let memory = module.exports().find_map(|e| match e.ty() {
        ExternType::Memory(m) if e.name() == "memory" => {
            Some((m.minimum(), m.maximum(), m.is_64()))
        }
        _ => None,
    });
    check_shape(&Shape {
        imports: module.imports().len(),
        memory,
    })?;
    Ok(Arc::new(Compiled { module }))
}

/// An export: the message entry's `() -> i32` typed (the hot path), anything else generic.
enum Export {
    Message(TypedFunc<(), i32>),
    Any(Func, usize),
}

struct Tile {
    store: Store<StoreLimits>,
    memory: Memory,
    instance: WiInstance,
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
        let instance = Linker::<StoreLimits>::new(self.module.engine())
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|_| HubError::Module("the module does not instantiate without imports"))?;
        let memory = instance
            .get_memory(&store, "memory")
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
        let f = self.instance.get_func(&self.store, name)?;
        let ty = f.ty(&self.store);
        let message = check_signature(
            ty.params().iter().map(arg_type),
            ty.results().iter().map(arg_type),
            params,
            results,
        )?;
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
            Export::Message(t) if args.is_empty() => t.call(&mut self.store, ()).map(i64::from),
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
        r.map_err(|e| match e.as_trap_code() {
            Some(TrapCode::OutOfFuel) => Fault::OutOfFuel,
            _ => Fault::Trap,
        })
    }
}
