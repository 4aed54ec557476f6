// mesos-rs dev kit: declarations of the Mesos 1.11 scheduler driver API.
//
// Written for the dev kit from the ABI facts of libmesos 1.11.0 (exported symbols and the
// library's own debug information). Only what the public contract fixes is declared: the
// virtual functions in vtable order, the exported constructors, and the object size. The
// driver's private state is an opaque block of the size libmesos expects.
#ifndef MESOS_RS_DEVKIT_MESOS_SCHEDULER_HPP
#define MESOS_RS_DEVKIT_MESOS_SCHEDULER_HPP

#include <string>
#include <vector>

#include <mesos/mesos.hpp>
#include <mesos/scheduler/scheduler.pb.h>

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
  virtual Status reviveOffers(const std::vector<std::string>& roles) = 0;
  virtual Status suppressOffers() = 0;
  virtual Status suppressOffers(const std::vector<std::string>& roles) = 0;
  virtual Status acknowledgeStatusUpdate(const TaskStatus& status) = 0;
  virtual Status sendFrameworkMessage(const ExecutorID& executorId, const SlaveID& slaveId,
                                      const std::string& data) = 0;
  virtual Status reconcileTasks(const std::vector<TaskStatus>& statuses) = 0;
  virtual Status updateFramework(const FrameworkInfo& frameworkInfo,
                                 const std::vector<std::string>& suppressedRoles,
                                 ::mesos::scheduler::OfferConstraints&& offerConstraints) = 0;
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
  MesosSchedulerDriver(Scheduler* scheduler, const FrameworkInfo& framework,
                       const std::vector<std::string>& suppressedRoles,
                       const std::string& master, bool implicitAcknowledgements);
  MesosSchedulerDriver(Scheduler* scheduler, const FrameworkInfo& framework,
                       const std::vector<std::string>& suppressedRoles,
                       const std::string& master, bool implicitAcknowledgements,
                       const Credential& credential);

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
  virtual Status reviveOffers(const std::vector<std::string>& roles);
  virtual Status suppressOffers();
  virtual Status suppressOffers(const std::vector<std::string>& roles);
  virtual Status acknowledgeStatusUpdate(const TaskStatus& status);
  virtual Status sendFrameworkMessage(const ExecutorID& executorId, const SlaveID& slaveId,
                                      const std::string& data);
  virtual Status reconcileTasks(const std::vector<TaskStatus>& statuses);
  virtual Status updateFramework(const FrameworkInfo& frameworkInfo,
                                 const std::vector<std::string>& suppressedRoles,
                                 ::mesos::scheduler::OfferConstraints&& offerConstraints);

 private:
  MesosSchedulerDriver(const MesosSchedulerDriver&) = delete;
  MesosSchedulerDriver& operator=(const MesosSchedulerDriver&) = delete;

  // libmesos' own members; 448 bytes in all with the vtable pointer.
  alignas(8) unsigned char opaque_[440];
};

static_assert(sizeof(MesosSchedulerDriver) == 448, "libmesos 1.11 MesosSchedulerDriver size");
static_assert(alignof(MesosSchedulerDriver) == 8, "libmesos 1.11 MesosSchedulerDriver alignment");

}  // namespace mesos

#endif
