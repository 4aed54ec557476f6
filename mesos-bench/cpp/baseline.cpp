// The C++ side of the mesos-rs benchmarks, compiled against the same libmesos headers (and
// with the same flags) as the shim in cbits/:
//
// * a baseline framework written directly against mesos::Scheduler / MesosSchedulerDriver,
//   doing exactly what the Rust framework in src/frameworks.rs does (launch N small tasks and
//   wait for their terminal updates; or decline every offer), acknowledging every status
//   update explicitly from its callback;
// * the reconciliation storm: explicit reconciliation of N tasks the master does not know,
//   timed from the reconcileTasks call to the N-th answer (optionally recording, for every
//   answer, the time from entering statusUpdate to an empty non-inlined "user" function);
// * the update storm: T tasks under one custom executor (the bench binary, run by the agent)
//   that sends K TASK_RUNNING updates per task; the framework acknowledges them explicitly
//   from its callback, or lets the driver do it (implicitAcknowledgements = true);
// * message loops for the marshalling benchmark: C++ serialization handed to a C callback
//   (the shape of the shim's scheduler callbacks), C++-only serialize + parse, and the shim's
//   own argument parser.
//
// Everything is reached through the extern "C" functions at the bottom; no C++ exception
// leaves them.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sys/stat.h>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <mesos/scheduler.hpp>

#include "shim.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// VmRSS of this process in KiB, or -1.
int64_t rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, 6, "VmRSS:") == 0) {
      return std::strtoll(line.c_str() + 6, nullptr, 10);
    }
  }
  return -1;
}

// CPU time of the whole process (framework, master and agents), in seconds.
double process_cpu_seconds() {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double scalar(const mesos::Offer& offer, const char* name) {
  double total = 0;
  for (const mesos::Resource& r : offer.resources()) {
    if (r.name() == name && r.type() == mesos::Value::SCALAR) total += r.scalar().value();
  }
  return total;
}

// A task of 0.01 cpus and 1 MB of mem on the agent of `offer`, as every run launches them.
mesos::TaskInfo small_task(const std::string& name, const std::string& id,
                           const mesos::Offer& offer) {
  mesos::TaskInfo task;
  task.set_name(name);
  task.mutable_task_id()->set_value(id);
  task.mutable_slave_id()->CopyFrom(offer.slave_id());
  for (const auto& r : {std::make_pair("cpus", 0.01), std::make_pair("mem", 1.0)}) {
    mesos::Resource* resource = task.add_resources();
    resource->set_name(r.first);
    resource->set_type(mesos::Value::SCALAR);
    resource->mutable_scalar()->set_value(r.second);
  }
  return task;
}

mesos::FrameworkInfo framework_info(const char* name) {
  mesos::FrameworkInfo info;
  info.set_user("");
  info.set_name(name);
  return info;
}

// What every framework of the bench shares: every callback it does not override does
// nothing, and libmesos' errors are printed.
class BenchScheduler : public mesos::Scheduler {
 public:
  void registered(mesos::SchedulerDriver*, const mesos::FrameworkID&,
                  const mesos::MasterInfo&) override {}
  void reregistered(mesos::SchedulerDriver*, const mesos::MasterInfo&) override {}
  void disconnected(mesos::SchedulerDriver*) override {}
  void resourceOffers(mesos::SchedulerDriver*, const std::vector<mesos::Offer>&) override {}
  void offerRescinded(mesos::SchedulerDriver*, const mesos::OfferID&) override {}
  void statusUpdate(mesos::SchedulerDriver*, const mesos::TaskStatus&) override {}
  void frameworkMessage(mesos::SchedulerDriver*, const mesos::ExecutorID&, const mesos::SlaveID&,
                        const std::string&) override {}
  void slaveLost(mesos::SchedulerDriver*, const mesos::SlaveID&) override {}
  void executorLost(mesos::SchedulerDriver*, const mesos::ExecutorID&, const mesos::SlaveID&,
                    int) override {}
  void error(mesos::SchedulerDriver*, const std::string& message) override {
    std::fprintf(stderr, "C++ framework error: %s\n", message.c_str());
  }
};

// Launches `total` tasks (cpus 0.01, mem 1, command "true") as offers allow, declines offers
// it cannot use, acknowledges every update and stops once every task reached a terminal state.
class E2eScheduler : public BenchScheduler {
 public:
  explicit E2eScheduler(uint32_t total) : total_(total), done_(total, false) {}


  void resourceOffers(mesos::SchedulerDriver* driver,
                      const std::vector<mesos::Offer>& offers) override {
    if (!started_) {
      started_ = true;
      start_ = Clock::now();
      cpu_start_ = process_cpu_seconds();
    }
    for (const mesos::Offer& offer : offers) {
      // Same arithmetic as the Rust framework: whole tasks that fit in cpus and in mem.
      uint64_t by_cpus = static_cast<uint64_t>(scalar(offer, "cpus") / 0.01 + 1e-6);
      uint64_t by_mem = static_cast<uint64_t>(scalar(offer, "mem") / 1.0 + 1e-6);
      uint64_t fit = by_cpus < by_mem ? by_cpus : by_mem;
      uint64_t left = total_ - launched_;
      uint64_t n = fit < left ? fit : left;
      if (n == 0) {
        driver->declineOffer(offer.id());
        continue;
      }
      std::vector<mesos::TaskInfo> tasks;
      tasks.reserve(n);
      for (uint64_t i = 0; i < n; ++i) {
        std::string id = std::to_string(launched_++);
        mesos::TaskInfo task = small_task("task " + id, id, offer);
        task.mutable_command()->set_value("true");
        tasks.push_back(std::move(task));
      }
      std::vector<mesos::OfferID> ids(1, offer.id());
      driver->launchTasks(ids, tasks);
    }
  }


  void statusUpdate(mesos::SchedulerDriver* driver, const mesos::TaskStatus& status) override {
    if (status.has_uuid() && status.has_slave_id()) driver->acknowledgeStatusUpdate(status);
    if (!terminal(status.state())) return;
    uint64_t index = std::strtoull(status.task_id().value().c_str(), nullptr, 10);
    if (index >= total_ || done_[index]) return;
    done_[index] = true;
    if (++finished_ == total_) {
      end_ = Clock::now();
      cpu_end_ = process_cpu_seconds();
      driver->stop(false);
    }
  }


  static bool terminal(mesos::TaskState s) {
    switch (s) {
      case mesos::TASK_FINISHED:
      case mesos::TASK_FAILED:
      case mesos::TASK_KILLED:
      case mesos::TASK_LOST:
      case mesos::TASK_ERROR:
      case mesos::TASK_DROPPED:
      case mesos::TASK_GONE:
      case mesos::TASK_GONE_BY_OPERATOR:
        return true;
      default:
        return false;
    }
  }

  uint64_t total_;
  uint64_t launched_ = 0;
  uint64_t finished_ = 0;
  std::vector<bool> done_;
  bool started_ = false;
  Clock::time_point start_;
  Clock::time_point end_;
  double cpu_start_ = 0;
  double cpu_end_ = 0;
};

// Declines every offer with refuse_seconds = 0; notes time and RSS after `warmup` offers and
// after `total`, then stops.
class StormScheduler : public BenchScheduler {
 public:
  StormScheduler(uint64_t warmup, uint64_t total) : warmup_(warmup), total_(total) {
    filters_.set_refuse_seconds(0);
  }


  void resourceOffers(mesos::SchedulerDriver* driver,
                      const std::vector<mesos::Offer>& offers) override {
    for (const mesos::Offer& offer : offers) {
      driver->declineOffer(offer.id(), filters_);
      ++handled_;
      if (handled_ == warmup_) {
        first_ = Clock::now();
        cpu_first_ = process_cpu_seconds();
        rss_first_ = rss_kib();
      }
      if (handled_ == total_) {
        last_ = Clock::now();
        cpu_last_ = process_cpu_seconds();
        rss_last_ = rss_kib();
        driver->stop(false);
      }
    }
  }


  uint64_t warmup_;
  uint64_t total_;
  uint64_t handled_ = 0;
  mesos::Filters filters_;
  Clock::time_point first_;
  Clock::time_point last_;
  int64_t rss_first_ = -1;
  int64_t rss_last_ = -1;
  double cpu_first_ = 0;
  double cpu_last_ = 0;
};

// CLOCK_MONOTONIC in ns (the clock of std::chrono::steady_clock and Rust's Instant on Linux),
// so that timestamps taken on either side can be compared with the RSS sampler's.
extern "C" uint64_t bench_thread_cpu_ns(void);

uint64_t monotonic_ns() {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}

// The agent ID of the reconciliation storm: no agent of the cluster has it.
const char* const kUnknownAgent = "mesos-bench-unknown-agent-S0";

// Index i of a task ID "t-<i>" below `limit`, or -1.
int64_t task_index(const mesos::TaskID& id, uint64_t limit) {
  const std::string& v = id.value();
  if (v.size() < 3 || v.compare(0, 2, "t-") != 0) return -1;
  char* end = nullptr;
  unsigned long long i = std::strtoull(v.c_str() + 2, &end, 10);
  if (end == nullptr || *end != '\0' || i >= limit) return -1;
  return static_cast<int64_t>(i);
}

class ReconcileScheduler;

// The "user" code of the latency runs: empty apart from taking its own timestamp. Kept out of
// line so that the call is really made, as it would be into a framework's own code.
__attribute__((noinline)) void user_callback(ReconcileScheduler* s, const mesos::TaskStatus& status,
                                             Clock::time_point entered);

// Explicit reconciliation of `n` tasks the master does not know (task "t-<i>", TASK_STAGING,
// an agent ID no agent has): builds the statuses in `registered`, then starts the clock and
// calls reconcileTasks; the clock stops in the callback of the n-th answer. Master 1.11
// answers each such task once, TASK_LOST (the framework is not PARTITION_AWARE) with reason
// REASON_RECONCILIATION and no uuid; only those answers are counted, once per task.
class ReconcileScheduler : public BenchScheduler {
 public:
  ReconcileScheduler(uint64_t n, uint64_t batch, uint64_t* samples)
      : n_(n), batch_(batch), seen_(n, false), samples_(samples) {}

  void registered(mesos::SchedulerDriver* driver, const mesos::FrameworkID&,
                  const mesos::MasterInfo&) override {
    statuses_.reserve(n_);
    for (uint64_t i = 0; i < n_; ++i) {
      mesos::TaskStatus s;
      s.mutable_task_id()->set_value("t-" + std::to_string(i));
      s.set_state(mesos::TASK_STAGING);
      s.mutable_slave_id()->set_value(kUnknownAgent);
      statuses_.push_back(std::move(s));
    }
    rss_start_ = rss_kib();
    start_ns_ = monotonic_ns();
    start_ = Clock::now();
    uint64_t cpu_start = bench_thread_cpu_ns();
    if (batch_ == 0) {
      driver->reconcileTasks(statuses_);
    } else {
      send_next(driver);
    }
    call_end_ = Clock::now();
    call_cpu_ns_ = bench_thread_cpu_ns() - cpu_start;
    if (n_ == 0) finish(driver);
  }

  // Paced mode: the next `batch_` statuses, once the previous ones were all answered.
  void send_next(mesos::SchedulerDriver* driver) {
    uint64_t end = sent_ + batch_ < n_ ? sent_ + batch_ : n_;
    std::vector<mesos::TaskStatus> part(statuses_.begin() + sent_, statuses_.begin() + end);
    sent_ = end;
    driver->reconcileTasks(part);
  }

  void resourceOffers(mesos::SchedulerDriver* driver,
                      const std::vector<mesos::Offer>& offers) override {
    mesos::Filters filters;
    filters.set_refuse_seconds(3600);
    for (const mesos::Offer& offer : offers) driver->declineOffer(offer.id(), filters);
  }

  void statusUpdate(mesos::SchedulerDriver* driver, const mesos::TaskStatus& status) override {
    if (samples_ != nullptr) {
      Clock::time_point entered = Clock::now();
      user_callback(this, status, entered);
    }
    int64_t i = task_index(status.task_id(), n_);
    if (i < 0 || seen_[i] || status.state() != mesos::TASK_LOST ||
        status.reason() != mesos::TaskStatus::REASON_RECONCILIATION || status.has_uuid()) {
      ++bad_;
      return;
    }
    seen_[i] = true;
    if (++answered_ == n_) {
      finish(driver);
    } else if (batch_ != 0 && answered_ == sent_) {
      send_next(driver);
    }
  }

  void finish(mesos::SchedulerDriver* driver) {
    end_ = Clock::now();
    end_ns_ = monotonic_ns();
    rss_end_ = rss_kib();
    driver->stop(false);
  }


  uint64_t n_;
  uint64_t batch_;  // 0: all statuses in one call; else this many per call, paced
  uint64_t sent_ = 0;
  std::vector<bool> seen_;
  uint64_t* samples_;
  uint64_t recorded_ = 0;
  std::vector<mesos::TaskStatus> statuses_;
  uint64_t answered_ = 0;
  uint64_t bad_ = 0;
  Clock::time_point start_;
  Clock::time_point call_end_;
  uint64_t call_cpu_ns_ = 0;
  Clock::time_point end_;
  uint64_t start_ns_ = 0;
  uint64_t end_ns_ = 0;
  int64_t rss_start_ = -1;
  int64_t rss_end_ = -1;
};

void user_callback(ReconcileScheduler* s, const mesos::TaskStatus&, Clock::time_point entered) {
  Clock::time_point now = Clock::now();
  if (s->recorded_ < s->n_) s->samples_[s->recorded_++] = ns_between(entered, now);
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The update storm. Launches `tasks` tasks ("t-<i>", cpus 0.01, mem 1) under one executor
// (`executor`, the bench binary in its executor role) on the first offer and declines every
// other offer for an hour. The executor sends `per_task` TASK_RUNNING updates per task
// (message "<k>", k = 0, 1, ...), then creates `ready_file`. The agent forwards one update per
// task at a time and the next only once the previous one is acknowledged, so every further
// update needs an acknowledgement to cross the driver first.
//
// The first update to arrive holds the callback until `ready_file` exists (the executor has
// sent everything); then the clock starts. From there every update is timed until the last
// one is in. Duplicates (the agent re-sends an unacknowledged update after 10 s) are counted
// apart and not timed twice; an update without uuid or a terminal one fails the run.
class UpdatesScheduler : public BenchScheduler {
 public:
  UpdatesScheduler(uint32_t tasks, uint32_t per_task, const mesos::ExecutorInfo& executor,
                   const std::string& ready_file, bool implicit, double timeout)
      : tasks_(tasks), per_task_(per_task), executor_(executor), ready_file_(ready_file),
        implicit_(implicit), timeout_(timeout), next_(tasks, 0) {}


  void resourceOffers(mesos::SchedulerDriver* driver,
                      const std::vector<mesos::Offer>& offers) override {
    mesos::Filters filters;
    filters.set_refuse_seconds(3600);
    for (const mesos::Offer& offer : offers) {
      if (launched_ != 0) {
        driver->declineOffer(offer.id(), filters);
        continue;
      }
      std::vector<mesos::TaskInfo> list;
      list.reserve(tasks_);
      for (uint32_t i = 0; i < tasks_; ++i) {
        std::string id = "t-" + std::to_string(i);
        mesos::TaskInfo task = small_task(id, id, offer);
        task.mutable_executor()->CopyFrom(executor_);
        list.push_back(std::move(task));
      }
      launched_ = tasks_;
      std::vector<mesos::OfferID> ids(1, offer.id());
      driver->launchTasks(ids, list, filters);
    }
  }


  void statusUpdate(mesos::SchedulerDriver* driver, const mesos::TaskStatus& status) override {
    if (!gate_open_) {
      Clock::time_point deadline =
          Clock::now() + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(timeout_));
      while (!file_exists(ready_file_) && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      gate_open_ = true;
      rss_start_ = rss_kib();
      start_ns_ = monotonic_ns();
      start_ = Clock::now();
    } else {
      ++handled_after_start_;
    }
    if (!status.has_uuid() || !status.has_slave_id()) ++missing_uuid_;
    int64_t i = task_index(status.task_id(), tasks_);
    char* end = nullptr;
    unsigned long k = std::strtoul(status.message().c_str(), &end, 10);
    if (i < 0 || status.state() != mesos::TASK_RUNNING || end == nullptr || *end != '\0' ||
        status.message().empty()) {
      ++bad_;
      if (status.state() != mesos::TASK_RUNNING) {
        std::fprintf(stderr, "C++ framework: unexpected update %s for %s: %s\n",
                     mesos::TaskState_Name(status.state()).c_str(),
                     status.task_id().value().c_str(), status.message().c_str());
        driver->stop(false);
        return;
      }
    } else if (k == next_[i]) {
      ++next_[i];
      ++distinct_;
    } else if (k < next_[i]) {
      ++duplicates_;
    } else {
      ++bad_;
    }
    if (!implicit_ && status.has_uuid() && status.has_slave_id()) {
      driver->acknowledgeStatusUpdate(status);
    }
    if (distinct_ == static_cast<uint64_t>(tasks_) * per_task_) {
      end_ = Clock::now();
      end_ns_ = monotonic_ns();
      rss_end_ = rss_kib();
      driver->stop(false);
    }
  }

  void executorLost(mesos::SchedulerDriver* driver, const mesos::ExecutorID&,
                    const mesos::SlaveID&, int status) override {
    std::fprintf(stderr, "C++ framework: the executor ended (status %d)\n", status);
    driver->stop(false);
  }

  uint32_t tasks_;
  uint32_t per_task_;
  mesos::ExecutorInfo executor_;
  std::string ready_file_;
  bool implicit_;
  double timeout_;
  std::vector<uint32_t> next_;
  uint32_t launched_ = 0;
  bool gate_open_ = false;
  uint64_t distinct_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t handled_after_start_ = 0;
  uint64_t missing_uuid_ = 0;
  uint64_t bad_ = 0;
  Clock::time_point start_;
  Clock::time_point end_;
  uint64_t start_ns_ = 0;
  uint64_t end_ns_ = 0;
  int64_t rss_start_ = -1;
  int64_t rss_end_ = -1;
};

// Runs `driver` until it stops, aborting it after `timeout` seconds. Returns the final status.
mesos::Status run_with_timeout(mesos::MesosSchedulerDriver* driver, double timeout) {
  std::mutex m;
  bool done = false;
  std::thread watchdog([&] {
    Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(timeout));
    while (Clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(m);
        if (done) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::fprintf(stderr, "C++ framework: timed out after %.0f s, aborting\n", timeout);
    driver->abort();
  });
  mesos::Status status = driver->run();
  {
    std::lock_guard<std::mutex> lock(m);
    done = true;
  }
  watchdog.join();
  return status;
}

// The master every C++ run registers with (`bench_set_master`): "local" (a cluster in this
// process, described by the environment) unless a `host:port` was set.
std::string& master_address() {
  static std::string master = "local";
  return master;
}

// The skeleton of every C++ run: builds the framework with `make` (a std::unique_ptr, or
// null when its arguments are unusable), runs a driver for it against `master_address()`
// until it stops or `timeout` passes, then returns
// `report(framework, final status)`. An exception is printed under `what`; it and an unusable
// argument return 2.
template <typename Make, typename Report>
int32_t run_framework(const char* what, const char* name, bool implicit, double timeout,
                      Make make, Report report) {
  try {
    auto framework = make();
    if (!framework) return 2;
    mesos::MesosSchedulerDriver driver(framework.get(), framework_info(name), master_address(), implicit);
    mesos::Status status = run_with_timeout(&driver, timeout);
    return report(*framework, status);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "C++ %s: %s\n", what, e.what());
    return 2;
  } catch (...) {
    return 2;
  }
}

// ---- marshalling ----

enum Kind { OFFER = 0, TASK_INFO = 1, TASK_STATUS = 2 };

// Calls `f` with a null `const T*` for the message class T of `kind`, so that one generic
// lambda serves every kind.
template <typename F>
auto by_kind(int32_t kind, F f) -> decltype(f(static_cast<const mesos::Offer*>(nullptr))) {
  switch (kind) {
    case OFFER:
      return f(static_cast<const mesos::Offer*>(nullptr));
    case TASK_INFO:
      return f(static_cast<const mesos::TaskInfo*>(nullptr));
    default:
      return f(static_cast<const mesos::TaskStatus*>(nullptr));
  }
}

// by_kind for the marshalling loops, which return a count: an exception counts as 0.
template <typename F>
uint64_t loop_by_kind(int32_t kind, F f) {
  try {
    return by_kind(kind, f);
  } catch (...) {
    return 0;
  }
}

google::protobuf::Message* new_message(int32_t kind) {
  switch (kind) {
    case OFFER:
      return new mesos::Offer();
    case TASK_INFO:
      return new mesos::TaskInfo();
    case TASK_STATUS:
      return new mesos::TaskStatus();
    default:
      return nullptr;
  }
}

// What a C++ framework does to move a message of type T through bytes: serialize it, and
// (with `parse`) parse the bytes into a fresh object; `iterations` times. Returns the bytes
// seen (0 when a parse failed).
template <typename T>
uint64_t serialize_loop(const T& msg, uint64_t iterations, bool parse) {
  uint64_t bytes = 0;
  for (uint64_t i = 0; i < iterations; ++i) {
    std::string s = msg.SerializePartialAsString();
    if (!parse) {
      bytes += s.size();
      continue;
    }
    T copy;
    if (!copy.ParsePartialFromString(s)) return 0;
    bytes += static_cast<uint64_t>(copy.ByteSizeLong());
  }
  return bytes;
}

template <typename T>
uint64_t parse_loop(const uint8_t* data, size_t len, uint64_t iterations) {
  uint64_t fields = 0;
  for (uint64_t i = 0; i < iterations; ++i) {
    T msg;
    if (!msg.ParsePartialFromArray(data, static_cast<int>(len))) return 0;
    fields += static_cast<uint64_t>(msg.ByteSizeLong());
  }
  return fields;
}

// Parses with the shim's own argument parser (required fields checked), into a message of
// the kind's class on the stack, as the shim's driver entry points do.
template <typename T>
int32_t shim_parse(const uint8_t* data, size_t len, mesos_shim_error* err) {
  T msg;
  mesos_bytes b;
  b.data = data;
  b.len = len;
  return mesos_rs::parse(b, &msg, err, 0);
}

}  // namespace

extern "C" {

// Sets the master of the runs that follow (a `host:port`, or "local"); call it before any run.
void bench_set_master(const char* master) { master_address() = master; }

// Result of one C++ end-to-end run.
struct bench_e2e_result {
  uint64_t launched;
  uint64_t finished;
  double seconds;  // first offer seen -> last terminal update seen
  double cpu_seconds;  // process CPU time over the same interval
  int32_t final_status;
};

struct bench_storm_result {
  uint64_t handled;
  double seconds;  // from the warmup-th offer to the total-th
  double cpu_seconds;  // process CPU time over the same interval
  int64_t rss_first_kib;
  int64_t rss_last_kib;
  int32_t final_status;
};

// Runs the C++ end-to-end framework against the master (for "local", the environment must
// already describe the cluster). Returns 0 when every task reached a terminal state.
int32_t bench_cpp_e2e(uint32_t tasks, double timeout, bench_e2e_result* out) {
  return run_framework(
      "e2e", "mesos-rs bench (C++)", false, timeout,
      [&] { return std::unique_ptr<E2eScheduler>(new E2eScheduler(tasks)); },
      [&](const E2eScheduler& f, mesos::Status status) {
        out->launched = f.launched_;
        out->finished = f.finished_;
        out->seconds = f.finished_ == tasks ? seconds_between(f.start_, f.end_) : 0.0;
        out->cpu_seconds = f.cpu_end_ - f.cpu_start_;
        out->final_status = static_cast<int32_t>(status);
        return f.finished_ == tasks ? 0 : 1;
      });
}

// When a sampled storm's clock started and stopped (CLOCK_MONOTONIC), and RSS at both.
struct bench_window {
  uint64_t start_ns;
  uint64_t end_ns;
  int64_t rss_start_kib;
  int64_t rss_end_kib;
};

struct bench_reconcile_result {
  uint64_t answered;
  uint64_t bad;  // updates that were not a first answer of the expected kind
  double seconds;  // reconcileTasks call -> n-th answer
  double call_seconds;  // the reconcileTasks call alone
  double call_cpu_seconds;  // CPU time of the calling thread during the call
  bench_window window;
  uint64_t samples;  // latency samples written
  int32_t final_status;
};

struct bench_updates_result {
  uint64_t distinct;  // updates counted once each
  uint64_t timed;  // updates handled after the clock started (duplicates included)
  uint64_t duplicates;
  uint64_t missing_uuid;
  uint64_t bad;
  double seconds;  // gate opened -> last distinct update
  bench_window window;
  int32_t final_status;
};

// The reconciliation storm with the C++ framework against the master (with `batch` > 0,
// paced: `batch` statuses per call, the next call once they are all answered). When `samples` is
// not NULL (room for `n` values) every answer's entry-to-user-function time is recorded, in
// ns. Returns 0 when all `n` answers arrived.
int32_t bench_cpp_reconcile(uint64_t n, uint64_t batch, double timeout, uint64_t* samples,
                            bench_reconcile_result* out) {
  return run_framework(
      "reconcile", "mesos-bench reconcile (C++)", false, timeout,
      [&] {
        return std::unique_ptr<ReconcileScheduler>(new ReconcileScheduler(n, batch, samples));
      },
      [&](const ReconcileScheduler& f, mesos::Status status) {
        bool complete = f.answered_ == n;
        out->answered = f.answered_;
        out->bad = f.bad_;
        out->seconds = complete ? seconds_between(f.start_, f.end_) : 0.0;
        out->call_seconds = seconds_between(f.start_, f.call_end_);
        out->call_cpu_seconds = f.call_cpu_ns_ / 1e9;
        out->window = {f.start_ns_, f.end_ns_, f.rss_start_, f.rss_end_};
        out->samples = f.recorded_;
        out->final_status = static_cast<int32_t>(status);
        return complete ? 0 : 1;
      });
}

// The update storm with the C++ framework against the master. `executor` is a serialized
// ExecutorInfo. Returns 0 when all tasks * per_task updates arrived, each with a uuid.
int32_t bench_cpp_updates(uint32_t tasks, uint32_t per_task, const uint8_t* executor,
                          size_t executor_len, const char* ready_file, int32_t implicit,
                          double timeout, bench_updates_result* out) {
  return run_framework(
      "updates", "mesos-bench updates (C++)", implicit != 0, timeout,
      [&] {
        mesos::ExecutorInfo info;
        std::unique_ptr<UpdatesScheduler> f;
        if (!info.ParseFromArray(executor, static_cast<int>(executor_len))) {
          std::fprintf(stderr, "C++ updates: cannot parse the ExecutorInfo\n");
        } else {
          f.reset(new UpdatesScheduler(tasks, per_task, info, ready_file, implicit != 0, timeout));
        }
        return f;
      },
      [&](const UpdatesScheduler& f, mesos::Status status) {
        uint64_t total = static_cast<uint64_t>(tasks) * per_task;
        bool complete = f.distinct_ == total && f.missing_uuid_ == 0;
        out->distinct = f.distinct_;
        out->timed = f.handled_after_start_;
        out->duplicates = f.duplicates_;
        out->missing_uuid = f.missing_uuid_;
        out->bad = f.bad_;
        out->seconds = complete ? seconds_between(f.start_, f.end_) : 0.0;
        out->window = {f.start_ns_, f.end_ns_, f.rss_start_, f.rss_end_};
        out->final_status = static_cast<int32_t>(status);
        return complete ? 0 : 1;
      });
}

// CLOCK_MONOTONIC in ns, for the Rust side (the same clock as the C++ timestamps above).
uint64_t bench_monotonic_ns(void) { return monotonic_ns(); }

// Runs the C++ offer-storm framework against the master. Returns 0 when `total` offers
// were handled.
int32_t bench_cpp_storm(uint64_t warmup, uint64_t total, double timeout,
                        bench_storm_result* out) {
  return run_framework(
      "storm", "mesos-rs bench (C++)", false, timeout,
      [&] { return std::unique_ptr<StormScheduler>(new StormScheduler(warmup, total)); },
      [&](const StormScheduler& f, mesos::Status status) {
        out->handled = f.handled_;
        out->seconds = f.handled_ >= total ? seconds_between(f.first_, f.last_) : 0.0;
        out->cpu_seconds = f.cpu_last_ - f.cpu_first_;
        out->rss_first_kib = f.rss_first_;
        out->rss_last_kib = f.rss_last_;
        out->final_status = static_cast<int32_t>(status);
        return f.handled_ >= total ? 0 : 1;
      });
}

// CPU time consumed by the calling thread, in ns (the marshalling loops are timed with it so
// that other processes on a shared machine do not inflate the figures).
uint64_t bench_thread_cpu_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// CPU time of the whole process in seconds, for the Rust frameworks (the same clock as above).
double bench_process_cpu_seconds(void) { return process_cpu_seconds(); }

// A C++ message of `kind` (0 Offer, 1 TaskInfo, 2 TaskStatus) parsed from `data`, or NULL.
void* bench_cpp_msg_new(int32_t kind, const uint8_t* data, size_t len) {
  try {
    std::unique_ptr<google::protobuf::Message> msg(new_message(kind));
    if (!msg || !msg->ParseFromArray(data, static_cast<int>(len))) return nullptr;
    return msg.release();
  } catch (...) {
    return nullptr;
  }
}

void bench_cpp_msg_free(void* msg) { delete static_cast<google::protobuf::Message*>(msg); }

// The callback direction, shaped like the shim's ForwardingScheduler: serialize the message
// into a fresh string and hand a view of it to `callback`, `iterations` times.
uint64_t bench_cpp_serialize_to(int32_t kind, const void* msg, uint64_t iterations,
                                void (*callback)(void*, mesos_bytes), void* ctx) {
  return loop_by_kind(kind, [&](auto* type) -> uint64_t {
    const auto* m = static_cast<decltype(type)>(msg);
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < iterations; ++i) {
      std::string s;
      m->SerializePartialToString(&s);
      bytes += s.size();
      callback(ctx, mesos_rs::view(s));
    }
    return bytes;
  });
}

// C++ only: serialize + parse into a fresh object, `iterations` times.
uint64_t bench_cpp_roundtrip(int32_t kind, const void* msg, uint64_t iterations) {
  return loop_by_kind(kind, [&](auto* type) {
    return serialize_loop(*static_cast<decltype(type)>(msg), iterations, true);
  });
}

// C++ only: serialize, `iterations` times.
uint64_t bench_cpp_serialize(int32_t kind, const void* msg, uint64_t iterations) {
  return loop_by_kind(kind, [&](auto* type) {
    return serialize_loop(*static_cast<decltype(type)>(msg), iterations, false);
  });
}

// C++ only: parse `data` into a fresh object, `iterations` times.
uint64_t bench_cpp_parse(int32_t kind, const uint8_t* data, size_t len, uint64_t iterations) {
  return loop_by_kind(kind, [&](auto* type) {
    return parse_loop<std::remove_const_t<std::remove_pointer_t<decltype(type)>>>(data, len,
                                                                                 iterations);
  });
}

// The call direction's C++ half: the shim's argument parser on one message. 0 on success.
int32_t bench_cpp_shim_parse(int32_t kind, mesos_bytes bytes, mesos_shim_error* err) {
  return mesos_rs::guarded(err, [&]() -> int32_t {
    return by_kind(kind, [&](auto* type) {
      return shim_parse<std::remove_const_t<std::remove_pointer_t<decltype(type)>>>(
          bytes.data, bytes.len, err);
    });
  });
}

}  // extern "C"
