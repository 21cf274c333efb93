//! The hub's tiles on wasmtime: Cranelift compiles the module once, SIMD128 to native vector
//! code; each tile is an instance in its own `Store` with fuel metering and its memory capped
//! at the tile's 2 pages by `StoreLimits`.

use std::sync::Arc;

use wasmtime::{
    Config, Engine, ExternType, Func, Instance as WtInstance, Memory, Store, StoreLimits,
    StoreLimitsBuilder, Trap, TypedFunc, Val, ValType,
};

use super::{Arg, ArgType, FuncId, Instance, Module, Shape, check_shape, check_signature};
use crate::error::HubError;
use crate::fault::Fault;
use rvf_kernels::tile_abi::MEMORY_BYTES;

#[derive(Debug)]
struct Compiled {
    module: wasmtime::Module,
}

pub(super) fn compile(wasm: &[u8]) -> Result<Arc<dyn Module>, HubError> {
    let mut c = Config::new();
    c.wasm_simd(true);
    c.consume_fuel(true);
    let engine = Engine::new(&c)
        .map_err(|_| HubError::Module("wasmtime does not support this host or configuration"))?;
    let module = wasmtime::Module::new(&engine, wasm)
        .map_err(|_| HubError::Module("the module does not validate"))?;
    let memory = module.exports().find_map(|e| match e.ty() {
        ExternType::Memory(m) if e.name() == "memory" => {
            Some((m.minimum(), m.maximum(), m.is_64() || m.is_shared()))
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
    instance: WtInstance,
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
        let instance = WtInstance::new(&mut store, &self.module, &[])
            .map_err(|_| HubError::Module("the module does not instantiate without imports"))?;
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
        let ty = f.ty(&self.store);
        let message = check_signature(
            ty.params().map(|p| arg_type(&p)),
            ty.results().map(|r| arg_type(&r)),
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
        r.map_err(|e| match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => Fault::OutOfFuel,
            _ => Fault::Trap,
        })
    }
}
