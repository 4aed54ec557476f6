//! Ownership and threading rules of the `ExecutorDriver` handle, shown through the shim's
//! executor adapter (libmesos' own callback path, no agent needed): a weak handle does not keep
//! the driver alive, `close` frees it even while the executor holds a clone, and `join` inside
//! a callback is refused instead of blocking forever.

use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use mesos::executor::{ExecutorDriver, ExecutorHarness, WeakExecutorDriver};
use mesos::ids::task_id;
use mesos::types::TaskID;
use mesos::{Error, Executor};

/// Says when it is dropped (the callback thread drops the executor with the driver).
struct Dropped(Sender<&'static str>);
impl Drop for Dropped {
    fn drop(&mut self) {
        let _ = self.0.send("executor dropped");
    }
}

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn join_inside_a_callback_is_refused() {
    struct Joins(Sender<mesos::Result<mesos::Status>>);
    impl Executor for Joins {
        fn kill_task(&mut self, driver: &ExecutorDriver, _: &TaskID) {
            let _ = self.0.send(driver.join());
            let _ = self.0.send(driver.run());
        }
    }
    let (tx, rx) = channel();
    let harness = ExecutorHarness::new(Joins(tx)).unwrap();
    harness.kill_task(&task_id("t")).unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), Err(Error::JoinInCallback));
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), Err(Error::JoinInCallback));
}

#[test]
fn an_executor_keeping_a_strong_clone_is_freed_by_close() {
    struct Keeps {
        driver: Option<ExecutorDriver>,
        _d: Dropped,
        close_on_kill: bool,
    }
    impl Executor for Keeps {
        fn launch_task(&mut self, driver: &ExecutorDriver, _: &mesos::types::TaskInfo) {
            self.driver = Some(driver.clone()); // the pitfall: a cycle through the callback thread
        }
        fn kill_task(&mut self, _: &ExecutorDriver, _: &TaskID) {
            if self.close_on_kill {
                self.driver.take().unwrap().close();
            }
        }
    }
    let mut task = mesos::types::TaskInfo::new();
    task.set_name("t".into());
    task.task_id = Some(task_id("t")).into();
    task.slave_id.mut_or_insert_default().set_value("s".into());

    // Dropping every outside handle frees nothing while the executor holds a clone...
    let (tx, rx) = channel();
    let harness = ExecutorHarness::new(Keeps {
        driver: None,
        _d: Dropped(tx),
        close_on_kill: false,
    })
    .unwrap();
    harness.launch_task(&task).unwrap();
    harness.drain();
    drop(harness);
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "kept alive by the cycle"
    );

    // ...but `close` (here from inside a callback) frees it, and later calls say so.
    let (tx, rx) = channel();
    let harness = ExecutorHarness::new(Keeps {
        driver: None,
        _d: Dropped(tx),
        close_on_kill: true,
    })
    .unwrap();
    harness.launch_task(&task).unwrap();
    harness.kill_task(&task_id("t")).unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), "executor dropped");
    assert_eq!(harness.kill_task(&task_id("t")), Err(Error::Closed));
}

#[test]
fn a_weak_handle_does_not_keep_the_driver_alive() {
    struct KeepsWeak {
        driver: WeakExecutorDriver,
        seen: Sender<bool>,
        _d: Dropped,
    }
    impl Executor for KeepsWeak {
        fn kill_task(&mut self, driver: &ExecutorDriver, _: &TaskID) {
            self.driver = driver.downgrade();
            let _ = self.seen.send(self.driver.upgrade().is_some());
        }
    }
    let (tx, rx) = channel();
    let (seen_tx, seen) = channel();
    let harness = ExecutorHarness::new(KeepsWeak {
        driver: WeakExecutorDriver::default(),
        seen: seen_tx,
        _d: Dropped(tx),
    })
    .unwrap();
    harness.kill_task(&task_id("t")).unwrap();
    assert!(
        seen.recv_timeout(WAIT).unwrap(),
        "upgrades while the driver lives"
    );
    drop(harness);
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), "executor dropped");
}
