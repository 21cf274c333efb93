//! The hub's tiles on wasmtime: Cranelift compiles the module once, SIMD128 to native vector
//! code; each tile is an instance in its own `Store` with fuel metering and its memory capped
//! at the tile's 2 pages by `StoreLimits` (the shared parts: `engine_tile!`).

engine_tile!(wasmtime);

use ::wasmtime::{Config, Engine, Error, ExternType, FuncType, Trap};

pub(super) fn compile(wasm: &[u8]) -> Result<Arc<dyn Module>, HubError> {
    let mut c = Config::new();
    c.wasm_simd(true);
    c.consume_fuel(true);
    let engine = Engine::new(&c)
        .map_err(|_| HubError::Module("wasmtime does not support this host or configuration"))?;
    let module = ::wasmtime::Module::new(&engine, wasm)
        .map_err(|_| HubError::Module("the module does not validate"))?;
    let memory = module.exports().find_map(|e| match e.ty() {
        ExternType::Memory(m) if e.name() == "memory" => {
            Some((m.minimum(), m.maximum(), m.is_64() || m.is_shared()))
        }
        _ => None,
    });
    let imports = module.imports().len();
    checked(module, Shape { imports, memory })
}

fn instance(
    store: &mut Store<StoreLimits>,
    module: &::wasmtime::Module,
) -> Result<::wasmtime::Instance, Error> {
    ::wasmtime::Instance::new(store, module, &[])
}

type Types = Vec<Option<ArgType>>;

fn signature(ty: &FuncType) -> (Types, Types) {
    (
        ty.params().map(|p| arg_type(&p)).collect(),
        ty.results().map(|r| arg_type(&r)).collect(),
    )
}

fn fault(e: &Error) -> Fault {
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Fault::OutOfFuel,
        _ => Fault::Trap,
    }
}
