// The executor side of the shim: a mesos::Executor that forwards every callback to a C
// function table, C entry points for every ExecutorDriver method, and a test entry that
// drives the forwarding executor on its own.
//
// libmesos builds that lack MesosExecutorDriver (such as the dev kit's) must still link
// programs that contain this file. So the two constructors are not called by name: they are
// weak references (asm labels carrying their Itanium-ABI names) that resolve to null when the
// linked libmesos does not define them. Everything else goes through the ExecutorDriver
// vtable, which needs no symbol at all.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <mesos/executor.hpp>

#include "shim.hpp"

using mesos_rs::guarded;
using mesos_rs::parse;
using mesos_rs::serialized;
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

class ForwardingExecutor : public mesos::Executor,
                           public mesos_rs::Forwarder<mesos_executor_callbacks> {
 public:
  ForwardingExecutor(const mesos_executor_callbacks& callbacks, void* ctx)
      : Forwarder(callbacks, ctx) {}

  void registered(mesos::ExecutorDriver*, const mesos::ExecutorInfo& executorInfo,
                  const mesos::FrameworkInfo& frameworkInfo,
                  const mesos::SlaveInfo& slaveInfo) override {
    forward(cb_.registered, "registered", [&] {
      cb_.registered(ctx_, view(serialized(executorInfo)), view(serialized(frameworkInfo)),
                     view(serialized(slaveInfo)));
    });
  }

  void reregistered(mesos::ExecutorDriver*, const mesos::SlaveInfo& slaveInfo) override {
    forward(cb_.reregistered, "reregistered",
            [&] { cb_.reregistered(ctx_, view(serialized(slaveInfo))); });
  }

  void disconnected(mesos::ExecutorDriver*) override {
    forward(cb_.disconnected, "disconnected", [&] { cb_.disconnected(ctx_); });
  }

  void launchTask(mesos::ExecutorDriver*, const mesos::TaskInfo& task) override {
    forward(cb_.launch_task, "launchTask", [&] { cb_.launch_task(ctx_, view(serialized(task))); });
  }

  void killTask(mesos::ExecutorDriver*, const mesos::TaskID& taskId) override {
    forward(cb_.kill_task, "killTask", [&] { cb_.kill_task(ctx_, view(serialized(taskId))); });
  }

  void frameworkMessage(mesos::ExecutorDriver*, const std::string& data) override {
    forward(cb_.framework_message, "frameworkMessage",
            [&] { cb_.framework_message(ctx_, view(data)); });
  }

  void shutdown(mesos::ExecutorDriver*) override {
    forward(cb_.shutdown, "shutdown", [&] { cb_.shutdown(ctx_); });
  }

  void error(mesos::ExecutorDriver*, const std::string& message) override {
    forward_error(message);
  }
};

int32_t null_argument(mesos_shim_error* err, const char* what) {
  return mesos_rs::fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, 0, -1, "", what);
}

using Environment = std::map<std::string, std::string>;

// The process environment as it is now (what libmesos' one-argument constructor reads).
Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const char* eq = std::strchr(*entry, '=');
    if (eq == nullptr) continue;
    env.emplace(std::string(*entry, static_cast<size_t>(eq - *entry)), std::string(eq + 1));
  }
  return env;
}

// Whether `text` is a number followed by one of stout's duration units ("5secs", "1.5mins").
bool is_duration(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  std::strtod(begin, &end);
  if (end == begin) return false;
  static const char* const units[] = {"ns", "us", "ms", "secs", "mins", "hrs", "days", "weeks"};
  for (const char* unit : units) {
    if (std::strcmp(end, unit) == 0) return true;
  }
  return false;
}

// Whether `pid` reads as libprocess' `id@host:port` with a host that resolves, as libmesos'
// start() requires of MESOS_SLAVE_PID (it fails a CHECK otherwise).
bool is_upid(const std::string& pid) {
  size_t at = pid.find('@');
  size_t colon = pid.rfind(':');
  if (at == std::string::npos || at == 0 || colon == std::string::npos || colon < at + 2 ||
      colon + 1 == pid.size()) {
    return false;
  }
  std::string port = pid.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return false;
  }
  std::string host = pid.substr(at + 1, colon - at - 1);
  addrinfo hints;
  std::memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return false;
  freeaddrinfo(found);
  return true;
}

// Checks the environment libmesos' start() reads, which ends the process (or fails a CHECK)
// when something is missing or unreadable. Returns 0 or records what is wrong.
int32_t check_environment(const Environment& env, mesos_shim_error* err) {
  auto get = [&](const char* key) -> const std::string* {
    auto it = env.find(key);
    return it == env.end() ? nullptr : &it->second;
  };
  static const char* const required[] = {"MESOS_SLAVE_PID", "MESOS_SLAVE_ID",
                                          "MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID",
                                          "MESOS_DIRECTORY"};
  for (const char* key : required) {
    if (get(key) == nullptr) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_INVALID_ARGUMENT, -1, -1, "",
                            std::string("the executor's environment has no ") + key +
                                " (a Mesos agent sets it when it launches an executor)");
    }
  }
  const std::string* pid = get("MESOS_SLAVE_PID");
  if (!is_upid(*pid)) {
    return mesos_rs::fail(err, MESOS_SHIM_ERR_INVALID_ARGUMENT, -1, -1, "",
                          "MESOS_SLAVE_PID '" + *pid + "' is not an agent address (id@host:port)");
  }
  std::vector<const char*> durations = {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"};
  const std::string* checkpoint = get("MESOS_CHECKPOINT");
  if (checkpoint != nullptr && *checkpoint == "1") durations.push_back("MESOS_RECOVERY_TIMEOUT");
  for (const char* key : durations) {
    const std::string* value = get(key);
    if (value != nullptr && !is_duration(*value)) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_INVALID_ARGUMENT, -1, -1, "",
                            std::string(key) + " '" + *value +
                                "' is not a duration (a number and ns, us, ms, secs, mins, hrs, "
                                "days or weeks)");
    }
  }
  return 0;
}

// Ends the process with a message, where libmesos would crash.
[[noreturn]] void standin_crash(const char* what) {
  std::fprintf(stderr, "mesos-rs shim: executor driver stand-in: libmesos would crash here: %s\n",
               what);
  std::abort();
}

// The test stand-in for libmesos 1.11's MesosExecutorDriver (see mesos_c.h): its state
// machine and the places where libmesos crashes, nothing else.
class StandinExecutorDriver : public mesos::ExecutorDriver {
 public:
  StandinExecutorDriver(mesos::Executor* executor, Environment environment,
                        const char* constructor_error)
      : executor_(executor), environment_(std::move(environment)) {
    if (constructor_error != nullptr) {
      status_ = mesos::DRIVER_ABORTED;
      executor_->error(this, constructor_error);
    }
  }

  ~StandinExecutorDriver() override {
    if (!process_) standin_crash("~MesosExecutorDriver terminates a process start() never made");
  }

  mesos::Status start() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (status_ != mesos::DRIVER_NOT_STARTED) return status_;
    static const char* const required[] = {"MESOS_SLAVE_PID", "MESOS_SLAVE_ID",
                                            "MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID",
                                            "MESOS_DIRECTORY"};
    for (const char* key : required) {
      if (environment_.count(key) == 0) {
        std::fprintf(stderr, "mesos-rs shim: executor driver stand-in: libmesos exits: no %s\n",
                     key);
        std::_Exit(70);
      }
    }
    process_ = true;
    return status_ = mesos::DRIVER_RUNNING;
  }

  mesos::Status stop() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (status_ != mesos::DRIVER_RUNNING && status_ != mesos::DRIVER_ABORTED) return status_;
    if (!process_) standin_crash("stop() CHECKs for a process start() never made");
    bool aborted = status_ == mesos::DRIVER_ABORTED;
    status_ = mesos::DRIVER_STOPPED;
    ended_.notify_all();
    return aborted ? mesos::DRIVER_ABORTED : status_;
  }

  mesos::Status abort() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (status_ != mesos::DRIVER_RUNNING) return status_;
    status_ = mesos::DRIVER_ABORTED;
    ended_.notify_all();
    return status_;
  }

  mesos::Status join() override {
    std::unique_lock<std::mutex> lock(mutex_);
    if (status_ != mesos::DRIVER_RUNNING) return status_;
    ended_.wait(lock, [this] { return status_ != mesos::DRIVER_RUNNING; });
    return status_;
  }

  mesos::Status run() override {
    mesos::Status status = start();
    return status != mesos::DRIVER_RUNNING ? status : join();
  }

  mesos::Status sendStatusUpdate(const mesos::TaskStatus&) override { return current(); }
  mesos::Status sendFrameworkMessage(const std::string&) override { return current(); }

 private:
  mesos::Status current() {
    std::lock_guard<std::mutex> lock(mutex_);
    return status_;
  }

  mesos::Executor* executor_;
  Environment environment_;
  std::mutex mutex_;
  std::condition_variable ended_;
  mesos::Status status_ = mesos::DRIVER_NOT_STARTED;
  bool process_ = false;
};

// libmesos' destructor of a MesosExecutorDriver that never ran dereferences a null process.
// Such drivers are kept here instead, for the life of the process.
void park(void* storage) noexcept {
  static std::mutex lock;
  static std::vector<void*>* parked = new std::vector<void*>();
  try {
    std::lock_guard<std::mutex> guard(lock);
    parked->push_back(storage);
  } catch (...) {
    // Out of memory: the driver stays allocated all the same, only unrecorded.
  }
}

}  // namespace

struct mesos_executor_driver {
  std::unique_ptr<ForwardingExecutor> executor;
  // libmesos' MesosExecutorDriver, constructed in place in `storage` through the weak
  // constructor references above; or the test stand-in, allocated with new.
  mesos::ExecutorDriver* driver = nullptr;
  void* storage = nullptr;
  bool standin = false;
  // The environment start() will read, to check it first.
  Environment environment;
  // Serialises start/stop/abort with the bookkeeping below.
  std::mutex lock;
  // start() returned DRIVER_RUNNING: libmesos made the process its destructor and stop() use.
  bool ran = false;
  // The status libmesos returned last from start/stop/abort, or DRIVER_ABORTED when its
  // constructor reported an error.
  int32_t last = mesos::DRIVER_NOT_STARTED;
};

struct mesos_executor_adapter {
  std::unique_ptr<ForwardingExecutor> executor;
};

namespace {

// What both constructors share: arguments, the forwarding executor, the bookkeeping.
// `make(d, with_environment)` constructs libmesos' driver (or the stand-in) for `d`.
template <typename Make>
mesos_executor_driver* new_driver(const mesos_executor_callbacks* callbacks, void* ctx,
                                  int32_t has_environment, const mesos_bytes* keys,
                                  const mesos_bytes* values, size_t count,
                                  mesos_shim_error* err, Make make) noexcept {
  mesos_executor_driver* result = nullptr;
  guarded(err, [&]() -> int32_t {
    if (callbacks == nullptr) return null_argument(err, "callbacks must not be NULL");
    std::unique_ptr<mesos_executor_driver> d(new mesos_executor_driver);
    if (has_environment) {
      std::vector<std::string> k, v;
      MESOS_RS_TRY(mesos_rs::strings(keys, count, &k, err, 3));
      MESOS_RS_TRY(mesos_rs::strings(values, count, &v, err, 4));
      for (size_t i = 0; i < count; ++i) d->environment[k[i]] = v[i];
    } else {
      d->environment = process_environment();
    }
    // libmesos' constructor reports a bad MESOS_* variable through `error`, synchronously.
    d->executor.reset(new ForwardingExecutor(*callbacks, ctx));
    d->executor->count_errors(true);
    MESOS_RS_TRY(make(d.get(), has_environment != 0));
    if (d->executor->count_errors(false) > 0) d->last = mesos::DRIVER_ABORTED;
    result = d.release();
    return 0;
  });
  return result;
}

int32_t start_checked(mesos_executor_driver* d, mesos_shim_error* err) {
  std::lock_guard<std::mutex> lock(d->lock);
  // A driver libmesos already aborted (or stopped) answers with its status, as libmesos would.
  if (d->last == mesos::DRIVER_NOT_STARTED) {
    MESOS_RS_TRY(check_environment(d->environment, err));
  }
  int32_t status = d->driver->start();
  if (status == mesos::DRIVER_RUNNING) d->ran = true;
  d->last = status;
  return status;
}

}  // namespace

extern "C" {

int32_t mesos_shim_has_executor_driver(void) noexcept {
  return mesos_rs_executor_driver_ctor != nullptr && mesos_rs_executor_driver_ctor_env != nullptr;
}

mesos_executor_driver* mesos_executor_driver_new(const mesos_executor_callbacks* callbacks,
                                                 void* ctx, int32_t has_environment,
                                                 const mesos_bytes* keys,
                                                 const mesos_bytes* values, size_t count,
                                                 mesos_shim_error* err) noexcept {
  if (!mesos_shim_has_executor_driver()) {
    mesos_rs::fail(err, MESOS_SHIM_ERR_UNSUPPORTED, -1, -1, "",
                   "this libmesos does not contain mesos::MesosExecutorDriver "
                   "(the dev kit's libmesos is a scheduler-only build)");
    return nullptr;
  }
  mesos_rs::logging_before_driver();
  mesos_executor_driver* made =
      new_driver(callbacks, ctx, has_environment, keys, values, count, err,
                    [](mesos_executor_driver* d, bool with_environment) -> int32_t {
                      d->storage = ::operator new(sizeof(mesos::MesosExecutorDriver));
                      mesos::Executor* e = d->executor.get();
                      try {
                        if (with_environment) {
                          mesos_rs_executor_driver_ctor_env(d->storage, e, d->environment);
                        } else {
                          mesos_rs_executor_driver_ctor(d->storage, e);
                        }
                      } catch (...) {
                        ::operator delete(d->storage);
                        d->storage = nullptr;
                        throw;
                      }
                      d->driver = static_cast<mesos::ExecutorDriver*>(
                          reinterpret_cast<mesos::MesosExecutorDriver*>(d->storage));
                      return 0;
                    });
  mesos_rs::logging_after_driver();
  return made;
}

mesos_executor_driver* mesos_executor_driver_new_standin(
    const mesos_executor_callbacks* callbacks, void* ctx, int32_t has_environment,
    const mesos_bytes* keys, const mesos_bytes* values, size_t count,
    const char* constructor_error, mesos_shim_error* err) noexcept {
  return new_driver(callbacks, ctx, has_environment, keys, values, count, err,
                    [&](mesos_executor_driver* d, bool) -> int32_t {
                      d->standin = true;
                      d->driver = new StandinExecutorDriver(d->executor.get(), d->environment,
                                                            constructor_error);
                      return 0;
                    });
}

void mesos_executor_driver_free(mesos_executor_driver* d) noexcept {
  if (d == nullptr) return;
  try {
    if (d->driver != nullptr && d->ran) {
      // The virtual destructor stops the driver and waits for its process; after it no
      // callback reaches the forwarding executor.
      if (d->standin) {
        delete d->driver;
      } else {
        d->driver->~ExecutorDriver();
        ::operator delete(d->storage);
      }
    } else if (d->driver != nullptr) {
      // Never ran: there is no libmesos process that could call back, and libmesos'
      // destructor would crash, so it is not run. libmesos' driver is parked for the life of
      // the process; the stand-in's memory is released without its (crash-reporting) destructor.
      if (d->standin) {
        ::operator delete(static_cast<void*>(d->driver));
      } else {
        park(d->storage);
      }
    }
    d->driver = nullptr;
    d->storage = nullptr;
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

int32_t mesos_executor_driver_start(mesos_executor_driver* d, mesos_shim_error* err) noexcept {
  return MESOS_RS_EXECUTOR_CALL(d, err, { return start_checked(d, err); });
}

int32_t mesos_executor_driver_stop(mesos_executor_driver* d, mesos_shim_error* err) noexcept {
  return MESOS_RS_EXECUTOR_CALL(d, err, {
    std::lock_guard<std::mutex> lock(d->lock);
    // libmesos' stop() CHECKs for the process only start() makes (it fails after the
    // constructor aborted the driver): a driver that never ran answers with its status.
    if (!d->ran) return d->last;
    return d->last = d->driver->stop();
  });
}

int32_t mesos_executor_driver_abort(mesos_executor_driver* d, mesos_shim_error* err) noexcept {
  return MESOS_RS_EXECUTOR_CALL(d, err, {
    std::lock_guard<std::mutex> lock(d->lock);
    if (!d->ran) return d->last;
    return d->last = d->driver->abort();
  });
}

int32_t mesos_executor_driver_join(mesos_executor_driver* d, mesos_shim_error* err) noexcept {
  return MESOS_RS_EXECUTOR_CALL(d, err, {
    {
      std::lock_guard<std::mutex> lock(d->lock);
      if (!d->ran) return d->last;
    }
    return d->driver->join();
  });
}

int32_t mesos_executor_driver_run(mesos_executor_driver* d, mesos_shim_error* err) noexcept {
  return MESOS_RS_EXECUTOR_CALL(d, err, {
    int32_t status = start_checked(d, err);
    if (status != mesos::DRIVER_RUNNING) return status;
    return d->driver->join();
  });
}

int32_t mesos_executor_driver_send_status_update(mesos_executor_driver* d,
                                                 mesos_bytes task_status,
                                                 mesos_shim_error* err) noexcept {
  return MESOS_RS_EXECUTOR_CALL(d, err, {
    mesos::TaskStatus status;
    MESOS_RS_TRY(parse(task_status, &status, err, 1));
    return d->driver->sendStatusUpdate(status);
  });
}

int32_t mesos_executor_driver_send_framework_message(mesos_executor_driver* d, mesos_bytes data,
                                                     mesos_shim_error* err) noexcept {
  return MESOS_RS_EXECUTOR_CALL(d, err, {
    if (data.data == nullptr && data.len != 0) return null_argument(err, "data is NULL");
    return d->driver->sendFrameworkMessage(mesos_rs::to_string(data));
  });
}

// ---- test support: the forwarding executor without a driver ----

mesos_executor_adapter* mesos_executor_adapter_new(const mesos_executor_callbacks* callbacks,
                                                   void* ctx) noexcept {
  if (callbacks == nullptr) return nullptr;
  try {
    std::unique_ptr<mesos_executor_adapter> a(new mesos_executor_adapter);
    a->executor.reset(new ForwardingExecutor(*callbacks, ctx));
    return a.release();
  } catch (...) {
    return nullptr;
  }
}

void mesos_executor_adapter_free(mesos_executor_adapter* a) noexcept { delete a; }

}  // extern "C"

namespace {

// Parses the adapter's one message argument (argument 1) into a T and passes it to `call`.
template <typename T, typename F>
int32_t deliver_one(const mesos_bytes& bytes, mesos_shim_error* err, F call) {
  T message;
  MESOS_RS_TRY(parse(bytes, &message, err, 1));
  call(message);
  return 0;
}

}  // namespace

extern "C" {

#define MESOS_RS_ADAPTER_CALL(a, err, body)                                         \
  guarded(err, [&]() -> int32_t {                                                   \
    if ((a) == nullptr) return null_argument(err, "adapter is NULL");               \
    mesos::Executor* executor = (a)->executor.get();                                \
    body                                                                            \
    return 0;                                                                       \
  })

int32_t mesos_executor_adapter_registered(mesos_executor_adapter* a, mesos_bytes executor_info,
                                          mesos_bytes framework_info, mesos_bytes slave_info,
                                          mesos_shim_error* err) noexcept {
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
                                            mesos_shim_error* err) noexcept {
  return MESOS_RS_ADAPTER_CALL(a, err, {
    MESOS_RS_TRY(deliver_one<mesos::SlaveInfo>(slave_info, err, [&](const mesos::SlaveInfo& s) {
      executor->reregistered(nullptr, s);
    }));
  });
}

int32_t mesos_executor_adapter_disconnected(mesos_executor_adapter* a, mesos_shim_error* err) noexcept {
  return MESOS_RS_ADAPTER_CALL(a, err, { executor->disconnected(nullptr); });
}

int32_t mesos_executor_adapter_launch_task(mesos_executor_adapter* a, mesos_bytes task_info,
                                           mesos_shim_error* err) noexcept {
  return MESOS_RS_ADAPTER_CALL(a, err, {
    MESOS_RS_TRY(deliver_one<mesos::TaskInfo>(task_info, err, [&](const mesos::TaskInfo& t) {
      executor->launchTask(nullptr, t);
    }));
  });
}

int32_t mesos_executor_adapter_kill_task(mesos_executor_adapter* a, mesos_bytes task_id,
                                         mesos_shim_error* err) noexcept {
  return MESOS_RS_ADAPTER_CALL(a, err, {
    MESOS_RS_TRY(deliver_one<mesos::TaskID>(task_id, err, [&](const mesos::TaskID& t) {
      executor->killTask(nullptr, t);
    }));
  });
}

int32_t mesos_executor_adapter_framework_message(mesos_executor_adapter* a, mesos_bytes data,
                                                 mesos_shim_error* err) noexcept {
  return MESOS_RS_ADAPTER_CALL(a, err, {
    executor->frameworkMessage(nullptr, mesos_rs::to_string(data));
  });
}

int32_t mesos_executor_adapter_shutdown(mesos_executor_adapter* a, mesos_shim_error* err) noexcept {
  return MESOS_RS_ADAPTER_CALL(a, err, { executor->shutdown(nullptr); });
}

int32_t mesos_executor_adapter_error(mesos_executor_adapter* a, mesos_bytes message,
                                     mesos_shim_error* err) noexcept {
  return MESOS_RS_ADAPTER_CALL(a, err, { executor->error(nullptr, mesos_rs::to_string(message)); });
}

}  // extern "C"
