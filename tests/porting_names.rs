//! Keeps the Rust column of `docs/porting-from-hs-mesos.md` honest.
//!
//! * Every Rust name in the porting tables is referenced below (`names()`), so renaming or
//!   removing one breaks this test's build.
//! * `doc_and_names_agree` checks that the tables list exactly the names referenced here.
//! * `every_hs_mesos_export_is_in_the_table` checks that every name of
//!   `docs/hs-mesos-exports.txt` (the export lists of the hs-mesos modules) has a row in the
//!   section of its module, and that the tables name nothing else.
//! * `the_export_list_is_at_the_newest_hs_mesos_revision` checks that the list holds the names
//!   hs-mesos' newest revision (its Mesos 0.23 support) added, each with its row.
//!
//! A new row in the guide needs its Rust names added to `names()` below, in the notation the
//! tables use: `path` for functions, methods, constants, enum variants and types, and
//! `Type.field` for a public message field.

use std::collections::{BTreeMap, BTreeSet};

/// Implements the callback traits with their defaults, so trait methods can be named.
struct SchedDummy;
impl mesos::Scheduler for SchedDummy {}
struct ExecDummy;
impl mesos::Executor for ExecDummy {}

/// The driver's offer methods are generic over the offer IDs: one instance of each.
type AcceptOffers = fn(
    &mesos::SchedulerDriver,
    &'static [mesos::types::OfferID],
    &[mesos::types::offer::Operation],
    Option<&mesos::types::Filters>,
) -> mesos::Result<()>;
type LaunchTasks = fn(
    &mesos::SchedulerDriver,
    &'static [mesos::types::OfferID],
    &[mesos::types::TaskInfo],
    Option<&mesos::types::Filters>,
) -> mesos::Result<()>;

fn norm(path: &str) -> String {
    path.chars().filter(|c| !c.is_whitespace()).collect()
}

/// References one item so that the build fails if it goes away, and records its name as the
/// tables write it.
macro_rules! refs {
    ($($kind:ident($($arg:tt)+);)*) => {{
        let mut names: Vec<String> = Vec::new();
        $( names.push(refs!(@one $kind $($arg)+)); )*
        names
    }};
    (@one val $p:path as $t:ty) => {{
        let _item: $t = $p;
        norm(stringify!($p))
    }};
    (@one val $p:path) => {{
        let _item = $p;
        norm(stringify!($p))
    }};
    (@one ty $p:path) => {{
        let _item: Option<$p> = None;
        norm(stringify!($p))
    }};
    (@one tr $d:ty, $p:path) => {{
        fn implemented<T: $p>() {}
        implemented::<$d>();
        norm(stringify!($p))
    }};
    (@one field $t:path, $f:ident) => {{
        let _item = |m: &$t| {
            let _ = &m.$f;
        };
        format!("{}.{}", norm(stringify!($t)), stringify!($f))
    }};
    (@one method $d:ty, $tr:path, $m:ident) => {{
        let _item = <$d as $tr>::$m;
        format!("{}::{}", norm(stringify!($tr)), stringify!($m))
    }};
}

/// Every Rust name the porting tables use, each one referenced.
fn names() -> Vec<String> {
    refs! {
        tr(ExecDummy, mesos::Executor);
        method(ExecDummy, mesos::Executor, disconnected);
        method(ExecDummy, mesos::Executor, error);
        method(ExecDummy, mesos::Executor, framework_message);
        method(ExecDummy, mesos::Executor, kill_task);
        method(ExecDummy, mesos::Executor, launch_task);
        method(ExecDummy, mesos::Executor, registered);
        method(ExecDummy, mesos::Executor, reregistered);
        method(ExecDummy, mesos::Executor, shutdown);
        ty(mesos::ExecutorDriver);
        val(mesos::ExecutorDriver::abort);
        val(mesos::ExecutorDriver::join);
        val(mesos::ExecutorDriver::new as fn(ExecDummy) -> mesos::Result<mesos::ExecutorDriver>);
        val(mesos::ExecutorDriver::run);
        val(mesos::ExecutorDriver::send_framework_message);
        val(mesos::ExecutorDriver::send_status_update);
        val(mesos::ExecutorDriver::start);
        val(mesos::ExecutorDriver::stop);
        val(mesos::ExecutorDriver::with_environment as fn(ExecDummy, &std::collections::BTreeMap<String, String>) -> mesos::Result<mesos::ExecutorDriver>);
        ty(mesos::Resources);
        val(mesos::Resources::contains);
        val(mesos::Resources::cpus);
        val(mesos::Resources::disk);
        val(mesos::Resources::flatten);
        val(mesos::Resources::into_vec);
        val(mesos::Resources::mem);
        val(mesos::Resources::new);
        val(mesos::Resources::ports);
        val(mesos::Resources::ranges);
        val(mesos::Resources::scalar);
        val(mesos::Resources::set);
        tr(SchedDummy, mesos::Scheduler);
        method(SchedDummy, mesos::Scheduler, disconnected);
        method(SchedDummy, mesos::Scheduler, error);
        method(SchedDummy, mesos::Scheduler, executor_lost);
        method(SchedDummy, mesos::Scheduler, framework_message);
        method(SchedDummy, mesos::Scheduler, offer_rescinded);
        method(SchedDummy, mesos::Scheduler, registered);
        method(SchedDummy, mesos::Scheduler, reregistered);
        method(SchedDummy, mesos::Scheduler, resource_offers);
        method(SchedDummy, mesos::Scheduler, slave_lost);
        method(SchedDummy, mesos::Scheduler, status_update);
        ty(mesos::SchedulerDriver);
        val(mesos::SchedulerDriver::abort);
        val(mesos::SchedulerDriver::accept_offers as AcceptOffers);
        val(mesos::SchedulerDriver::acknowledge_status_update);
        val(mesos::SchedulerDriver::builder as fn(mesos::types::FrameworkInfo, String) -> mesos::SchedulerDriverBuilder);
        val(mesos::SchedulerDriver::decline_offer);
        val(mesos::SchedulerDriver::join);
        val(mesos::SchedulerDriver::kill_task);
        val(mesos::SchedulerDriver::launch_tasks as LaunchTasks);
        val(mesos::SchedulerDriver::new as fn(SchedDummy, mesos::types::FrameworkInfo, String) -> mesos::Result<mesos::SchedulerDriver>);
        val(mesos::SchedulerDriver::reconcile_tasks);
        val(mesos::SchedulerDriver::request_resources);
        val(mesos::SchedulerDriver::revive_offers);
        val(mesos::SchedulerDriver::revive_offers_for_roles as fn(&mesos::SchedulerDriver, &[String]) -> mesos::Result<()>);
        val(mesos::SchedulerDriver::run);
        val(mesos::SchedulerDriver::send_framework_message);
        val(mesos::SchedulerDriver::start);
        val(mesos::SchedulerDriver::stop);
        val(mesos::SchedulerDriver::suppress_offers);
        val(mesos::SchedulerDriver::suppress_offers_for_roles as fn(&mesos::SchedulerDriver, &[String]) -> mesos::Result<()>);
        val(mesos::SchedulerDriver::update_framework as fn(&mesos::SchedulerDriver, &mesos::types::FrameworkInfo, &[String], Option<&mesos::types::OfferConstraints>) -> mesos::Result<()>);
        val(mesos::SchedulerDriverBuilder::build as fn(mesos::SchedulerDriverBuilder, SchedDummy) -> mesos::Result<mesos::SchedulerDriver>);
        val(mesos::SchedulerDriverBuilder::credential);
        val(mesos::SchedulerDriverBuilder::implicit_acknowledgements);
        val(mesos::SchedulerDriverBuilder::suppressed_roles as fn(mesos::SchedulerDriverBuilder, Vec<String>) -> mesos::SchedulerDriverBuilder);
        ty(mesos::Status);
        val(mesos::ids::command_argv as fn(String, Vec<String>) -> mesos::types::CommandInfo);
        val(mesos::ids::command_info as fn(String) -> mesos::types::CommandInfo);
        val(mesos::ids::command_task as fn(String, String, &mesos::types::Offer, Vec<mesos::types::Resource>, String) -> mesos::types::TaskInfo);
        val(mesos::ids::command_uri as fn(String) -> mesos::types::command_info::URI);
        val(mesos::ids::container_id as fn(String) -> mesos::types::ContainerID);
        val(mesos::ids::credential as fn(String) -> mesos::types::Credential);
        val(mesos::ids::executor_id as fn(String) -> mesos::types::ExecutorID);
        val(mesos::ids::executor_info as fn(String, mesos::types::CommandInfo) -> mesos::types::ExecutorInfo);
        val(mesos::types::ExecutorInfo::with_framework_id as fn(mesos::types::ExecutorInfo, String) -> mesos::types::ExecutorInfo);
        val(mesos::types::ExecutorInfo::with_resources);
        val(mesos::types::ExecutorInfo::with_name as fn(mesos::types::ExecutorInfo, String) -> mesos::types::ExecutorInfo);
        val(mesos::types::FrameworkInfo::with_role as fn(mesos::types::FrameworkInfo, String) -> mesos::types::FrameworkInfo);
        ty(mesos::types::task_status::Source);
        ty(mesos::types::task_status::Reason);
        val(mesos::ids::framework_id as fn(String) -> mesos::types::FrameworkID);
        val(mesos::ids::framework_info as fn(String, String) -> mesos::types::FrameworkInfo);
        val(mesos::ids::master_info as fn(String, u32) -> mesos::types::MasterInfo);
        val(mesos::ids::offer_id as fn(String) -> mesos::types::OfferID);
        val(mesos::ids::slave_id as fn(String) -> mesos::types::SlaveID);
        val(mesos::ids::slave_info as fn(String, Vec<mesos::types::Resource>, Vec<mesos::types::Attribute>) -> mesos::types::SlaveInfo);
        val(mesos::ids::task_id as fn(String) -> mesos::types::TaskID);
        val(mesos::ids::task_info as fn(String, String, String, Vec<mesos::types::Resource>) -> mesos::types::TaskInfo);
        val(mesos::resources::CPUS);
        val(mesos::resources::DISK);
        val(mesos::resources::MEM);
        val(mesos::resources::PORTS);
        val(mesos::resources::cpus);
        val(mesos::resources::disk);
        val(mesos::resources::dynamic_reservation as fn(String, Option<&'static str>) -> mesos::types::resource::ReservationInfo);
        val(mesos::resources::mem);
        val(mesos::resources::ports);
        val(mesos::resources::ranges as fn(String, &[(u64, u64)]) -> mesos::types::Resource);
        val(mesos::resources::ranges_value);
        val(mesos::resources::reservation_role);
        val(mesos::resources::scalar as fn(String, f64) -> mesos::types::Resource);
        val(mesos::resources::scalar_value);
        val(mesos::resources::set as fn(String, Vec<String>) -> mesos::types::Resource);
        val(mesos::resources::set_value);
        val(mesos::task_status::ALL_STATES);
        val(mesos::task_status::is_terminal);
        val(mesos::task_status::task_status);
        field(mesos::types::Attribute, text);
        ty(mesos::types::CommandInfo);
        field(mesos::types::CommandInfo, arguments);
        field(mesos::types::CommandInfo, environment);
        field(mesos::types::CommandInfo, uris);
        val(mesos::types::CommandInfo::new);
        val(mesos::types::CommandInfo::set_shell);
        val(mesos::types::CommandInfo::set_user);
        val(mesos::types::CommandInfo::set_value);
        val(mesos::types::CommandInfo::shell);
        val(mesos::types::CommandInfo::user);
        val(mesos::types::CommandInfo::value);
        val(mesos::types::CommandInfo::with_env as fn(mesos::types::CommandInfo, String, String) -> mesos::types::CommandInfo);
        val(mesos::types::CommandInfo::with_uri as fn(mesos::types::CommandInfo, String) -> mesos::types::CommandInfo);
        val(mesos::types::CommandInfo::with_user as fn(mesos::types::CommandInfo, String) -> mesos::types::CommandInfo);
        ty(mesos::types::ContainerID);
        val(mesos::types::ContainerID::set_value);
        val(mesos::types::ContainerID::value);
        ty(mesos::types::ContainerInfo);
        field(mesos::types::ContainerInfo, docker);
        field(mesos::types::ContainerInfo, volumes);
        val(mesos::types::ContainerInfo::new);
        val(mesos::types::ContainerInfo::set_type);
        val(mesos::types::ContainerInfo::type_);
        ty(mesos::types::Credential);
        val(mesos::types::Credential::new);
        val(mesos::types::Credential::principal);
        val(mesos::types::Credential::secret);
        val(mesos::types::Credential::set_principal);
        val(mesos::types::Credential::set_secret);
        ty(mesos::types::DiscoveryInfo);
        field(mesos::types::DiscoveryInfo, labels);
        field(mesos::types::DiscoveryInfo, ports);
        val(mesos::types::DiscoveryInfo::environment);
        val(mesos::types::DiscoveryInfo::location);
        val(mesos::types::DiscoveryInfo::name);
        val(mesos::types::DiscoveryInfo::new);
        val(mesos::types::DiscoveryInfo::set_environment);
        val(mesos::types::DiscoveryInfo::set_location);
        val(mesos::types::DiscoveryInfo::set_name);
        val(mesos::types::DiscoveryInfo::set_version);
        val(mesos::types::DiscoveryInfo::set_visibility);
        val(mesos::types::DiscoveryInfo::version);
        val(mesos::types::DiscoveryInfo::visibility);
        ty(mesos::types::ExecutorID);
        val(mesos::types::ExecutorID::set_value);
        val(mesos::types::ExecutorID::value);
        ty(mesos::types::ExecutorInfo);
        field(mesos::types::ExecutorInfo, command);
        field(mesos::types::ExecutorInfo, container);
        field(mesos::types::ExecutorInfo, discovery);
        field(mesos::types::ExecutorInfo, executor_id);
        field(mesos::types::ExecutorInfo, framework_id);
        field(mesos::types::ExecutorInfo, resources);
        val(mesos::types::ExecutorInfo::name);
        val(mesos::types::ExecutorInfo::new);
        val(mesos::types::ExecutorInfo::set_name);
        val(mesos::types::ExecutorInfo::set_source);
        val(mesos::types::ExecutorInfo::source);
        ty(mesos::types::Filters);
        val(mesos::types::Filters::new);
        val(mesos::types::Filters::refuse_seconds);
        val(mesos::types::Filters::set_refuse_seconds);
        ty(mesos::types::FrameworkID);
        val(mesos::types::FrameworkID::set_value);
        val(mesos::types::FrameworkID::value);
        ty(mesos::types::FrameworkInfo);
        field(mesos::types::FrameworkInfo, id);
        field(mesos::types::FrameworkInfo, roles);
        val(mesos::types::FrameworkInfo::checkpoint);
        val(mesos::types::FrameworkInfo::failover_timeout);
        val(mesos::types::FrameworkInfo::hostname);
        val(mesos::types::FrameworkInfo::name);
        val(mesos::types::FrameworkInfo::new);
        val(mesos::types::FrameworkInfo::principal);
        val(mesos::types::FrameworkInfo::role);
        val(mesos::types::FrameworkInfo::set_checkpoint);
        val(mesos::types::FrameworkInfo::set_failover_timeout);
        val(mesos::types::FrameworkInfo::set_hostname);
        val(mesos::types::FrameworkInfo::set_name);
        val(mesos::types::FrameworkInfo::set_principal);
        val(mesos::types::FrameworkInfo::set_role);
        val(mesos::types::FrameworkInfo::set_user);
        val(mesos::types::FrameworkInfo::user);
        ty(mesos::types::HealthCheck);
        field(mesos::types::HealthCheck, command);
        field(mesos::types::HealthCheck, http);
        val(mesos::types::HealthCheck::consecutive_failures);
        val(mesos::types::HealthCheck::delay_seconds);
        val(mesos::types::HealthCheck::grace_period_seconds);
        val(mesos::types::HealthCheck::interval_seconds);
        val(mesos::types::HealthCheck::new);
        val(mesos::types::HealthCheck::set_consecutive_failures);
        val(mesos::types::HealthCheck::set_delay_seconds);
        val(mesos::types::HealthCheck::set_grace_period_seconds);
        val(mesos::types::HealthCheck::set_interval_seconds);
        val(mesos::types::HealthCheck::set_timeout_seconds);
        val(mesos::types::HealthCheck::set_type);
        val(mesos::types::HealthCheck::timeout_seconds);
        val(mesos::types::HealthCheck::type_);
        ty(mesos::types::MasterInfo);
        val(mesos::types::MasterInfo::hostname);
        val(mesos::types::MasterInfo::id);
        val(mesos::types::MasterInfo::ip);
        val(mesos::types::MasterInfo::new);
        val(mesos::types::MasterInfo::pid);
        val(mesos::types::MasterInfo::port);
        val(mesos::types::MasterInfo::set_hostname);
        val(mesos::types::MasterInfo::set_id);
        val(mesos::types::MasterInfo::set_ip);
        val(mesos::types::MasterInfo::set_pid);
        val(mesos::types::MasterInfo::set_port);
        val(mesos::types::MasterInfo::set_version);
        val(mesos::types::MasterInfo::version);
        ty(mesos::types::Offer);
        field(mesos::types::Offer, attributes);
        field(mesos::types::Offer, executor_ids);
        field(mesos::types::Offer, framework_id);
        field(mesos::types::Offer, id);
        field(mesos::types::Offer, resources);
        field(mesos::types::Offer, slave_id);
        val(mesos::types::Offer::hostname);
        val(mesos::types::Offer::new);
        val(mesos::types::Offer::set_hostname);
        ty(mesos::types::OfferID);
        val(mesos::types::OfferID::set_value);
        val(mesos::types::OfferID::value);
        ty(mesos::types::PerfStatistics);
        val(mesos::types::PerfStatistics::alignment_faults);
        val(mesos::types::PerfStatistics::branch_load_misses);
        val(mesos::types::PerfStatistics::branch_loads);
        val(mesos::types::PerfStatistics::branch_misses);
        val(mesos::types::PerfStatistics::branches);
        val(mesos::types::PerfStatistics::bus_cycles);
        val(mesos::types::PerfStatistics::cache_misses);
        val(mesos::types::PerfStatistics::cache_references);
        val(mesos::types::PerfStatistics::context_switches);
        val(mesos::types::PerfStatistics::cpu_clock);
        val(mesos::types::PerfStatistics::cpu_migrations);
        val(mesos::types::PerfStatistics::cycles);
        val(mesos::types::PerfStatistics::dtlb_load_misses);
        val(mesos::types::PerfStatistics::dtlb_loads);
        val(mesos::types::PerfStatistics::dtlb_prefetch_misses);
        val(mesos::types::PerfStatistics::dtlb_prefetches);
        val(mesos::types::PerfStatistics::dtlb_store_misses);
        val(mesos::types::PerfStatistics::dtlb_stores);
        val(mesos::types::PerfStatistics::duration);
        val(mesos::types::PerfStatistics::emulation_faults);
        val(mesos::types::PerfStatistics::instructions);
        val(mesos::types::PerfStatistics::itlb_load_misses);
        val(mesos::types::PerfStatistics::itlb_loads);
        val(mesos::types::PerfStatistics::l1_dcache_load_misses);
        val(mesos::types::PerfStatistics::l1_dcache_loads);
        val(mesos::types::PerfStatistics::l1_dcache_prefetch_misses);
        val(mesos::types::PerfStatistics::l1_dcache_prefetches);
        val(mesos::types::PerfStatistics::l1_dcache_store_misses);
        val(mesos::types::PerfStatistics::l1_dcache_stores);
        val(mesos::types::PerfStatistics::l1_icache_load_misses);
        val(mesos::types::PerfStatistics::l1_icache_loads);
        val(mesos::types::PerfStatistics::l1_icache_prefetch_misses);
        val(mesos::types::PerfStatistics::l1_icache_prefetches);
        val(mesos::types::PerfStatistics::llc_load_misses);
        val(mesos::types::PerfStatistics::llc_loads);
        val(mesos::types::PerfStatistics::llc_prefetch_misses);
        val(mesos::types::PerfStatistics::llc_prefetches);
        val(mesos::types::PerfStatistics::llc_store_misses);
        val(mesos::types::PerfStatistics::llc_stores);
        val(mesos::types::PerfStatistics::major_faults);
        val(mesos::types::PerfStatistics::minor_faults);
        val(mesos::types::PerfStatistics::new);
        val(mesos::types::PerfStatistics::node_load_misses);
        val(mesos::types::PerfStatistics::node_loads);
        val(mesos::types::PerfStatistics::node_prefetch_misses);
        val(mesos::types::PerfStatistics::node_prefetches);
        val(mesos::types::PerfStatistics::node_store_misses);
        val(mesos::types::PerfStatistics::node_stores);
        val(mesos::types::PerfStatistics::page_faults);
        val(mesos::types::PerfStatistics::ref_cycles);
        val(mesos::types::PerfStatistics::set_alignment_faults);
        val(mesos::types::PerfStatistics::set_branch_load_misses);
        val(mesos::types::PerfStatistics::set_branch_loads);
        val(mesos::types::PerfStatistics::set_branch_misses);
        val(mesos::types::PerfStatistics::set_branches);
        val(mesos::types::PerfStatistics::set_bus_cycles);
        val(mesos::types::PerfStatistics::set_cache_misses);
        val(mesos::types::PerfStatistics::set_cache_references);
        val(mesos::types::PerfStatistics::set_context_switches);
        val(mesos::types::PerfStatistics::set_cpu_clock);
        val(mesos::types::PerfStatistics::set_cpu_migrations);
        val(mesos::types::PerfStatistics::set_cycles);
        val(mesos::types::PerfStatistics::set_dtlb_load_misses);
        val(mesos::types::PerfStatistics::set_dtlb_loads);
        val(mesos::types::PerfStatistics::set_dtlb_prefetch_misses);
        val(mesos::types::PerfStatistics::set_dtlb_prefetches);
        val(mesos::types::PerfStatistics::set_dtlb_store_misses);
        val(mesos::types::PerfStatistics::set_dtlb_stores);
        val(mesos::types::PerfStatistics::set_duration);
        val(mesos::types::PerfStatistics::set_emulation_faults);
        val(mesos::types::PerfStatistics::set_instructions);
        val(mesos::types::PerfStatistics::set_itlb_load_misses);
        val(mesos::types::PerfStatistics::set_itlb_loads);
        val(mesos::types::PerfStatistics::set_l1_dcache_load_misses);
        val(mesos::types::PerfStatistics::set_l1_dcache_loads);
        val(mesos::types::PerfStatistics::set_l1_dcache_prefetch_misses);
        val(mesos::types::PerfStatistics::set_l1_dcache_prefetches);
        val(mesos::types::PerfStatistics::set_l1_dcache_store_misses);
        val(mesos::types::PerfStatistics::set_l1_dcache_stores);
        val(mesos::types::PerfStatistics::set_l1_icache_load_misses);
        val(mesos::types::PerfStatistics::set_l1_icache_loads);
        val(mesos::types::PerfStatistics::set_l1_icache_prefetch_misses);
        val(mesos::types::PerfStatistics::set_l1_icache_prefetches);
        val(mesos::types::PerfStatistics::set_llc_load_misses);
        val(mesos::types::PerfStatistics::set_llc_loads);
        val(mesos::types::PerfStatistics::set_llc_prefetch_misses);
        val(mesos::types::PerfStatistics::set_llc_prefetches);
        val(mesos::types::PerfStatistics::set_llc_store_misses);
        val(mesos::types::PerfStatistics::set_llc_stores);
        val(mesos::types::PerfStatistics::set_major_faults);
        val(mesos::types::PerfStatistics::set_minor_faults);
        val(mesos::types::PerfStatistics::set_node_load_misses);
        val(mesos::types::PerfStatistics::set_node_loads);
        val(mesos::types::PerfStatistics::set_node_prefetch_misses);
        val(mesos::types::PerfStatistics::set_node_prefetches);
        val(mesos::types::PerfStatistics::set_node_store_misses);
        val(mesos::types::PerfStatistics::set_node_stores);
        val(mesos::types::PerfStatistics::set_page_faults);
        val(mesos::types::PerfStatistics::set_ref_cycles);
        val(mesos::types::PerfStatistics::set_stalled_cycles_backend);
        val(mesos::types::PerfStatistics::set_stalled_cycles_frontend);
        val(mesos::types::PerfStatistics::set_task_clock);
        val(mesos::types::PerfStatistics::set_timestamp);
        val(mesos::types::PerfStatistics::stalled_cycles_backend);
        val(mesos::types::PerfStatistics::stalled_cycles_frontend);
        val(mesos::types::PerfStatistics::task_clock);
        val(mesos::types::PerfStatistics::timestamp);
        ty(mesos::types::Port);
        val(mesos::types::Port::name);
        val(mesos::types::Port::new);
        val(mesos::types::Port::number);
        val(mesos::types::Port::protocol);
        val(mesos::types::Port::set_name);
        val(mesos::types::Port::set_number);
        val(mesos::types::Port::set_protocol);
        ty(mesos::types::Request);
        field(mesos::types::Request, resources);
        field(mesos::types::Request, slave_id);
        val(mesos::types::Request::new);
        ty(mesos::types::Resource);
        field(mesos::types::Resource, disk);
        field(mesos::types::Resource, ranges);
        field(mesos::types::Resource, reservations);
        field(mesos::types::Resource, scalar);
        field(mesos::types::Resource, set);
        val(mesos::types::Resource::name);
        val(mesos::types::Resource::new);
        val(mesos::types::Resource::role);
        val(mesos::types::Resource::set_name);
        val(mesos::types::Resource::set_role);
        val(mesos::types::Resource::set_type);
        val(mesos::types::Resource::type_);
        val(mesos::types::Resource::with_role as fn(mesos::types::Resource, String) -> mesos::types::Resource);
        ty(mesos::types::ResourceStatistics);
        field(mesos::types::ResourceStatistics, net_traffic_control_statistics);
        field(mesos::types::ResourceStatistics, perf);
        val(mesos::types::ResourceStatistics::cpus_limit);
        val(mesos::types::ResourceStatistics::cpus_nr_periods);
        val(mesos::types::ResourceStatistics::cpus_nr_throttled);
        val(mesos::types::ResourceStatistics::cpus_system_time_secs);
        val(mesos::types::ResourceStatistics::cpus_throttled_time_secs);
        val(mesos::types::ResourceStatistics::cpus_user_time_secs);
        val(mesos::types::ResourceStatistics::disk_limit_bytes);
        val(mesos::types::ResourceStatistics::disk_used_bytes);
        val(mesos::types::ResourceStatistics::mem_anon_bytes);
        val(mesos::types::ResourceStatistics::mem_cache_bytes);
        val(mesos::types::ResourceStatistics::mem_critical_pressure_counter);
        val(mesos::types::ResourceStatistics::mem_file_bytes);
        val(mesos::types::ResourceStatistics::mem_limit_bytes);
        val(mesos::types::ResourceStatistics::mem_low_pressure_counter);
        val(mesos::types::ResourceStatistics::mem_mapped_file_bytes);
        val(mesos::types::ResourceStatistics::mem_medium_pressure_counter);
        val(mesos::types::ResourceStatistics::mem_rss_bytes);
        val(mesos::types::ResourceStatistics::mem_soft_limit_bytes);
        val(mesos::types::ResourceStatistics::mem_swap_bytes);
        val(mesos::types::ResourceStatistics::mem_total_bytes);
        val(mesos::types::ResourceStatistics::mem_total_memsw_bytes);
        val(mesos::types::ResourceStatistics::net_rx_bytes);
        val(mesos::types::ResourceStatistics::net_rx_dropped);
        val(mesos::types::ResourceStatistics::net_rx_errors);
        val(mesos::types::ResourceStatistics::net_rx_packets);
        val(mesos::types::ResourceStatistics::net_tcp_active_connections);
        val(mesos::types::ResourceStatistics::net_tcp_rtt_microsecs_p50);
        val(mesos::types::ResourceStatistics::net_tcp_rtt_microsecs_p90);
        val(mesos::types::ResourceStatistics::net_tcp_rtt_microsecs_p95);
        val(mesos::types::ResourceStatistics::net_tcp_rtt_microsecs_p99);
        val(mesos::types::ResourceStatistics::net_tcp_time_wait_connections);
        val(mesos::types::ResourceStatistics::net_tx_bytes);
        val(mesos::types::ResourceStatistics::net_tx_dropped);
        val(mesos::types::ResourceStatistics::net_tx_errors);
        val(mesos::types::ResourceStatistics::net_tx_packets);
        val(mesos::types::ResourceStatistics::new);
        val(mesos::types::ResourceStatistics::processes);
        val(mesos::types::ResourceStatistics::set_cpus_limit);
        val(mesos::types::ResourceStatistics::set_cpus_nr_periods);
        val(mesos::types::ResourceStatistics::set_cpus_nr_throttled);
        val(mesos::types::ResourceStatistics::set_cpus_system_time_secs);
        val(mesos::types::ResourceStatistics::set_cpus_throttled_time_secs);
        val(mesos::types::ResourceStatistics::set_cpus_user_time_secs);
        val(mesos::types::ResourceStatistics::set_disk_limit_bytes);
        val(mesos::types::ResourceStatistics::set_disk_used_bytes);
        val(mesos::types::ResourceStatistics::set_mem_anon_bytes);
        val(mesos::types::ResourceStatistics::set_mem_cache_bytes);
        val(mesos::types::ResourceStatistics::set_mem_critical_pressure_counter);
        val(mesos::types::ResourceStatistics::set_mem_file_bytes);
        val(mesos::types::ResourceStatistics::set_mem_limit_bytes);
        val(mesos::types::ResourceStatistics::set_mem_low_pressure_counter);
        val(mesos::types::ResourceStatistics::set_mem_mapped_file_bytes);
        val(mesos::types::ResourceStatistics::set_mem_medium_pressure_counter);
        val(mesos::types::ResourceStatistics::set_mem_rss_bytes);
        val(mesos::types::ResourceStatistics::set_mem_soft_limit_bytes);
        val(mesos::types::ResourceStatistics::set_mem_swap_bytes);
        val(mesos::types::ResourceStatistics::set_mem_total_bytes);
        val(mesos::types::ResourceStatistics::set_mem_total_memsw_bytes);
        val(mesos::types::ResourceStatistics::set_net_rx_bytes);
        val(mesos::types::ResourceStatistics::set_net_rx_dropped);
        val(mesos::types::ResourceStatistics::set_net_rx_errors);
        val(mesos::types::ResourceStatistics::set_net_rx_packets);
        val(mesos::types::ResourceStatistics::set_net_tcp_active_connections);
        val(mesos::types::ResourceStatistics::set_net_tcp_rtt_microsecs_p50);
        val(mesos::types::ResourceStatistics::set_net_tcp_rtt_microsecs_p90);
        val(mesos::types::ResourceStatistics::set_net_tcp_rtt_microsecs_p95);
        val(mesos::types::ResourceStatistics::set_net_tcp_rtt_microsecs_p99);
        val(mesos::types::ResourceStatistics::set_net_tcp_time_wait_connections);
        val(mesos::types::ResourceStatistics::set_net_tx_bytes);
        val(mesos::types::ResourceStatistics::set_net_tx_dropped);
        val(mesos::types::ResourceStatistics::set_net_tx_errors);
        val(mesos::types::ResourceStatistics::set_net_tx_packets);
        val(mesos::types::ResourceStatistics::set_processes);
        val(mesos::types::ResourceStatistics::set_threads);
        val(mesos::types::ResourceStatistics::set_timestamp);
        val(mesos::types::ResourceStatistics::threads);
        val(mesos::types::ResourceStatistics::timestamp);
        ty(mesos::types::ResourceUsage);
        field(mesos::types::ResourceUsage, executors);
        val(mesos::types::ResourceUsage::new);
        ty(mesos::types::SlaveID);
        val(mesos::types::SlaveID::set_value);
        val(mesos::types::SlaveID::value);
        ty(mesos::types::SlaveInfo);
        field(mesos::types::SlaveInfo, attributes);
        field(mesos::types::SlaveInfo, id);
        field(mesos::types::SlaveInfo, resources);
        val(mesos::types::SlaveInfo::checkpoint);
        val(mesos::types::SlaveInfo::hostname);
        val(mesos::types::SlaveInfo::new);
        val(mesos::types::SlaveInfo::port);
        val(mesos::types::SlaveInfo::set_checkpoint);
        val(mesos::types::SlaveInfo::set_hostname);
        val(mesos::types::SlaveInfo::set_port);
        val(mesos::types::Status::DRIVER_ABORTED);
        val(mesos::types::Status::DRIVER_NOT_STARTED);
        val(mesos::types::Status::DRIVER_RUNNING);
        val(mesos::types::Status::DRIVER_STOPPED);
        ty(mesos::types::TaskID);
        val(mesos::types::TaskID::set_value);
        val(mesos::types::TaskID::value);
        ty(mesos::types::TaskInfo);
        field(mesos::types::TaskInfo, command);
        field(mesos::types::TaskInfo, container);
        field(mesos::types::TaskInfo, discovery);
        field(mesos::types::TaskInfo, executor);
        field(mesos::types::TaskInfo, health_check);
        field(mesos::types::TaskInfo, labels);
        field(mesos::types::TaskInfo, resources);
        field(mesos::types::TaskInfo, slave_id);
        field(mesos::types::TaskInfo, task_id);
        val(mesos::types::TaskInfo::data);
        val(mesos::types::TaskInfo::name);
        val(mesos::types::TaskInfo::new);
        val(mesos::types::TaskInfo::set_data);
        val(mesos::types::TaskInfo::set_name);
        val(mesos::types::TaskInfo::with_command);
        val(mesos::types::TaskInfo::with_data as fn(mesos::types::TaskInfo, Vec<u8>) -> mesos::types::TaskInfo);
        val(mesos::types::TaskInfo::with_executor);
        ty(mesos::types::TaskState);
        val(mesos::types::TaskState::TASK_FAILED);
        val(mesos::types::TaskState::TASK_FINISHED);
        val(mesos::types::TaskState::TASK_KILLED);
        val(mesos::types::TaskState::TASK_LOST);
        val(mesos::types::TaskState::TASK_RUNNING);
        val(mesos::types::TaskState::TASK_STAGING);
        val(mesos::types::TaskState::TASK_STARTING);
        val(mesos::types::TaskState::is_terminal);
        ty(mesos::types::TaskStatus);
        field(mesos::types::TaskStatus, executor_id);
        field(mesos::types::TaskStatus, slave_id);
        field(mesos::types::TaskStatus, task_id);
        val(mesos::types::TaskStatus::data);
        val(mesos::types::TaskStatus::healthy);
        val(mesos::types::TaskStatus::is_terminal);
        val(mesos::types::TaskStatus::message);
        val(mesos::types::TaskStatus::new);
        val(mesos::types::TaskStatus::reason);
        val(mesos::types::TaskStatus::set_data);
        val(mesos::types::TaskStatus::set_healthy);
        val(mesos::types::TaskStatus::set_message);
        val(mesos::types::TaskStatus::set_reason);
        val(mesos::types::TaskStatus::set_source);
        val(mesos::types::TaskStatus::set_state);
        val(mesos::types::TaskStatus::set_timestamp);
        val(mesos::types::TaskStatus::set_uuid);
        val(mesos::types::TaskStatus::source);
        val(mesos::types::TaskStatus::state);
        val(mesos::types::TaskStatus::timestamp);
        val(mesos::types::TaskStatus::uuid);
        val(mesos::types::TaskStatus::with_agent_id);
        val(mesos::types::TaskStatus::with_data as fn(mesos::types::TaskStatus, Vec<u8>) -> mesos::types::TaskStatus);
        val(mesos::types::TaskStatus::with_executor_id);
        val(mesos::types::TaskStatus::with_healthy);
        val(mesos::types::TaskStatus::with_message as fn(mesos::types::TaskStatus, String) -> mesos::types::TaskStatus);
        val(mesos::types::TaskStatus::with_reason);
        val(mesos::types::TaskStatus::with_source);
        val(mesos::types::TaskStatus::with_timestamp);
        ty(mesos::types::TrafficControlStatistics);
        val(mesos::types::TrafficControlStatistics::backlog);
        val(mesos::types::TrafficControlStatistics::bytes);
        val(mesos::types::TrafficControlStatistics::drops);
        val(mesos::types::TrafficControlStatistics::id);
        val(mesos::types::TrafficControlStatistics::new);
        val(mesos::types::TrafficControlStatistics::overlimits);
        val(mesos::types::TrafficControlStatistics::packets);
        val(mesos::types::TrafficControlStatistics::qlen);
        val(mesos::types::TrafficControlStatistics::ratebps);
        val(mesos::types::TrafficControlStatistics::ratepps);
        val(mesos::types::TrafficControlStatistics::requeues);
        val(mesos::types::TrafficControlStatistics::set_backlog);
        val(mesos::types::TrafficControlStatistics::set_bytes);
        val(mesos::types::TrafficControlStatistics::set_drops);
        val(mesos::types::TrafficControlStatistics::set_id);
        val(mesos::types::TrafficControlStatistics::set_overlimits);
        val(mesos::types::TrafficControlStatistics::set_packets);
        val(mesos::types::TrafficControlStatistics::set_qlen);
        val(mesos::types::TrafficControlStatistics::set_ratebps);
        val(mesos::types::TrafficControlStatistics::set_ratepps);
        val(mesos::types::TrafficControlStatistics::set_requeues);
        ty(mesos::types::Value);
        field(mesos::types::Value, text);
        ty(mesos::types::Volume);
        val(mesos::types::Volume::container_path);
        val(mesos::types::Volume::host_path);
        val(mesos::types::Volume::mode);
        val(mesos::types::Volume::new);
        val(mesos::types::Volume::set_container_path);
        val(mesos::types::Volume::set_host_path);
        val(mesos::types::Volume::set_mode);
        ty(mesos::types::command_info::URI);
        val(mesos::types::command_info::URI::cache);
        val(mesos::types::command_info::URI::executable);
        val(mesos::types::command_info::URI::extract);
        val(mesos::types::command_info::URI::new);
        val(mesos::types::command_info::URI::set_cache);
        val(mesos::types::command_info::URI::set_executable);
        val(mesos::types::command_info::URI::set_extract);
        val(mesos::types::command_info::URI::set_value);
        val(mesos::types::command_info::URI::value);
        ty(mesos::types::container_info::DockerInfo);
        val(mesos::types::container_info::DockerInfo::image);
        val(mesos::types::container_info::DockerInfo::set_image);
        ty(mesos::types::container_info::Type);
        val(mesos::types::container_info::Type::DOCKER);
        val(mesos::types::container_info::Type::MESOS);
        ty(mesos::types::health_check::HTTPCheckInfo);
        field(mesos::types::health_check::HTTPCheckInfo, statuses);
        val(mesos::types::health_check::HTTPCheckInfo::path);
        val(mesos::types::health_check::HTTPCheckInfo::port);
        val(mesos::types::health_check::HTTPCheckInfo::set_path);
        val(mesos::types::health_check::HTTPCheckInfo::set_port);
        ty(mesos::types::health_check::Type);
        val(mesos::types::health_check::Type::COMMAND);
        val(mesos::types::health_check::Type::HTTP);
        ty(mesos::types::offer::Operation);
        field(mesos::types::resource::DiskInfo, persistence);
        field(mesos::types::resource::DiskInfo, volume);
        val(mesos::types::resource::ReservationInfo::principal);
        val(mesos::types::resource::ReservationInfo::set_principal);
        val(mesos::types::resource::disk_info::Persistence::id);
        val(mesos::types::resource::disk_info::Persistence::set_id);
        ty(mesos::types::resource_usage::Executor);
        field(mesos::types::resource_usage::Executor, allocated);
        field(mesos::types::resource_usage::Executor, executor_info);
        field(mesos::types::resource_usage::Executor, statistics);
        val(mesos::types::resource_usage::Executor::new);
        val(mesos::types::value::Text::set_value);
        val(mesos::types::value::Text::value);
        ty(mesos::types::value::Type);
        val(mesos::types::value::Type::RANGES);
        val(mesos::types::value::Type::SCALAR);
        val(mesos::types::value::Type::SET);
        val(mesos::types::value::Type::TEXT);
        ty(mesos::types::volume::Mode);
        val(mesos::types::volume::Mode::RO);
        val(mesos::types::volume::Mode::RW);
        ty(protobuf::EnumOrUnknown<mesos::types::container_info::Type>);
    }
}

/// The rows of the tables: (section heading, first cell, second cell).
fn rows(doc: &str) -> Vec<(String, String, String)> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut out = Vec::new();
    let mut section = String::new();
    let mut in_code = false;
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_owned();
            continue;
        }
        if !line.starts_with('|') || line.starts_with("|-") || line.starts_with("| -") {
            continue;
        }
        let next_is_rule = lines
            .get(i + 1)
            .is_some_and(|n| n.starts_with("|-") || n.starts_with("| -"));
        if next_is_rule {
            continue; // a header row
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        if cells.len() < 2 {
            continue;
        }
        out.push((
            section.clone(),
            cells[0].trim().to_owned(),
            cells[1].trim().to_owned(),
        ));
    }
    out
}

/// The `code` spans of a table cell.
fn spans(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The module a section documents: `System.Mesos.X` in a heading like "`System.Mesos.X`".
fn hs_module(section: &str) -> Option<String> {
    spans(section)
        .into_iter()
        .find(|s| s.starts_with("System.Mesos."))
}

/// Every disagreement between the tables, the referenced names and the export list.
fn problems(doc: &str, exports: &str, names: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let rows = rows(doc);

    // Rust column versus the names referenced in this file.
    let referenced: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut in_doc = BTreeSet::new();
    for (_, _, rust) in &rows {
        for span in spans(rust) {
            if span.starts_with("mesos::") || span.starts_with("protobuf::") {
                in_doc.insert(span);
            }
        }
    }
    for name in &in_doc {
        if !referenced.contains(name.as_str()) {
            problems.push(format!(
                "the table names `{name}`, which names() does not reference"
            ));
        }
    }
    for name in &referenced {
        if !in_doc.contains(*name) {
            problems.push(format!(
                "names() references `{name}`, which no table row names"
            ));
        }
    }

    // hs-mesos column versus the export list.
    let mut listed: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for line in exports.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() != 3 {
            problems.push(format!("malformed export line: {line:?}"));
            continue;
        }
        *listed
            .entry((parts[0].into(), parts[1].into(), parts[2].into()))
            .or_default() += 1;
    }
    let mut tabled = BTreeSet::new();
    for (section, hs, _) in &rows {
        let Some(module) = hs_module(section) else {
            continue;
        };
        // Cells read "`name` (kind), `name` (kind)".
        for entry in hs.split("), ") {
            let entry = entry.trim_end_matches(')');
            let Some((name, kind)) = entry.split_once("` (") else {
                problems.push(format!("cannot read the hs-mesos cell {hs:?} in {section}"));
                continue;
            };
            let name = name.trim_start_matches('`');
            let key = (module.clone(), kind.to_owned(), name.to_owned());
            if !listed.contains_key(&key) {
                problems.push(format!(
                    "{section} lists {kind} `{name}`, which is not in the export list"
                ));
            }
            tabled.insert(key);
        }
    }
    for ((module, kind, name), count) in &listed {
        if *count > 1 {
            problems.push(format!("{module} {kind} {name} is listed {count} times"));
        }
        if !tabled.contains(&(module.clone(), kind.clone(), name.clone())) {
            problems.push(format!("{module} {kind} `{name}` has no row in the table"));
        }
    }
    problems
}

fn read(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {full}: {e}"))
}

#[test]
fn porting_tables_match_the_code_and_the_export_list() {
    let doc = read("docs/porting-from-hs-mesos.md");
    let exports = read("docs/hs-mesos-exports.txt");
    let names = names();
    let found = problems(&doc, &exports, &names);
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );

    // The export list covers the five modules the table is about.
    let modules: BTreeSet<&str> = exports
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let expected = [
        "System.Mesos.Executor",
        "System.Mesos.Resources",
        "System.Mesos.Scheduler",
        "System.Mesos.TaskStatus",
        "System.Mesos.Types",
    ];
    assert_eq!(modules, expected.into_iter().collect());
    println!(
        "porting table: {} hs-mesos exports, {} Rust names",
        exports
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count(),
        names.len()
    );
}

#[test]
fn the_check_notices_missing_rows_and_unknown_names() {
    let doc = read("docs/porting-from-hs-mesos.md");
    let exports = read("docs/hs-mesos-exports.txt");
    let names = names();

    // Drop the row of hs-mesos' `killTask`; name a Rust item nothing references.
    let row = doc
        .lines()
        .find(|l| l.starts_with("| `killTask` (function)"))
        .expect("the killTask row");
    let edited = doc.replacen(&format!("{row}\n"), "", 1).replacen(
        "`mesos::SchedulerDriver::start`",
        "`mesos::SchedulerDriver::start`<br>`mesos::SchedulerDriver::launch`",
        1,
    );
    let found = problems(&edited, &exports, &names);
    assert!(
        found
            .iter()
            .any(|p| p.contains("function `killTask` has no row")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("`mesos::SchedulerDriver::launch`")),
        "{found:?}"
    );

    // An export the table does not know about.
    let more = format!("{exports}System.Mesos.Types function madeUpHelper\n");
    let found = problems(&doc, &more, &names);
    assert!(
        found
            .iter()
            .any(|p| p.contains("`madeUpHelper` has no row")),
        "{found:?}"
    );
}

/// The names hs-mesos' newest revision (its Mesos 0.23 support, merged after the 0.20.3.0
/// release) added to `System.Mesos.Types`: the export list must be at that revision, and each
/// of these names needs its row.
const ADDED_BY_THE_MESOS_0_23_REVISION: &[(&str, &str)] = &[
    ("type", "TrafficControlStatistics"),
    ("constructor", "TrafficControlStatistics"),
    ("field", "trafficControlStatisticsIDId'"),
    ("field", "trafficControlStatisticsBacklog"),
    ("field", "trafficControlStatisticsBytes"),
    ("field", "trafficControlStatisticsDrops"),
    ("field", "trafficControlStatisticsOverlimits"),
    ("field", "trafficControlStatisticsPackets"),
    ("field", "trafficControlStatisticsQlen"),
    ("field", "trafficControlStatisticsRatebps"),
    ("field", "trafficControlStatisticsRatepps"),
    ("field", "trafficControlStatisticsRequeues"),
    ("type", "ResourceUsageExecutor"),
    ("constructor", "ResourceUsageExecutor"),
    ("field", "resourceUsageExecutorExecutorInfo"),
    ("field", "resourceUsageExecutorAllocated"),
    ("field", "resourceUsageExecutorStatistics"),
    ("field", "resourceUsageExecutors"),
    ("type", "Port"),
    ("constructor", "Port"),
    ("field", "portNumber"),
    ("field", "portName"),
    ("field", "portProtocal"),
    ("type", "DiscoveryInfo"),
    ("constructor", "DiscoveryInfo"),
    ("field", "discoveryInfoVisibility"),
    ("field", "discoveryInfoName"),
    ("field", "discoveryInfoEnvironment"),
    ("field", "discoveryInfoLocation"),
    ("field", "discoveryInfoVersion"),
    ("field", "discoveryInfoPorts"),
    ("field", "discoveryInfoLabels"),
    ("field", "executorInfoDiscover"),
    ("field", "taskInfoDiscovery"),
    ("field", "taskInfoLabels"),
    ("field", "resourceStatisticsNetTrafficControlStats"),
];

#[test]
fn the_export_list_is_at_the_newest_hs_mesos_revision() {
    let doc = read("docs/porting-from-hs-mesos.md");
    let exports = read("docs/hs-mesos-exports.txt");
    let listed: BTreeSet<(String, String)> = exports
        .lines()
        .filter(|l| l.starts_with("System.Mesos.Types "))
        .filter_map(|l| {
            let mut parts = l.split_whitespace().skip(1);
            Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
        })
        .collect();
    let types_rows: Vec<String> = rows(&doc)
        .into_iter()
        .filter(|(section, _, _)| hs_module(section).as_deref() == Some("System.Mesos.Types"))
        .map(|(_, hs, _)| hs)
        .collect();
    for (kind, name) in ADDED_BY_THE_MESOS_0_23_REVISION {
        assert!(
            listed.contains(&(kind.to_string(), name.to_string())),
            "the export list lacks System.Mesos.Types {kind} {name}"
        );
        let cell = format!("`{name}` ({kind})");
        assert!(
            types_rows.iter().any(|hs| hs.contains(&cell)),
            "no System.Mesos.Types row for {cell}"
        );
    }
    // The whole module, at that revision: 316 names.
    assert_eq!(
        listed.len(),
        316,
        "System.Mesos.Types names in the export list"
    );
}
