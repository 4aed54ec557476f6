//! Liveness checks and slow callbacks: a master that answers every probe at once is heard,
//! however long the scheduler's callbacks take (the answer counts when libmesos delivers it,
//! not when the callback thread gets to it).

mod support;

use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use mesos::liveness::Liveness;
use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};
use support::*;

/// Forwards events like the support probe, but takes `slow` in every `resource_offers` (and
/// declines the offers so that more come).
struct Slow {
    tx: Sender<SchedulerEvent>,
    slow: Duration,
}

impl Scheduler for Slow {
    fn registered(&mut self, _: &SchedulerDriver, id: &FrameworkID, master: &MasterInfo) {
        let _ = self.tx.send(SchedulerEvent::Registered {
            framework_id: id.clone(),
            master_info: master.clone(),
        });
    }
    fn reregistered(&mut self, _: &SchedulerDriver, master: &MasterInfo) {
        let _ = self.tx.send(SchedulerEvent::Reregistered {
            master_info: master.clone(),
        });
    }
    fn disconnected(&mut self, _: &SchedulerDriver) {
        let _ = self.tx.send(SchedulerEvent::Disconnected);
    }
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        let _ = self.tx.send(SchedulerEvent::ResourceOffers {
            offers: offers.to_vec(),
        });
        std::thread::sleep(self.slow);
        decline_all(driver, offers, 0.0);
    }
}

#[test]
fn slow_callbacks_against_a_healthy_master_are_not_a_disconnection() {
    let _work = local_cluster("cpus:1;mem:128", &[("MESOS_ALLOCATION_INTERVAL", "100ms")]);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut events = Events::from_receiver(rx);
    let driver = SchedulerDriver::builder(framework("slow-callbacks"), "local")
        // The callbacks (3 s) outlast the silence (2 s); eight probes per silence, so that
        // a loaded machine's late answer is no silence.
        .liveness(Liveness::new(Duration::from_millis(250), Duration::from_secs(2)).unwrap())
        .build(Slow {
            tx,
            slow: Duration::from_secs(3),
        })
        .unwrap();
    driver.start().unwrap();
    registered(&mut events);
    let t0 = Instant::now();
    // Several 3 s callbacks in a row: the callback thread is busy nearly all the time.
    let mut offers = 0;
    let mut wrong = Vec::new();
    while t0.elapsed() < Duration::from_secs(12) {
        for e in events.during(Duration::from_millis(500), |e| Some(e.clone())) {
            match e {
                SchedulerEvent::ResourceOffers { .. } => offers += 1,
                SchedulerEvent::Disconnected | SchedulerEvent::Reregistered { .. } => {
                    wrong.push((t0.elapsed(), e))
                }
                _ => {}
            }
        }
    }
    eprintln!("{offers} slow offer callbacks in {:?}", t0.elapsed());
    assert!(offers >= 3, "the callbacks were slow: {offers} offers");
    assert!(
        wrong.is_empty(),
        "a healthy master reported as gone: {wrong:?}"
    );
    driver.stop(false).unwrap();
}
