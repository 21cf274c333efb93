//! The hub's tiles on wasmi: the interpreter, for targets where code generation at run time is
//! not allowed. Each tile is an instance in its own `Store` with fuel metering and its memory
//! capped at the tile's 2 pages by `StoreLimits` (the shared parts: `engine_tile!`).

engine_tile!(wasmi);

use ::wasmi::{Config, Engine, Error, ExternType, FuncType, Linker, TrapCode};

pub(super) fn compile(wasm: &[u8]) -> Result<Arc<dyn Module>, HubError> {
    let mut c = Config::default();
    c.wasm_simd(true);
    c.consume_fuel(true);
    let engine = Engine::new(&c);
    let module = ::wasmi::Module::new(&engine, wasm)
        .map_err(|_| HubError::Module("the module does not validate"))?;
    let memory = module.exports().find_map(|e| match e.ty() {
        ExternType::Memory(m) if e.name() == "memory" => {
            Some((m.minimum(), m.maximum(), m.is_64()))
        }
        _ => None,
    });
    let imports = module.imports().len();
    checked(module, Shape { imports, memory })
}

fn instance(
    store: &mut Store<StoreLimits>,
    module: &::wasmi::Module,
) -> Result<::wasmi::Instance, Error> {
    Linker::<StoreLimits>::new(module.engine()).instantiate_and_start(store, module)
}

type Types = Vec<Option<ArgType>>;

fn signature(ty: &FuncType) -> (Types, Types) {
    (
        ty.params().iter().map(arg_type).collect(),
        ty.results().iter().map(arg_type).collect(),
    )
}

fn fault(e: &Error) -> Fault {
    match e.as_trap_code() {
        Some(TrapCode::OutOfFuel) => Fault::OutOfFuel,
        _ => Fault::Trap,
    }
}
