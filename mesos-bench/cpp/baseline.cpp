// The C++ side of the mesos-rs benchmarks, compiled against the same libmesos headers (and
// with the same flags) as the shim in cbits/:
//
// * a baseline framework written directly against mesos::Scheduler / MesosSchedulerDriver,
//   doing exactly what the Rust framework in src/frameworks.rs does (launch N small tasks and
//   wait for their terminal updates; or decline every offer), acknowledging every status
//   update explicitly from its callback;
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
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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

mesos::FrameworkInfo framework_info(const char* name) {
  mesos::FrameworkInfo info;
  info.set_user("");
  info.set_name(name);
  return info;
}

// Launches `total` tasks (cpus 0.01, mem 1, command "true") as offers allow, declines offers
// it cannot use, acknowledges every update and stops once every task reached a terminal state.
class E2eScheduler : public mesos::Scheduler {
 public:
  explicit E2eScheduler(uint32_t total) : total_(total), done_(total, false) {}

  void registered(mesos::SchedulerDriver*, const mesos::FrameworkID&,
                  const mesos::MasterInfo&) override {}
  void reregistered(mesos::SchedulerDriver*, const mesos::MasterInfo&) override {}
  void disconnected(mesos::SchedulerDriver*) override {}

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
        mesos::TaskInfo task;
        task.set_name("task " + id);
        task.mutable_task_id()->set_value(id);
        task.mutable_slave_id()->CopyFrom(offer.slave_id());
        mesos::Resource* cpus = task.add_resources();
        cpus->set_name("cpus");
        cpus->set_type(mesos::Value::SCALAR);
        cpus->mutable_scalar()->set_value(0.01);
        mesos::Resource* mem = task.add_resources();
        mem->set_name("mem");
        mem->set_type(mesos::Value::SCALAR);
        mem->mutable_scalar()->set_value(1.0);
        task.mutable_command()->set_value("true");
        tasks.push_back(std::move(task));
      }
      std::vector<mesos::OfferID> ids(1, offer.id());
      driver->launchTasks(ids, tasks);
    }
  }

  void offerRescinded(mesos::SchedulerDriver*, const mesos::OfferID&) override {}

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

  void frameworkMessage(mesos::SchedulerDriver*, const mesos::ExecutorID&, const mesos::SlaveID&,
                        const std::string&) override {}
  void slaveLost(mesos::SchedulerDriver*, const mesos::SlaveID&) override {}
  void executorLost(mesos::SchedulerDriver*, const mesos::ExecutorID&, const mesos::SlaveID&,
                    int) override {}
  void error(mesos::SchedulerDriver*, const std::string& message) override {
    std::fprintf(stderr, "C++ framework error: %s\n", message.c_str());
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
class StormScheduler : public mesos::Scheduler {
 public:
  StormScheduler(uint64_t warmup, uint64_t total) : warmup_(warmup), total_(total) {
    filters_.set_refuse_seconds(0);
  }

  void registered(mesos::SchedulerDriver*, const mesos::FrameworkID&,
                  const mesos::MasterInfo&) override {}
  void reregistered(mesos::SchedulerDriver*, const mesos::MasterInfo&) override {}
  void disconnected(mesos::SchedulerDriver*) override {}

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

// ---- marshalling ----

enum Kind { OFFER = 0, TASK_INFO = 1, TASK_STATUS = 2 };

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

// What a C++ framework does to move a message of type T through bytes: serialize it, parse
// the bytes into a fresh object.
template <typename T>
uint64_t roundtrip_loop(const T& msg, uint64_t iterations) {
  uint64_t bytes = 0;
  for (uint64_t i = 0; i < iterations; ++i) {
    std::string s = msg.SerializePartialAsString();
    T copy;
    if (!copy.ParsePartialFromString(s)) return 0;
    bytes += static_cast<uint64_t>(copy.ByteSizeLong());
  }
  return bytes;
}

template <typename T>
uint64_t serialize_loop(const T& msg, uint64_t iterations) {
  uint64_t bytes = 0;
  for (uint64_t i = 0; i < iterations; ++i) {
    std::string s = msg.SerializePartialAsString();
    bytes += s.size();
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

// Runs the C++ end-to-end framework against master "local" (the environment must already
// describe the cluster). Returns 0 when every task reached a terminal state.
int32_t bench_cpp_e2e(uint32_t tasks, double timeout, bench_e2e_result* out) {
  try {
    E2eScheduler scheduler(tasks);
    mesos::MesosSchedulerDriver driver(&scheduler, framework_info("mesos-rs bench (C++)"),
                                       "local", false);
    mesos::Status status = run_with_timeout(&driver, timeout);
    out->launched = scheduler.launched_;
    out->finished = scheduler.finished_;
    out->seconds = scheduler.finished_ == tasks ? seconds_between(scheduler.start_, scheduler.end_)
                                                : 0.0;
    out->cpu_seconds = scheduler.cpu_end_ - scheduler.cpu_start_;
    out->final_status = static_cast<int32_t>(status);
    return scheduler.finished_ == tasks ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "C++ e2e: %s\n", e.what());
    return 2;
  } catch (...) {
    return 2;
  }
}

// Runs the C++ offer-storm framework against master "local". Returns 0 when `total` offers
// were handled.
int32_t bench_cpp_storm(uint64_t warmup, uint64_t total, double timeout,
                        bench_storm_result* out) {
  try {
    StormScheduler scheduler(warmup, total);
    mesos::MesosSchedulerDriver driver(&scheduler, framework_info("mesos-rs bench (C++)"),
                                       "local", false);
    mesos::Status status = run_with_timeout(&driver, timeout);
    out->handled = scheduler.handled_;
    out->seconds =
        scheduler.handled_ >= total ? seconds_between(scheduler.first_, scheduler.last_) : 0.0;
    out->cpu_seconds = scheduler.cpu_last_ - scheduler.cpu_first_;
    out->rss_first_kib = scheduler.rss_first_;
    out->rss_last_kib = scheduler.rss_last_;
    out->final_status = static_cast<int32_t>(status);
    return scheduler.handled_ >= total ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "C++ storm: %s\n", e.what());
    return 2;
  } catch (...) {
    return 2;
  }
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
  try {
    const google::protobuf::Message* m = static_cast<const google::protobuf::Message*>(msg);
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < iterations; ++i) {
      std::string s;
      switch (kind) {
        case OFFER:
          static_cast<const mesos::Offer*>(m)->SerializePartialToString(&s);
          break;
        case TASK_INFO:
          static_cast<const mesos::TaskInfo*>(m)->SerializePartialToString(&s);
          break;
        default:
          static_cast<const mesos::TaskStatus*>(m)->SerializePartialToString(&s);
          break;
      }
      bytes += s.size();
      callback(ctx, mesos_rs::view(s));
    }
    return bytes;
  } catch (...) {
    return 0;
  }
}

// C++ only: serialize + parse into a fresh object, `iterations` times.
uint64_t bench_cpp_roundtrip(int32_t kind, const void* msg, uint64_t iterations) {
  try {
    switch (kind) {
      case OFFER:
        return roundtrip_loop(*static_cast<const mesos::Offer*>(msg), iterations);
      case TASK_INFO:
        return roundtrip_loop(*static_cast<const mesos::TaskInfo*>(msg), iterations);
      default:
        return roundtrip_loop(*static_cast<const mesos::TaskStatus*>(msg), iterations);
    }
  } catch (...) {
    return 0;
  }
}

// C++ only: serialize, `iterations` times.
uint64_t bench_cpp_serialize(int32_t kind, const void* msg, uint64_t iterations) {
  try {
    switch (kind) {
      case OFFER:
        return serialize_loop(*static_cast<const mesos::Offer*>(msg), iterations);
      case TASK_INFO:
        return serialize_loop(*static_cast<const mesos::TaskInfo*>(msg), iterations);
      default:
        return serialize_loop(*static_cast<const mesos::TaskStatus*>(msg), iterations);
    }
  } catch (...) {
    return 0;
  }
}

// C++ only: parse `data` into a fresh object, `iterations` times.
uint64_t bench_cpp_parse(int32_t kind, const uint8_t* data, size_t len, uint64_t iterations) {
  try {
    switch (kind) {
      case OFFER:
        return parse_loop<mesos::Offer>(data, len, iterations);
      case TASK_INFO:
        return parse_loop<mesos::TaskInfo>(data, len, iterations);
      default:
        return parse_loop<mesos::TaskStatus>(data, len, iterations);
    }
  } catch (...) {
    return 0;
  }
}

// The call direction's C++ half: the shim's argument parser on one message. 0 on success.
int32_t bench_cpp_shim_parse(int32_t kind, mesos_bytes bytes, mesos_shim_error* err) {
  return mesos_rs::guarded(err, [&]() -> int32_t {
    switch (kind) {
      case OFFER:
        return shim_parse<mesos::Offer>(bytes.data, bytes.len, err);
      case TASK_INFO:
        return shim_parse<mesos::TaskInfo>(bytes.data, bytes.len, err);
      default:
        return shim_parse<mesos::TaskStatus>(bytes.data, bytes.len, err);
    }
  });
}

}  // extern "C"
