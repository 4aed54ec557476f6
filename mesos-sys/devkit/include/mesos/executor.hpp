// mesos-rs dev kit: declarations of the Mesos executor driver API (the same in 1.5 to 1.11).
//
// Declared like scheduler.hpp: virtual functions in vtable order, exported constructors and the
// object size, private state opaque. Note that the libmesos of the dev kit does not contain
// MesosExecutorDriver at all; these declarations let code that uses it compile, and the
// mesos-rs shim resolves the driver at run time (see docs/devkit.md).
#ifndef MESOS_RS_DEVKIT_MESOS_EXECUTOR_HPP
#define MESOS_RS_DEVKIT_MESOS_EXECUTOR_HPP

#include <map>
#include <string>

#include <mesos/mesos.hpp>

namespace mesos {

class ExecutorDriver;

// Callbacks an executor implements; libmesos calls them on one of its own threads.
class Executor {
 public:
  virtual ~Executor() {}
  virtual void registered(ExecutorDriver* driver, const ExecutorInfo& executorInfo,
                          const FrameworkInfo& frameworkInfo, const SlaveInfo& slaveInfo) = 0;
  virtual void reregistered(ExecutorDriver* driver, const SlaveInfo& slaveInfo) = 0;
  virtual void disconnected(ExecutorDriver* driver) = 0;
  virtual void launchTask(ExecutorDriver* driver, const TaskInfo& task) = 0;
  virtual void killTask(ExecutorDriver* driver, const TaskID& taskId) = 0;
  virtual void frameworkMessage(ExecutorDriver* driver, const std::string& data) = 0;
  virtual void shutdown(ExecutorDriver* driver) = 0;
  virtual void error(ExecutorDriver* driver, const std::string& message) = 0;
};

// The calls an executor makes; every one answers with the driver's status.
class ExecutorDriver {
 public:
  virtual ~ExecutorDriver() {}
  virtual Status start() = 0;
  virtual Status stop() = 0;
  virtual Status abort() = 0;
  virtual Status join() = 0;
  virtual Status run() = 0;
  virtual Status sendStatusUpdate(const TaskStatus& status) = 0;
  virtual Status sendFrameworkMessage(const std::string& data) = 0;
};

// The driver a real libmesos implements (absent from the dev kit's libmesos).
class MesosExecutorDriver : public ExecutorDriver {
 public:
  explicit MesosExecutorDriver(Executor* executor);
  MesosExecutorDriver(Executor* executor, const std::map<std::string, std::string>& environment);

  virtual ~MesosExecutorDriver();

  virtual Status start();
  virtual Status stop();
  virtual Status abort();
  virtual Status join();
  virtual Status run();
  virtual Status sendStatusUpdate(const TaskStatus& status);
  virtual Status sendFrameworkMessage(const std::string& data);

 private:
  MesosExecutorDriver(const MesosExecutorDriver&) = delete;
  MesosExecutorDriver& operator=(const MesosExecutorDriver&) = delete;

  // libmesos' own members; 128 bytes in all with the vtable pointer.
  alignas(8) unsigned char opaque_[120];
};

// 128 bytes is 1.11's size; no kit's libmesos has the class, so older ones never use it.
static_assert(sizeof(MesosExecutorDriver) == 128, "libmesos 1.11 MesosExecutorDriver size");
static_assert(alignof(MesosExecutorDriver) == 8, "libmesos 1.11 MesosExecutorDriver alignment");

}  // namespace mesos

#endif
