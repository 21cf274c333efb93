//! The hub: runs an array of `rvf-tile.wasm` tiles (docs/tile.md) as isolated wasm instances and
//! searches vector sets on them (see docs/hub.md). The tile binary is committed with this crate
//! ([`TILE_WASM`]); the messages are the tile ABI's (`rvf_kernels::tile_abi`).
//!
//! * Engines ([`EngineKind`]): wasmtime (cargo feature `wasmtime`, the default engine) compiles
//!   the tile to native code, SIMD128 included; wasmi (feature `wasmi`) interprets it, for
//!   targets where code generation at run time is not allowed. Both features are on by default. Both run behind one engine-neutral interface
//!   with the same fault model, and give the same answers bit for bit.
//! * Threads: the tiles of a search run on the hub's thread pool ([`HubConfig::threads`], one
//!   thread per core by default), each tile working through its own queue of blocks; the tiles'
//!   lists are merged in tile order, so the answer never depends on timing.
//!
//! * Push mode ([`Hub::search`]): the set is split into blocks that fit a tile's 32 KB BLOCK
//!   region, each tile scans its share with the query and keeps a top-K, the hub merges the
//!   tiles' lists. The result equals the native brute-force top-K ([`native_search`]) bit for bit.
//! * Pull mode ([`Hub::greedy`]): a tile drives an HNSW greedy descent over a [`Graph`] the hub
//!   holds, asking for blocks and neighbour lists; path and result equal [`Graph::greedy`] with
//!   the native kernels ([`native_greedy`]).
//! * Faults: a tile that traps, runs out of fuel or time, or answers with a malformed or
//!   unexpected message is marked faulted; its work goes to another tile or to the native
//!   kernels, so results do not change. [`Hub::restart_tile`] gives it a fresh instance. A module
//!   that imports anything or declares more memory than the tile's 2 pages is refused at load.
//!
//! ```
//! use rvf_hub::{Hub, HubConfig, TILE_WASM, VectorSet};
//! use rvf_kernels::{Metric, f16};
//! let mut hub = Hub::new(TILE_WASM, HubConfig { tiles: 4, ..HubConfig::default() })?;
//! let set = VectorSet::f32(8, (0..8000).map(|i| (i % 97) as f32).collect())?;
//! let query: Vec<f16> = (0..8).map(|i| f16::from_f32(i as f32)).collect();
//! let found = hub.search(&set, &query, Metric::L2, 10)?;
//! assert_eq!(found.neighbors, rvf_hub::native_search(&set, &query, Metric::L2, 10)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod engine;
mod error;
mod fault;
mod graph;
mod protocol;
mod pull;
mod push;
mod tile;
mod vectors;

use core::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use rayon::prelude::*;
use rvf_kernels::{Metric, Neighbor, TopK, f16};

pub use engine::EngineKind;
pub use error::HubError;
pub use fault::{Fault, InjectFault};
pub use graph::Graph;
pub use protocol::{MAX_DIM, MAX_K};
pub use vectors::VectorSet;

use tile::Tile;

/// The tile microkernel this crate was tested with: `rvf-tile.wasm`, committed beside this crate's
/// manifest (`hub/rvf-tile.wasm`). CI (`scripts/ci/hub.sh`) checks that it is byte for byte a
/// fresh build of the kernel crate's tile (`scripts/build-tile.sh`).
pub const TILE_WASM: &[u8] = include_bytes!("../rvf-tile.wasm");

/// Hub settings.
///
/// ```
/// use rvf_hub::{EngineKind, HubConfig};
/// let cfg = HubConfig { tiles: 16, threads: 2, ..HubConfig::default() };
/// assert_eq!(cfg.engine, EngineKind::default());
/// ```
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// The engine that runs the tiles (default: [`EngineKind::default`], wasmtime where built).
    pub engine: EngineKind,
    /// Number of tiles (instances).
    pub tiles: usize,
    /// Fuel for one message (about one unit per wasm instruction on both engines). A 32 KB
    /// block's distances take well under the default; a tile that never answers is stopped
    /// here.
    pub fuel_per_message: u64,
    /// Wall time one message may take; a slower answer marks the tile faulted (checked when the
    /// call returns: the fuel budget is what stops a call).
    pub time_per_message: Duration,
    /// Threads the tiles run on: `0` (the default) one per core
    /// (`std::thread::available_parallelism`), `1` the caller's thread only. A search uses at
    /// most one thread per tile that has work.
    pub threads: usize,
}

impl Default for HubConfig {
    fn default() -> HubConfig {
        HubConfig {
            engine: EngineKind::default(),
            tiles: 4,
            fuel_per_message: 50_000_000,
            time_per_message: Duration::from_secs(2),
            threads: 0,
        }
    }
}

/// Who did a piece of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    /// A tile, by index.
    Tile(usize),
    /// The host's native kernels.
    Host,
}

/// The work of one tile in a search.
#[derive(Debug, Clone, PartialEq)]
pub struct TileWork {
    /// Tile index.
    pub tile: usize,
    /// Blocks the tile scanned successfully (its own and reassigned ones).
    pub blocks: usize,
    /// Rows in those blocks.
    pub rows: usize,
    /// The fault that stopped it during this search, if any.
    pub fault: Option<Fault>,
}

/// Work moved away from a faulted tile.
#[derive(Debug, Clone, PartialEq)]
pub struct Reassignment {
    /// The tile that faulted.
    pub from: usize,
    /// Its fault.
    pub fault: Fault,
    /// Who redid the work.
    pub to: Worker,
    /// Blocks moved.
    pub blocks: usize,
}

/// The result of a push-mode search.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// The merged top-K, best first.
    pub neighbors: Vec<Neighbor>,
    /// Per-tile work.
    pub work: Vec<TileWork>,
    /// Reassigned work (empty when no tile faulted).
    pub reassigned: Vec<Reassignment>,
    /// Blocks the host's native kernels scanned.
    pub host_blocks: usize,
}

/// The result of a pull-mode greedy descent.
#[derive(Debug, Clone, PartialEq)]
pub struct Walk {
    /// Nodes visited, from the entry point to the result.
    pub path: Vec<u64>,
    /// The node the walk converged to on layer 0.
    pub node: u64,
    /// Its distance.
    pub distance: f32,
    /// Who ran the walk to its end.
    pub by: Worker,
    /// Tiles that faulted on this walk.
    pub faults: Vec<(usize, Fault)>,
}

/// An array of tiles on one engine, with the threads they run on.
#[derive(Debug)]
pub struct Hub {
    module: Arc<dyn engine::Module>,
    cfg: HubConfig,
    tiles: Vec<Tile>,
    /// The tiles' threads (`None`: the caller's thread only).
    pool: Option<rayon::ThreadPool>,
}

fn check_k(k: usize) -> Result<(), HubError> {
    if k == 0 || k > MAX_K {
        return Err(HubError::K(k));
    }
    Ok(())
}

impl Hub {
    /// Compiles `wasm` (the bytes of `rvf-tile.wasm`) once on `cfg.engine` and starts
    /// `cfg.tiles` instances and the hub's threads. If the threads cannot be started the tiles
    /// run on the caller's thread.
    ///
    /// # Errors
    ///
    /// * [`HubError::NoTiles`] if `cfg.tiles == 0`;
    /// * [`HubError::EngineUnavailable`] if this build lacks `cfg.engine`;
    /// * [`HubError::Module`] if `wasm` does not validate, imports anything, declares a memory
    ///   other than the tile's 2 pages (minimum and maximum), or lacks the tile's `memory` or
    ///   `rvf_message() -> i32` export.
    ///
    /// ```
    /// use rvf_hub::{Hub, HubConfig, HubError, TILE_WASM};
    /// // A module with a 3-page memory is refused at load, on every engine.
    /// let big = [
    ///     &b"\0asm"[..], &[1, 0, 0, 0],
    ///     &[5, 4, 1, 1, 3, 3], // memory: min 3, max 3 pages
    ///     &[7, 10, 1, 6], b"memory", &[2, 0], // export "memory"
    /// ].concat();
    /// for &engine in rvf_hub::EngineKind::available() {
    ///     let cfg = HubConfig { engine, ..HubConfig::default() };
    ///     assert!(matches!(Hub::new(&big, cfg.clone()), Err(HubError::Module(_))));
    ///     assert_eq!(Hub::new(TILE_WASM, cfg)?.tiles(), 4);
    /// }
    /// # Ok::<(), HubError>(())
    /// ```
    pub fn new(wasm: &[u8], cfg: HubConfig) -> Result<Hub, HubError> {
        if cfg.tiles == 0 {
            return Err(HubError::NoTiles);
        }
        let module = engine::compile(cfg.engine, wasm)?;
        let tiles = (0..cfg.tiles)
            .map(|_| Tile::new(&*module, cfg.fuel_per_message, cfg.time_per_message))
            .collect::<Result<_, _>>()?;
        let threads = match cfg.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
        .min(cfg.tiles);
        let pool = (threads > 1)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("rvf-hub-{i}"))
                    .build()
                    .ok()
            })
            .flatten();
        Ok(Hub {
            module,
            cfg,
            tiles,
            pool,
        })
    }

    /// The engine the tiles run on.
    pub fn engine(&self) -> EngineKind {
        self.cfg.engine
    }

    /// Threads the tiles run on (1: the caller's thread).
    pub fn threads(&self) -> usize {
        self.pool.as_ref().map_or(1, |p| p.current_num_threads())
    }

    /// Number of tiles.
    pub fn tiles(&self) -> usize {
        self.tiles.len()
    }

    /// The fault of tile `i`, or `None` while it is healthy.
    pub fn tile_fault(&self, i: usize) -> Option<Fault> {
        self.tiles.get(i).and_then(|t| t.fault)
    }

    /// Messages tile `i` served since it was (re)started.
    pub fn tile_messages(&self, i: usize) -> Option<u64> {
        self.tiles.get(i).map(|t| t.messages)
    }

    /// Replaces tile `i` with a fresh instance of the hub's module (clean memory and state,
    /// injected faults cleared).
    ///
    /// # Errors
    ///
    /// * [`HubError::TileIndex`] if there is no tile `i`;
    /// * [`HubError::Module`] if the hub's module no longer instantiates (it did in [`Hub::new`]).
    pub fn restart_tile(&mut self, i: usize) -> Result<(), HubError> {
        let t = Tile::new(
            &*self.module,
            self.cfg.fuel_per_message,
            self.cfg.time_per_message,
        )?;
        *self.tiles.get_mut(i).ok_or(HubError::TileIndex(i))? = t;
        Ok(())
    }

    /// Replaces tile `i` with an instance of another module (for fault tests: a module that traps
    /// or never answers). [`Hub::restart_tile`] puts the hub's own module back.
    ///
    /// # Errors
    ///
    /// * [`HubError::Module`] as in [`Hub::new`] (imports, memory, exports);
    /// * [`HubError::TileIndex`] if there is no tile `i`.
    pub fn load_tile_module(&mut self, i: usize, wasm: &[u8]) -> Result<(), HubError> {
        let module = engine::compile(self.cfg.engine, wasm)?;
        let t = Tile::new(
            &*module,
            self.cfg.fuel_per_message,
            self.cfg.time_per_message,
        )?;
        *self.tiles.get_mut(i).ok_or(HubError::TileIndex(i))? = t;
        Ok(())
    }

    /// Injects a fault into tile `i` (tests, demonstrations).
    ///
    /// # Errors
    ///
    /// [`HubError::TileIndex`] if there is no tile `i`.
    pub fn inject_fault(&mut self, i: usize, f: InjectFault) -> Result<(), HubError> {
        self.tiles
            .get_mut(i)
            .ok_or(HubError::TileIndex(i))?
            .inject(f);
        Ok(())
    }

    /// Push-mode top-`k` search of `query` over `set` with `metric` on the healthy tiles.
    /// Equal, bit for bit, to [`native_search`]; `k` must be in `1..=16`.
    ///
    /// # Errors
    ///
    /// Tile faults are not errors (the work is reassigned). Checked in this order:
    ///
    /// * [`HubError::K`] if `k` is not in `1..=16`;
    /// * [`HubError::QueryDim`] if `query.len()` is not the set's dimension;
    /// * [`HubError::Metric`] for a metric other than Hamming on binary rows, or Hamming on SQ8
    ///   rows;
    /// * [`HubError::QueryNotI8`] for raw `i8` rows and a query that is not integers in
    ///   `-128..=127`;
    /// * [`HubError::Kernel`] if the native kernels reject the arguments (not expected after
    ///   these checks).
    pub fn search(
        &mut self,
        set: &VectorSet,
        query: &[f16],
        metric: Metric,
        k: usize,
    ) -> Result<Search, HubError> {
        check_k(k)?;
        set.check_query(query, metric)?;
        let rpb = set.rows_per_block();
        let blocks: Vec<Range<usize>> = (0..set.len().div_ceil(rpb))
            .map(|b| b * rpb..((b + 1) * rpb).min(set.len()))
            .collect();
        let healthy: Vec<usize> = (0..self.tiles.len())
            .filter(|&i| self.tiles[i].fault.is_none())
            .collect();
        // Contiguous shares of the blocks for the healthy tiles.
        let mut jobs: Vec<(usize, Vec<Range<usize>>)> = Vec::new();
        for (j, &t) in healthy.iter().enumerate() {
            let (a, b) = (
                j * blocks.len() / healthy.len(),
                (j + 1) * blocks.len() / healthy.len(),
            );
            if a < b {
                jobs.push((t, blocks[a..b].to_vec()));
            }
        }
        let results = self.run_jobs(&jobs, set, query, metric, k);
        let mut top = TopK::new(k)?;
        let mut work: Vec<TileWork> = (0..self.tiles.len())
            .map(|tile| TileWork {
                tile,
                blocks: 0,
                rows: 0,
                fault: None,
            })
            .collect();
        let mut failed = Vec::new();
        for ((t, bl), r) in jobs.into_iter().zip(results) {
            match r {
                Ok(list) => {
                    list.iter().for_each(|n| top.push(n.distance, n.id));
                    work[t].blocks += bl.len();
                    work[t].rows += bl.iter().map(|r| r.len()).sum::<usize>();
                }
                Err(f) => {
                    work[t].fault = Some(f);
                    // Already set by the tile, unless its thread panicked.
                    self.tiles[t].fault.get_or_insert(f);
                    failed.push((t, f, bl));
                }
            }
        }
        let mut reassigned = Vec::new();
        let mut host_blocks = 0;
        for (from, fault, bl) in failed {
            let mut to = Worker::Host;
            let n = self.tiles.len();
            for t in (1..n).map(|d| (from + d) % n) {
                if self.tiles[t].fault.is_some() {
                    continue;
                }
                match push::run_job(&mut self.tiles[t], set, query, metric, k, &bl) {
                    Ok(list) => {
                        list.iter().for_each(|n| top.push(n.distance, n.id));
                        work[t].blocks += bl.len();
                        work[t].rows += bl.iter().map(|r| r.len()).sum::<usize>();
                        to = Worker::Tile(t);
                        break;
                    }
                    Err(f) => {
                        work[t].fault = Some(f);
                    }
                }
            }
            if to == Worker::Host {
                for r in &bl {
                    host_scan(&mut top, set, query, metric, r.clone())?;
                }
                host_blocks += bl.len();
            }
            reassigned.push(Reassignment {
                from,
                fault,
                to,
                blocks: bl.len(),
            });
        }
        if healthy.is_empty() {
            for r in &blocks {
                host_scan(&mut top, set, query, metric, r.clone())?;
            }
            host_blocks = blocks.len();
        }
        Ok(Search {
            neighbors: top.into_sorted_vec(),
            work,
            reassigned,
            host_blocks,
        })
    }

    /// Push-mode searches of a batch of queries, one after another (each on every healthy
    /// tile); equal to [`Hub::search`] of each query in turn. A tile that faults in the middle
    /// of the batch gets no more work in it; its work is reassigned as in [`Hub::search`].
    ///
    /// # Errors
    ///
    /// Those of [`Hub::search`], for the first query that has one (the searches before it are
    /// lost with the batch).
    ///
    /// ```
    /// use rvf_hub::{Hub, HubConfig, TILE_WASM, VectorSet, native_search};
    /// use rvf_kernels::{Metric, f16};
    /// let mut hub = Hub::new(TILE_WASM, HubConfig { tiles: 2, ..HubConfig::default() })?;
    /// let set = VectorSet::f32(4, (0..4000).map(|i| (i % 89) as f32).collect())?;
    /// let queries: Vec<Vec<f16>> =
    ///     (0..3).map(|q| (0..4).map(|i| f16::from_f32((q * 7 + i) as f32)).collect()).collect();
    /// let found = hub.search_batch(&set, &queries, Metric::Cosine, 5)?;
    /// for (f, q) in found.iter().zip(&queries) {
    ///     assert_eq!(f.neighbors, native_search(&set, q, Metric::Cosine, 5)?);
    /// }
    /// # Ok::<(), rvf_hub::HubError>(())
    /// ```
    pub fn search_batch<Q: AsRef<[f16]>>(
        &mut self,
        set: &VectorSet,
        queries: &[Q],
        metric: Metric,
        k: usize,
    ) -> Result<Vec<Search>, HubError> {
        queries
            .iter()
            .map(|q| self.search(set, q.as_ref(), metric, k))
            .collect()
    }

    /// Runs each job (a tile and its queue of blocks) on the hub's threads; the results come
    /// back in job order, whatever order the jobs finished in.
    fn run_jobs(
        &mut self,
        jobs: &[(usize, Vec<Range<usize>>)],
        set: &VectorSet,
        query: &[f16],
        metric: Metric,
        k: usize,
    ) -> Vec<Result<Vec<Neighbor>, Fault>> {
        let mut slots: Vec<Option<&mut Tile>> = self.tiles.iter_mut().map(Some).collect();
        let mut mine: Vec<(&mut Tile, &[Range<usize>])> = Vec::with_capacity(jobs.len());
        for (t, bl) in jobs {
            if let Some(tile) = slots[*t].take() {
                mine.push((tile, bl));
            }
        }
        let run = |(tile, bl): (&mut Tile, &[Range<usize>])| {
            // A panic in the hub's own code for one tile (not expected) faults that tile only.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                push::run_job(tile, set, query, metric, k, bl)
            }))
            .unwrap_or(Err(Fault::Unexpected("tile thread panicked")))
        };
        match &self.pool {
            Some(pool) if mine.len() > 1 => pool.install(|| {
                mine.into_par_iter()
                    .with_max_len(1)
                    .map(run)
                    .collect::<Vec<_>>()
            }),
            _ => mine.into_iter().map(run).collect(),
        }
    }

    /// Pull-mode greedy descent of `query` over `graph` (whose nodes are the rows of `set`) with
    /// `metric`, driven by the first healthy tile; on a fault the next tile starts over, and
    /// without one the host runs [`native_greedy`]. Path and result equal [`native_greedy`].
    ///
    /// # Errors
    ///
    /// Tile faults are not errors (the walk restarts on the next tile or the host).
    ///
    /// * [`HubError::QueryDim`] if `query.len()` is not the set's dimension;
    /// * [`HubError::Metric`] for a metric other than Hamming on binary rows, or Hamming on SQ8
    ///   rows;
    /// * [`HubError::QueryNotI8`] for raw `i8` rows and a query that is not integers in
    ///   `-128..=127`;
    /// * [`HubError::Graph`] if the graph's number of nodes differs from the set's rows;
    /// * [`HubError::Kernel`] from the native kernels.
    pub fn greedy(
        &mut self,
        graph: &Graph,
        set: &VectorSet,
        query: &[f16],
        metric: Metric,
    ) -> Result<Walk, HubError> {
        set.check_query(query, metric)?;
        if graph.nodes() != set.len() {
            return Err(HubError::Graph("graph nodes differ from the set's rows"));
        }
        let mut faults = Vec::new();
        for t in 0..self.tiles.len() {
            if self.tiles[t].fault.is_some() {
                continue;
            }
            match pull::walk(&mut self.tiles[t], graph, set, query, metric) {
                Ok((path, node, distance)) => {
                    return Ok(Walk {
                        path,
                        node,
                        distance,
                        by: Worker::Tile(t),
                        faults,
                    });
                }
                Err(f) => faults.push((t, f)),
            }
        }
        let (path, node, distance) = native_greedy(graph, set, query, metric)?;
        Ok(Walk {
            path,
            node,
            distance,
            by: Worker::Host,
            faults,
        })
    }
}

fn host_scan(
    top: &mut TopK,
    set: &VectorSet,
    query: &[f16],
    metric: Metric,
    r: Range<usize>,
) -> Result<(), HubError> {
    let mut d = vec![0f32; r.len()];
    let first = r.start as u64;
    set.native_distances(query, metric, r, &mut d)?;
    top.push_slice(&d, first);
    Ok(())
}

/// The native brute-force top-`k` (the crate's kernels + [`TopK`]) that [`Hub::search`] equals.
///
/// # Errors
///
/// Those of [`Hub::search`]: [`HubError::K`], then the query checks ([`HubError::QueryDim`],
/// [`HubError::Metric`], [`HubError::QueryNotI8`]), then [`HubError::Kernel`].
pub fn native_search(
    set: &VectorSet,
    query: &[f16],
    metric: Metric,
    k: usize,
) -> Result<Vec<Neighbor>, HubError> {
    check_k(k)?;
    set.check_query(query, metric)?;
    let mut top = TopK::new(k)?;
    host_scan(&mut top, set, query, metric, 0..set.len())?;
    Ok(top.into_sorted_vec())
}

/// The host-side greedy descent with the native kernels (path, node, distance) that
/// [`Hub::greedy`] equals.
///
/// # Errors
///
/// Those of [`Hub::greedy`]: the query checks ([`HubError::QueryDim`], [`HubError::Metric`],
/// [`HubError::QueryNotI8`]), [`HubError::Graph`], [`HubError::Kernel`].
pub fn native_greedy(
    graph: &Graph,
    set: &VectorSet,
    query: &[f16],
    metric: Metric,
) -> Result<(Vec<u64>, u64, f32), HubError> {
    set.check_query(query, metric)?;
    if graph.nodes() != set.len() {
        return Err(HubError::Graph("graph nodes differ from the set's rows"));
    }
    let mut err = None;
    let r = graph.greedy(|n| {
        let mut d = [0f32];
        let i = n as usize;
        if let Err(e) = set.native_distances(query, metric, i..i + 1, &mut d) {
            err = Some(e);
        }
        d[0]
    });
    match err {
        Some(e) => Err(e),
        None => Ok(r),
    }
}
