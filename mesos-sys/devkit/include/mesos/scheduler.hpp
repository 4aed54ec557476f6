// mesos-rs dev kit: declarations of the Mesos scheduler driver API, 1.5 to 1.11.
//
// Written for the dev kit from the ABI facts of each libmesos release (exported symbols, the
// library's own debug information, and the size its Python module allocates for a driver).
// Only what the public contract fixes is declared: the virtual functions in vtable order, the
// exported constructors, and the object size. The driver's private state is an opaque block of
// the size libmesos expects. The API has three shapes, chosen by mesos/version.hpp:
//   1.5 to 1.8: no suppressed-roles constructors, no role lists for revive/suppress, no
//               updateFramework;
//   1.9, 1.10:  those, with updateFramework(FrameworkInfo, suppressed roles);
//   1.11:       updateFramework also takes the offer constraints.
#ifndef MESOS_RS_DEVKIT_MESOS_SCHEDULER_HPP
#define MESOS_RS_DEVKIT_MESOS_SCHEDULER_HPP

#include <string>
#include <vector>

#include <mesos/mesos.hpp>
#include <mesos/scheduler/scheduler.pb.h>

#define MESOS_RS_DEVKIT_AT_LEAST(minor) \
  (MESOS_MAJOR_VERSION_NUM > 1 || MESOS_MINOR_VERSION_NUM >= (minor))

// The size of a MesosSchedulerDriver: 352 bytes in 1.5 to 1.7, 424 in 1.8, 448 from 1.9 on
// (measured: what each release's Python module allocates for one).
#define MESOS_RS_DEVKIT_SCHEDULER_DRIVER_SIZE \
  (MESOS_RS_DEVKIT_AT_LEAST(9) ? 448 : MESOS_RS_DEVKIT_AT_LEAST(8) ? 424 : 352)

namespace mesos {

class SchedulerDriver;

// Callbacks a framework implements; libmesos calls them on one of its own threads.
class Scheduler {
 public:
  virtual ~Scheduler() {}
  virtual void registered(SchedulerDriver* driver, const FrameworkID& frameworkId,
                          const MasterInfo& masterInfo) = 0;
  virtual void reregistered(SchedulerDriver* driver, const MasterInfo& masterInfo) = 0;
  virtual void disconnected(SchedulerDriver* driver) = 0;
  virtual void resourceOffers(SchedulerDriver* driver, const std::vector<Offer>& offers) = 0;
  virtual void offerRescinded(SchedulerDriver* driver, const OfferID& offerId) = 0;
  virtual void statusUpdate(SchedulerDriver* driver, const TaskStatus& status) = 0;
  virtual void frameworkMessage(SchedulerDriver* driver, const ExecutorID& executorId,
                                const SlaveID& slaveId, const std::string& data) = 0;
  virtual void slaveLost(SchedulerDriver* driver, const SlaveID& slaveId) = 0;
  virtual void executorLost(SchedulerDriver* driver, const ExecutorID& executorId,
                            const SlaveID& slaveId, int status) = 0;
  virtual void error(SchedulerDriver* driver, const std::string& message) = 0;
};

// The calls a framework makes; every one answers with the driver's status.
class SchedulerDriver {
 public:
  virtual ~SchedulerDriver() {}
  virtual Status start() = 0;
  virtual Status stop(bool failover = false) = 0;
  virtual Status abort() = 0;
  virtual Status join() = 0;
  virtual Status run() = 0;
  virtual Status requestResources(const std::vector<Request>& requests) = 0;
  virtual Status launchTasks(const std::vector<OfferID>& offerIds,
                             const std::vector<TaskInfo>& tasks,
                             const Filters& filters = Filters()) = 0;
  virtual Status launchTasks(const OfferID& offerId, const std::vector<TaskInfo>& tasks,
                             const Filters& filters = Filters()) = 0;
  virtual Status killTask(const TaskID& taskId) = 0;
  virtual Status acceptOffers(const std::vector<OfferID>& offerIds,
                              const std::vector<Offer::Operation>& operations,
                              const Filters& filters = Filters()) = 0;
  virtual Status declineOffer(const OfferID& offerId, const Filters& filters = Filters()) = 0;
  virtual Status reviveOffers() = 0;
#if MESOS_RS_DEVKIT_AT_LEAST(9)
  virtual Status reviveOffers(const std::vector<std::string>& roles) = 0;
#endif
  virtual Status suppressOffers() = 0;
#if MESOS_RS_DEVKIT_AT_LEAST(9)
  virtual Status suppressOffers(const std::vector<std::string>& roles) = 0;
#endif
  virtual Status acknowledgeStatusUpdate(const TaskStatus& status) = 0;
  virtual Status sendFrameworkMessage(const ExecutorID& executorId, const SlaveID& slaveId,
                                      const std::string& data) = 0;
  virtual Status reconcileTasks(const std::vector<TaskStatus>& statuses) = 0;
#if MESOS_RS_DEVKIT_AT_LEAST(11)
  virtual Status updateFramework(const FrameworkInfo& frameworkInfo,
                                 const std::vector<std::string>& suppressedRoles,
                                 ::mesos::scheduler::OfferConstraints&& offerConstraints) = 0;
#elif MESOS_RS_DEVKIT_AT_LEAST(9)
  virtual Status updateFramework(const FrameworkInfo& frameworkInfo,
                                 const std::vector<std::string>& suppressedRoles) = 0;
#endif
};

// The driver libmesos implements.
class MesosSchedulerDriver : public SchedulerDriver {
 public:
  MesosSchedulerDriver(Scheduler* scheduler, const FrameworkInfo& framework,
                       const std::string& master);
  MesosSchedulerDriver(Scheduler* scheduler, const FrameworkInfo& framework,
                       const std::string& master, const Credential& credential);
  MesosSchedulerDriver(Scheduler* scheduler, const FrameworkInfo& framework,
                       const std::string& master, bool implicitAcknowledgements);
  MesosSchedulerDriver(Scheduler* scheduler, const FrameworkInfo& framework,
                       const std::string& master, bool implicitAcknowledgements,
                       const Credential& credential);
#if MESOS_RS_DEVKIT_AT_LEAST(9)
  MesosSchedulerDriver(Scheduler* scheduler, const FrameworkInfo& framework,
                       const std::vector<std::string>& suppressedRoles,
                       const std::string& master, bool implicitAcknowledgements);
  MesosSchedulerDriver(Scheduler* scheduler, const FrameworkInfo& framework,
                       const std::vector<std::string>& suppressedRoles,
                       const std::string& master, bool implicitAcknowledgements,
                       const Credential& credential);
#endif

  virtual ~MesosSchedulerDriver();

  virtual Status start();
  virtual Status stop(bool failover = false);
  virtual Status abort();
  virtual Status join();
  virtual Status run();
  virtual Status requestResources(const std::vector<Request>& requests);
  virtual Status launchTasks(const std::vector<OfferID>& offerIds,
                             const std::vector<TaskInfo>& tasks,
                             const Filters& filters = Filters());
  virtual Status launchTasks(const OfferID& offerId, const std::vector<TaskInfo>& tasks,
                             const Filters& filters = Filters());
  virtual Status killTask(const TaskID& taskId);
  virtual Status acceptOffers(const std::vector<OfferID>& offerIds,
                              const std::vector<Offer::Operation>& operations,
                              const Filters& filters = Filters());
  virtual Status declineOffer(const OfferID& offerId, const Filters& filters = Filters());
  virtual Status reviveOffers();
#if MESOS_RS_DEVKIT_AT_LEAST(9)
  virtual Status reviveOffers(const std::vector<std::string>& roles);
#endif
  virtual Status suppressOffers();
#if MESOS_RS_DEVKIT_AT_LEAST(9)
  virtual Status suppressOffers(const std::vector<std::string>& roles);
#endif
  virtual Status acknowledgeStatusUpdate(const TaskStatus& status);
  virtual Status sendFrameworkMessage(const ExecutorID& executorId, const SlaveID& slaveId,
                                      const std::string& data);
  virtual Status reconcileTasks(const std::vector<TaskStatus>& statuses);
#if MESOS_RS_DEVKIT_AT_LEAST(11)
  virtual Status updateFramework(const FrameworkInfo& frameworkInfo,
                                 const std::vector<std::string>& suppressedRoles,
                                 ::mesos::scheduler::OfferConstraints&& offerConstraints);
#elif MESOS_RS_DEVKIT_AT_LEAST(9)
  virtual Status updateFramework(const FrameworkInfo& frameworkInfo,
                                 const std::vector<std::string>& suppressedRoles);
#endif

 private:
  MesosSchedulerDriver(const MesosSchedulerDriver&) = delete;
  MesosSchedulerDriver& operator=(const MesosSchedulerDriver&) = delete;

  // libmesos' own members, after the vtable pointer.
  alignas(8) unsigned char opaque_[MESOS_RS_DEVKIT_SCHEDULER_DRIVER_SIZE - sizeof(void*)];
};

static_assert(sizeof(MesosSchedulerDriver) == MESOS_RS_DEVKIT_SCHEDULER_DRIVER_SIZE,
              "libmesos MesosSchedulerDriver size");
static_assert(alignof(MesosSchedulerDriver) == 8, "libmesos MesosSchedulerDriver alignment");

}  // namespace mesos

#endif
