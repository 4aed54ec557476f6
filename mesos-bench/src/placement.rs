//! The placement benchmark: what `mesos::toolkit::placement` costs to match 1,000 pending
//! tasks against 100 offers, per offer, for each strategy. Pure computation, no cluster.
//!
//! The offers are 100 agents (two per host, ten racks, three zones) with 16 cpus, 64 GB of
//! memory, 1,001 ports and a reservation for role "web"; the tasks are a mix of plain tasks,
//! web tasks with ports and at most three per host, tasks spread over racks, and tasks bound
//! to a zone, drawn from a fixed pseudo-random sequence (the same in every run).

use std::hint::black_box;

use mesos::resources::{cpus, disk, mem, ports};
use mesos::toolkit::placement::{Constraint, Field, Placer, Strategy, TaskRequest};
use mesos::types::{value, Attribute, Offer};

use crate::cpp;

/// One strategy's figures (medians over the trials).
#[derive(Debug, Clone)]
pub struct Row {
    pub strategy: &'static str,
    pub tasks: usize,
    pub offers: usize,
    pub placed: usize,
    /// CPU time of one whole plan, in milliseconds.
    pub plan_ms: f64,
    /// The same, per offer, in microseconds.
    pub us_per_offer: f64,
    /// The same, per pending task, in microseconds.
    pub us_per_task: f64,
}

/// A small deterministic generator (64-bit LCG), so that every run places the same tasks.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn text(name: &str, v: String) -> Attribute {
    let mut a = Attribute::new();
    a.set_name(name.into());
    a.set_type(value::Type::TEXT);
    a.text.mut_or_insert_default().set_value(v);
    a
}

pub fn offers(n: usize) -> Vec<Offer> {
    (0..n)
        .map(|i| {
            let mut o = Offer::new();
            o.id = Some(mesos::ids::offer_id(format!("bench-O{i}"))).into();
            o.slave_id = Some(mesos::ids::agent_id(format!("bench-S{i}"))).into();
            o.framework_id = Some(mesos::ids::framework_id("bench-F")).into();
            o.set_hostname(format!("host-{}", i / 2));
            o.attributes = vec![
                text("rack", format!("r{}", i % 10)),
                text("zone", format!("z{}", i % 3)),
            ];
            o.resources = vec![
                cpus(16.0),
                mem(65536.0),
                disk(100_000.0),
                ports(&[(31000, 32000)]),
                cpus(4.0).with_role("web"),
                mem(8192.0).with_role("web"),
            ];
            o
        })
        .collect()
}

pub fn tasks(n: usize) -> Vec<TaskRequest> {
    let mut rng = Lcg(42);
    (0..n)
        .map(|i| {
            let base = TaskRequest::new(format!("task-{i}"))
                .cpus((1 + rng.below(10)) as f64 / 10.0)
                .mem((128 * (1 + rng.below(16))) as f64);
            match rng.below(10) {
                0..=5 => base.group("batch"),
                6 | 7 => base
                    .group("web")
                    .role("web")
                    .ports(1 + rng.below(2))
                    .constraint(Constraint::max_per(Field::Hostname, 3)),
                8 => base
                    .group("spread")
                    .constraint(Constraint::group_by_attribute("rack")),
                _ => base
                    .group("zoned")
                    .constraint(Constraint::attribute_equals("zone", "z1")),
            }
        })
        .collect()
}

fn cpu_ns() -> u64 {
    // SAFETY: a pure query of the calling thread's CPU clock.
    unsafe { cpp::bench_thread_cpu_ns() }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Plans `n_tasks` tasks on `n_offers` offers `trials` times per strategy (interleaved).
pub fn run(n_tasks: usize, n_offers: usize, trials: usize) -> Vec<Row> {
    let offers = offers(n_offers);
    let tasks = tasks(n_tasks);
    let strategies = [
        ("first_fit", Strategy::FirstFit),
        ("bin_pack", Strategy::BinPack),
        ("spread", Strategy::Spread),
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); strategies.len()];
    let mut placed = vec![0; strategies.len()];
    for _ in 0..trials.max(1) {
        for (k, (_, strategy)) in strategies.iter().enumerate() {
            let placer = Placer::new(*strategy);
            let t = cpu_ns();
            let plan = black_box(placer.plan(black_box(&tasks), black_box(&offers), &[]));
            times[k].push((cpu_ns() - t) as f64 / 1e6);
            placed[k] = plan.placed();
        }
    }
    strategies
        .iter()
        .enumerate()
        .map(|(k, (name, _))| {
            let plan_ms = median(times[k].clone());
            Row {
                strategy: name,
                tasks: n_tasks,
                offers: n_offers,
                placed: placed[k],
                plan_ms,
                us_per_offer: plan_ms * 1000.0 / n_offers as f64,
                us_per_task: plan_ms * 1000.0 / n_tasks as f64,
            }
        })
        .collect()
}
