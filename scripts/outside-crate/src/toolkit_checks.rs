//! What a framework built on the toolkit meets at startup:
//!
//! * a registration slower than the offer manager's `suppress_after` (the master is not there
//!   yet): once work is pending, offers still come and a task launched through the manager
//!   finishes;
//! * a FrameworkID file in a directory that does not exist: the store refuses it at once,
//!   naming the path, instead of losing the ID at the first registration.

use std::net::Ipv4Addr;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mesos::framework_id::{FileStore, FileStoreError};
use mesos::process::ProcessConfig;
use mesos::resources::{cpus, mem};
use mesos::toolkit::{OfferConfig, OfferManager};
use mesos::types::*;
use mesos::{ids, Scheduler, SchedulerDriver};

/// Pins libprocess (and so the local cluster's master) to a port of the loopback interface,
/// for the framework that reaches the master by address. Call it first in `main`, like
/// `LocalCluster::apply`.
pub fn pin_master_port() -> u16 {
    let port = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    ProcessConfig::new()
        .ip(Ipv4Addr::LOCALHOST)
        .port(port)
        .apply()
        .expect("libprocess settings");
    port
}

/// A FrameworkID file whose directory does not exist is refused when the store is made.
pub fn missing_framework_id_directory() -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("outside-no-such-dir-{}", std::process::id()));
    let path = dir.join("framework-id");
    match FileStore::new(&path) {
        Err(e @ FileStoreError::MissingDirectory { .. }) => {
            let text = e.to_string();
            if !text.contains(&path.display().to_string()) {
                return Err(format!("the error does not name the file: {text}"));
            }
            println!("framework ID store refused: {text}");
            Ok(())
        }
        Err(e) => Err(format!("unexpected error: {e}")),
        Ok(_) => Err(format!("a store in the missing directory {} was accepted", dir.display())),
    }
}

enum Seen {
    Registered(Instant),
    Offers(Vec<Offer>),
    Update(TaskStatus),
}

/// Forwards the events the check needs to its thread.
struct Forward(Sender<Seen>);

impl Scheduler for Forward {
    fn registered(&mut self, _: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        let _ = self.0.send(Seen::Registered(Instant::now()));
    }
    fn resource_offers(&mut self, _: &SchedulerDriver, offers: &[Offer]) {
        let _ = self.0.send(Seen::Offers(offers.to_vec()));
    }
    fn status_update(&mut self, _: &SchedulerDriver, status: &TaskStatus) {
        let _ = self.0.send(Seen::Update(status.clone()));
    }
}

/// A framework whose master is not up yet, driven by an [`OfferManager`] on a thread of its
/// own; see [`SlowRegistration::start`].
pub struct SlowRegistration {
    thread: JoinHandle<Result<String, String>>,
}

impl SlowRegistration {
    /// Starts the framework against `127.0.0.1:port` before anything listens there, and
    /// returns once its manager has ticked for longer than `suppress_after` (start the local
    /// cluster after that).
    pub fn start(port: u16) -> SlowRegistration {
        let suppress_after = Duration::from_millis(200);
        let (tx, rx) = channel();
        let mut info = FrameworkInfo::new();
        info.set_user(String::new());
        info.set_name("outside-toolkit".into());
        let driver = SchedulerDriver::new(Forward(tx), info, format!("127.0.0.1:{port}"))
            .expect("driver");
        driver.start().expect("start");
        let mut manager =
            OfferManager::new(OfferConfig::default().suppress_when_idle(true, suppress_after));
        let started = Instant::now();
        // Idle ticks before any registration.
        while started.elapsed() < suppress_after * 5 {
            manager.tick(&driver, Instant::now()).expect("tick");
            std::thread::sleep(Duration::from_millis(50));
        }
        let thread = std::thread::spawn(move || {
            let r = run(&driver, &rx, &mut manager, started);
            driver.stop(false).ok();
            r
        });
        SlowRegistration { thread }
    }

    /// Waits for the framework's outcome: a line to print, or what went wrong.
    pub fn finish(self) -> Result<String, String> {
        self.thread
            .join()
            .unwrap_or_else(|_| Err("the toolkit framework's thread panicked".into()))
    }
}

fn run(
    driver: &SchedulerDriver,
    rx: &Receiver<Seen>,
    manager: &mut OfferManager,
    started: Instant,
) -> Result<String, String> {
    let deadline = started + Duration::from_secs(120);
    let mut registered_after = None;
    let mut launched = false;
    loop {
        let now = Instant::now();
        if now > deadline {
            return Err(format!(
                "toolkit framework: no finished task within 120 s (registered after \
                 {registered_after:?}, manager {:?})",
                manager.stats()
            ));
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Seen::Registered(at)) => {
                registered_after = Some(at - started);
                manager.registered(at);
                // The work: one task.
                manager.set_pending("*", true, at);
            }
            Ok(Seen::Offers(offers)) => {
                manager.add(&offers, now);
                if !launched {
                    let offer = offers[0].clone();
                    let task = ids::command_task(
                        "outside-toolkit",
                        "outside-toolkit-1",
                        &offer,
                        vec![cpus(0.1), mem(16.0)],
                        "true",
                    );
                    manager
                        .launch(driver, [&offer.id], &[task], None)
                        .map_err(|e| e.to_string())?;
                    launched = true;
                    manager.set_pending("*", false, now);
                }
            }
            Ok(Seen::Update(status)) if status.is_terminal() => {
                if status.state() != TaskState::TASK_FINISHED {
                    return Err(format!(
                        "toolkit framework: task ended {:?}: {}",
                        status.state(),
                        status.message()
                    ));
                }
                return Ok(format!(
                    "toolkit framework: registered after {:.1} s (suppress_after 0.2 s), \
                     task {} {:?}",
                    registered_after.unwrap_or_default().as_secs_f64(),
                    status.task_id.value(),
                    status.state()
                ));
            }
            Ok(Seen::Update(_)) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err("toolkit framework: the driver went away".into())
            }
        }
        manager
            .tick(driver, Instant::now())
            .map_err(|e| e.to_string())?;
    }
}
