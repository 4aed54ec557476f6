// The executor side of the shim: a mesos::Executor that forwards every callback to a C
// function table, C entry points for every ExecutorDriver method, and a test entry that
// drives the forwarding executor on its own.
//
// libmesos builds that lack MesosExecutorDriver (such as the dev kit's) must still link
// programs that contain this file. So the two constructors are not called by name: they are
// weak references (asm labels carrying their Itanium-ABI names) that resolve to null when the
// linked libmesos does not define them. Everything else goes through the ExecutorDriver
// vtable, which needs no symbol at all.
#include <map>
#include <memory>
#include <new>
#include <string>

#include <mesos/executor.hpp>

#include "shim.hpp"

using mesos_rs::deliver;
using mesos_rs::guarded;
using mesos_rs::parse;
using mesos_rs::view;

// mesos::MesosExecutorDriver::MesosExecutorDriver(mesos::Executor*)
extern "C" void mesos_rs_executor_driver_ctor(void* self, mesos::Executor* executor) __asm__(
    "_ZN5mesos19MesosExecutorDriverC1EPNS_8ExecutorE") __attribute__((weak));

// mesos::MesosExecutorDriver::MesosExecutorDriver(mesos::Executor*,
//     std::map<std::string, std::string> const&)
extern "C" void mesos_rs_executor_driver_ctor_env(
    void* self, mesos::Executor* executor,
    const std::map<std::string, std::string>& environment) __asm__(
    "_ZN5mesos19MesosExecutorDriverC1EPNS_8ExecutorERKSt3mapINSt7__cxx1112basic_stringIcSt11ch"
    "ar_traitsIcESaIcEEES9_St4lessIS9_ESaISt4pairIKS9_S9_EEE") __attribute__((weak));

namespace {

class ForwardingExecutor : public mesos::Executor {
 public:
  ForwardingExecutor(const mesos_executor_callbacks& callbacks, void* ctx)
      : cb_(callbacks), ctx_(ctx) {}

  void registered(mesos::ExecutorDriver*, const mesos::ExecutorInfo& executorInfo,
                  const mesos::FrameworkInfo& frameworkInfo,
                  const mesos::SlaveInfo& slaveInfo) override {
    if (cb_.registered == nullptr) return;
    deliver("registered", [&] {
      std::string executor = executorInfo.SerializePartialAsString();
      std::string framework = frameworkInfo.SerializePartialAsString();
      std::string slave = slaveInfo.SerializePartialAsString();
      cb_.registered(ctx_, view(executor), view(framework), view(slave));
    });
  }

  void reregistered(mesos::ExecutorDriver*, const mesos::SlaveInfo& slaveInfo) override {
    if (cb_.reregistered == nullptr) return;
    deliver("reregistered", [&] {
      std::string slave = slaveInfo.SerializePartialAsString();
      cb_.reregistered(ctx_, view(slave));
    });
  }

  void disconnected(mesos::ExecutorDriver*) override {
    if (cb_.disconnected == nullptr) return;
    deliver("disconnected", [&] { cb_.disconnected(ctx_); });
  }

  void launchTask(mesos::ExecutorDriver*, const mesos::TaskInfo& task) override {
    if (cb_.launch_task == nullptr) return;
    deliver("launchTask", [&] {
      std::string bytes = task.SerializePartialAsString();
      cb_.launch_task(ctx_, view(bytes));
    });
  }

  void killTask(mesos::ExecutorDriver*, const mesos::TaskID& taskId) override {
    if (cb_.kill_task == nullptr) return;
    deliver("killTask", [&] {
      std::string bytes = taskId.SerializePartialAsString();
      cb_.kill_task(ctx_, view(bytes));
    });
  }

  void frameworkMessage(mesos::ExecutorDriver*, const std::string& data) override {
    if (cb_.framework_message == nullptr) return;
    deliver("frameworkMessage", [&] { cb_.framework_message(ctx_, view(data)); });
  }

  void shutdown(mesos::ExecutorDriver*) override {
    if (cb_.shutdown == nullptr) return;
    deliver("shutdown", [&] { cb_.shutdown(ctx_); });
  }

  void error(mesos::ExecutorDriver*, const std::string& message) override {
    if (cb_.error == nullptr) return;
    deliver("error", [&] { cb_.error(ctx_, view(message)); });
  }

 private:
  mesos_executor_callbacks cb_;
  void* ctx_;
};

int32_t null_argument(mesos_shim_error* err, const char* what) {
  return mesos_rs::fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, 0, -1, "", what);
}

}  // namespace

struct mesos_executor_driver {
  std::unique_ptr<ForwardingExecutor> executor;
  // Storage for libmesos' MesosExecutorDriver, constructed in place through the weak
  // constructor references above; `driver` points into it once constructed.
  alignas(mesos::MesosExecutorDriver) unsigned char storage[sizeof(mesos::MesosExecutorDriver)];
  mesos::ExecutorDriver* driver = nullptr;
};

struct mesos_executor_adapter {
  std::unique_ptr<ForwardingExecutor> executor;
};

extern "C" {

int32_t mesos_shim_has_executor_driver(void) {
  return mesos_rs_executor_driver_ctor != nullptr && mesos_rs_executor_driver_ctor_env != nullptr;
}

mesos_executor_driver* mesos_executor_driver_new(const mesos_executor_callbacks* callbacks,
                                                 void* ctx, int32_t has_environment,
                                                 const mesos_bytes* keys,
                                                 const mesos_bytes* values, size_t count,
                                                 mesos_shim_error* err) {
  mesos_executor_driver* result = nullptr;
  guarded(err, [&]() -> int32_t {
    if (callbacks == nullptr) return null_argument(err, "callbacks must not be NULL");
    if (!mesos_shim_has_executor_driver()) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_UNSUPPORTED, -1, -1, "",
                            "this libmesos does not contain mesos::MesosExecutorDriver "
                            "(the dev kit's libmesos is a scheduler-only build)");
    }
    std::map<std::string, std::string> environment;
    if (has_environment) {
      std::vector<std::string> k, v;
      MESOS_RS_TRY(mesos_rs::strings(keys, count, &k, err, 3));
      MESOS_RS_TRY(mesos_rs::strings(values, count, &v, err, 4));
      for (size_t i = 0; i < count; ++i) environment[k[i]] = v[i];
    }
    std::unique_ptr<mesos_executor_driver> d(new mesos_executor_driver);
    d->executor.reset(new ForwardingExecutor(*callbacks, ctx));
    if (has_environment) {
      mesos_rs_executor_driver_ctor_env(d->storage, d->executor.get(), environment);
    } else {
      mesos_rs_executor_driver_ctor(d->storage, d->executor.get());
    }
    d->driver = static_cast<mesos::ExecutorDriver*>(
        reinterpret_cast<mesos::MesosExecutorDriver*>(d->storage));
    result = d.release();
    return 0;
  });
  return result;
}

void mesos_executor_driver_free(mesos_executor_driver* d) {
  if (d == nullptr) return;
  try {
    // The virtual destructor stops the driver and waits for its process; after it no
    // callback reaches the forwarding executor.
    if (d->driver != nullptr) d->driver->~ExecutorDriver();
    d->driver = nullptr;
    d->executor.reset();
    delete d;
  } catch (...) {
    std::fprintf(stderr, "mesos-rs shim: exception while freeing an executor driver\n");
  }
}

#define MESOS_RS_EXECUTOR_CALL(d, err, body)                                        \
  guarded(err, [&]() -> int32_t {                                                   \
    if ((d) == nullptr || (d)->driver == nullptr) return null_argument(err, "driver is NULL"); \
    body                                                                            \
  })

int32_t mesos_executor_driver_start(mesos_executor_driver* d, mesos_shim_error* err) {
  return MESOS_RS_EXECUTOR_CALL(d, err, { return d->driver->start(); });
}

int32_t mesos_executor_driver_stop(mesos_executor_driver* d, mesos_shim_error* err) {
  return MESOS_RS_EXECUTOR_CALL(d, err, { return d->driver->stop(); });
}

int32_t mesos_executor_driver_abort(mesos_executor_driver* d, mesos_shim_error* err) {
  return MESOS_RS_EXECUTOR_CALL(d, err, { return d->driver->abort(); });
}

int32_t mesos_executor_driver_join(mesos_executor_driver* d, mesos_shim_error* err) {
  return MESOS_RS_EXECUTOR_CALL(d, err, { return d->driver->join(); });
}

int32_t mesos_executor_driver_run(mesos_executor_driver* d, mesos_shim_error* err) {
  return MESOS_RS_EXECUTOR_CALL(d, err, { return d->driver->run(); });
}

int32_t mesos_executor_driver_send_status_update(mesos_executor_driver* d,
                                                 mesos_bytes task_status,
                                                 mesos_shim_error* err) {
  return MESOS_RS_EXECUTOR_CALL(d, err, {
    mesos::TaskStatus status;
    MESOS_RS_TRY(parse(task_status, &status, err, 1));
    return d->driver->sendStatusUpdate(status);
  });
}

int32_t mesos_executor_driver_send_framework_message(mesos_executor_driver* d,
                                                     mesos_bytes data, mesos_shim_error* err) {
  return MESOS_RS_EXECUTOR_CALL(d, err, {
    if (data.data == nullptr && data.len != 0) return null_argument(err, "data is NULL");
    return d->driver->sendFrameworkMessage(mesos_rs::to_string(data));
  });
}

// ---- test support: the forwarding executor without a driver ----

mesos_executor_adapter* mesos_executor_adapter_new(const mesos_executor_callbacks* callbacks,
                                                   void* ctx) {
  if (callbacks == nullptr) return nullptr;
  try {
    std::unique_ptr<mesos_executor_adapter> a(new mesos_executor_adapter);
    a->executor.reset(new ForwardingExecutor(*callbacks, ctx));
    return a.release();
  } catch (...) {
    return nullptr;
  }
}

void mesos_executor_adapter_free(mesos_executor_adapter* a) { delete a; }

#define MESOS_RS_ADAPTER_CALL(a, err, body)                                         \
  guarded(err, [&]() -> int32_t {                                                   \
    if ((a) == nullptr) return null_argument(err, "adapter is NULL");               \
    mesos::Executor* executor = (a)->executor.get();                                \
    body                                                                            \
    return 0;                                                                       \
  })

int32_t mesos_executor_adapter_registered(mesos_executor_adapter* a, mesos_bytes executor_info,
                                          mesos_bytes framework_info, mesos_bytes slave_info,
                                          mesos_shim_error* err) {
  return MESOS_RS_ADAPTER_CALL(a, err, {
    mesos::ExecutorInfo e;
    mesos::FrameworkInfo f;
    mesos::SlaveInfo s;
    MESOS_RS_TRY(parse(executor_info, &e, err, 1));
    MESOS_RS_TRY(parse(framework_info, &f, err, 2));
    MESOS_RS_TRY(parse(slave_info, &s, err, 3));
    executor->registered(nullptr, e, f, s);
  });
}

int32_t mesos_executor_adapter_reregistered(mesos_executor_adapter* a, mesos_bytes slave_info,
                                            mesos_shim_error* err) {
  return MESOS_RS_ADAPTER_CALL(a, err, {
    mesos::SlaveInfo s;
    MESOS_RS_TRY(parse(slave_info, &s, err, 1));
    executor->reregistered(nullptr, s);
  });
}

int32_t mesos_executor_adapter_disconnected(mesos_executor_adapter* a, mesos_shim_error* err) {
  return MESOS_RS_ADAPTER_CALL(a, err, { executor->disconnected(nullptr); });
}

int32_t mesos_executor_adapter_launch_task(mesos_executor_adapter* a, mesos_bytes task_info,
                                           mesos_shim_error* err) {
  return MESOS_RS_ADAPTER_CALL(a, err, {
    mesos::TaskInfo t;
    MESOS_RS_TRY(parse(task_info, &t, err, 1));
    executor->launchTask(nullptr, t);
  });
}

int32_t mesos_executor_adapter_kill_task(mesos_executor_adapter* a, mesos_bytes task_id,
                                         mesos_shim_error* err) {
  return MESOS_RS_ADAPTER_CALL(a, err, {
    mesos::TaskID t;
    MESOS_RS_TRY(parse(task_id, &t, err, 1));
    executor->killTask(nullptr, t);
  });
}

int32_t mesos_executor_adapter_framework_message(mesos_executor_adapter* a, mesos_bytes data,
                                                 mesos_shim_error* err) {
  return MESOS_RS_ADAPTER_CALL(a, err, {
    executor->frameworkMessage(nullptr, mesos_rs::to_string(data));
  });
}

int32_t mesos_executor_adapter_shutdown(mesos_executor_adapter* a, mesos_shim_error* err) {
  return MESOS_RS_ADAPTER_CALL(a, err, { executor->shutdown(nullptr); });
}

int32_t mesos_executor_adapter_error(mesos_executor_adapter* a, mesos_bytes message,
                                     mesos_shim_error* err) {
  return MESOS_RS_ADAPTER_CALL(a, err, { executor->error(nullptr, mesos_rs::to_string(message)); });
}

}  // extern "C"
