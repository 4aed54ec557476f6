// libmesos' own log lines (glog): where they go (a callback, stderr, nowhere) and at which
// level they are produced. See mesos_shim_log_configure in mesos_c.h.
//
// This translation unit includes neither glog's nor Mesos' headers: the dev kit has no glog
// headers, and a real installation's may differ. It declares the few glog names it uses
// itself, as glog 0.4.0 (the version Mesos 1.11 bundles) defines them. The vtable order of
// `google::LogSink` was checked against the library (its exported vtable: the two destructor
// slots, send with microseconds, the older pure send, WaitTillSent).
#include <dlfcn.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

#include "mesos_c.h"
#include "shim.hpp"

#ifndef MESOS_RS_NO_GLOG

namespace google {

class LogSink {
 public:
  virtual ~LogSink();
  virtual void send(int severity, const char* full_filename, const char* base_filename, int line,
                    const struct ::tm* tm_time, const char* message, size_t message_len,
                    int32_t usecs);
  virtual void send(int severity, const char* full_filename, const char* base_filename, int line,
                    const struct ::tm* tm_time, const char* message, size_t message_len) = 0;
  virtual void WaitTillSent();
};

void AddLogSink(LogSink* destination);
void SetLogDestination(int severity, const char* base_filename);

namespace glog_internal_namespace_ {
bool IsGoogleLoggingInitialized();
}

}  // namespace google

namespace fLI {
extern int32_t FLAGS_minloglevel;
extern int32_t FLAGS_stderrthreshold;
}  // namespace fLI

namespace fLB {
extern bool FLAGS_logtostderr;
extern bool FLAGS_alsologtostderr;
}  // namespace fLB

#endif  // MESOS_RS_NO_GLOG

namespace {

constexpr int32_t kFatal = 3;

// MESOS_SHIM_LOG_* (0: never configured, libmesos' own behaviour).
std::atomic<int32_t> destination{0};
std::atomic<int32_t> min_severity{0};
std::atomic<mesos_shim_log_line_fn> line_callback{nullptr};

#ifndef MESOS_RS_NO_GLOG

// Set while this thread runs the callback: glog never calls a sink re-entrantly on one thread
// (it would deadlock on its own lock first), but a line logged by the callback's code must
// not come back into it either.
thread_local bool in_callback = false;

void deliver(int severity, const char* base_filename, int line, const char* message,
             size_t len) noexcept {
  mesos_shim_log_line_fn fn = line_callback.load(std::memory_order_acquire);
  if (fn == nullptr || in_callback) return;
  if (destination.load(std::memory_order_relaxed) != MESOS_SHIM_LOG_CALLBACK) return;
  in_callback = true;
  mesos_bytes file;
  file.data = reinterpret_cast<const uint8_t*>(base_filename);
  file.len = base_filename == nullptr ? 0 : std::strlen(base_filename);
  mesos_bytes text;
  text.data = reinterpret_cast<const uint8_t*>(message);
  text.len = message == nullptr ? 0 : len;
  fn(severity, file, line, text);
  in_callback = false;
}

// glog calls `send` with its own lock held, on whichever thread logs: it copies nothing,
// takes no lock and never logs itself.
class CallbackSink final : public google::LogSink {
 public:
  void send(int severity, const char*, const char* base_filename, int line, const struct ::tm*,
            const char* message, size_t message_len, int32_t) override {
    deliver(severity, base_filename, line, message, message_len);
  }
  void send(int severity, const char*, const char* base_filename, int line, const struct ::tm*,
            const char* message, size_t message_len) override {
    deliver(severity, base_filename, line, message, message_len);
  }
  void WaitTillSent() override {}
};

// The sink lives as long as the process (glog keeps a pointer to it).
void add_sink_once() {
  static CallbackSink* sink = [] {
    CallbackSink* s = new CallbackSink();
    google::AddLogSink(s);
    return s;
  }();
  (void)sink;
}

// The level libmesos gave glog for its log files (MESOS_LOG_DIR), recorded the first time
// its logging is seen initialised; -1 when there are no log files.
int32_t files_level = -1;
bool files_level_known = false;

// glog's flags for the configured destination. libmesos sets them from its own MESOS_*
// flags when it initialises logging (in the first driver's constructor), so they are set
// again after every driver construction.
// Whether the program asked libmesos for log files (then libmesos' own logging setup, which
// reads MESOS_LOG_DIR, must run).
bool log_files_asked() noexcept {
  const char* dir = std::getenv("MESOS_LOG_DIR");
  return dir != nullptr && *dir != '\0';
}

void apply_flags_locked();

void apply_flags() noexcept {
  static std::mutex* lock = new std::mutex();
  try {
    std::lock_guard<std::mutex> held(*lock);
    apply_flags_locked();
  } catch (...) {
    // Locking or glog's string allocation failed: the flags stay as they were.
  }
}

void apply_flags_locked() {
  int32_t dest = destination.load();
  int32_t level = min_severity.load();
  if (!files_level_known) {
    files_level_known = true;
    if (log_files_asked()) files_level = fLI::FLAGS_minloglevel;
  }
  if (files_level < 0) {
    // No log files: glog would otherwise write them to the temporary directory.
    for (int s = 0; s <= kFatal; ++s) google::SetLogDestination(s, "");
  }
  fLB::FLAGS_alsologtostderr = false;
  if (dest == MESOS_SHIM_LOG_STDERR) {
    fLB::FLAGS_logtostderr = files_level < 0;
    fLI::FLAGS_stderrthreshold = level;
  } else {
    // Only a fatal line (which ends the process) still reaches stderr.
    fLB::FLAGS_logtostderr = false;
    fLI::FLAGS_stderrthreshold = kFatal;
  }
  int32_t produced = dest == MESOS_SHIM_LOG_OFF ? kFatal : level;
  if (files_level >= 0 && files_level < produced) produced = files_level;
  fLI::FLAGS_minloglevel = produced;
}

bool glog_initialized() noexcept {
  try {
    return google::glog_internal_namespace_::IsGoogleLoggingInitialized();
  } catch (...) {
    return false;
  }
}

#endif  // MESOS_RS_NO_GLOG

}  // namespace

#ifndef MESOS_RS_NO_GLOG

// libmesos initialises glog inside the first driver's constructor: it sets glog's flags from
// its own MESOS_* variables and goes on logging (in local mode, the whole start-up of the
// master and agents) before the constructor returns, i.e. before the flags of this file could
// be applied. Its logging setup runs once per process, so it is run here first, without flags
// (`Option<Flags>` empty: nothing is read from the environment, nothing but glog's own
// initialisation), and the configured flags are applied right after; the driver's own call
// then does nothing. The function is looked up by its mangled name, so a libmesos without it
// simply keeps its own start-up.
//
// `Option<T>` of libmesos' stout library starts with its state, an enum whose NONE is 1.
bool initialize_glog_early() noexcept {
  using Init = void (*)(const std::string&, bool, const void*);
  static const char* kName =
      "_ZN5mesos8internal7logging10initializeERKNSt7__cxx1112basic_stringIcSt11char_"
      "traitsIcESaIcEEEbRK6OptionINS1_5FlagsEE";
  Init init = reinterpret_cast<Init>(dlsym(RTLD_DEFAULT, kName));
  if (init == nullptr) return false;
  try {
    alignas(16) unsigned char none[512] = {};
    const int32_t kNone = 1;
    std::memcpy(none, &kNone, sizeof kNone);
    static const std::string* argv0 = new std::string("mesos");
    init(*argv0, false, none);
  } catch (...) {
    return false;
  }
  return glog_initialized();
}

#endif  // MESOS_RS_NO_GLOG

namespace mesos_rs {

void logging_before_driver() noexcept {
  int32_t dest = destination.load();
  if (dest == 0) {
    apply_log_level_from_environment();
    return;
  }
#ifndef MESOS_RS_NO_GLOG
  if (glog_initialized()) {
    apply_flags();
  } else if (!log_files_asked() && initialize_glog_early()) {
    apply_flags();
  } else if (dest == MESOS_SHIM_LOG_STDERR) {
    fLI::FLAGS_minloglevel = min_severity.load();
  } else {
    // Until libmesos initialises glog (inside the driver's constructor), glog writes every
    // line to stderr whatever its flags say: let none be produced until then.
    fLI::FLAGS_minloglevel = kFatal;
  }
#endif
}

void logging_after_driver() noexcept {
#ifndef MESOS_RS_NO_GLOG
  if (destination.load() != 0 && glog_initialized()) apply_flags();
#endif
}

}  // namespace mesos_rs

extern "C" {

int32_t mesos_shim_log_configure(int32_t dest, int32_t min_sev, mesos_shim_log_line_fn callback,
                                 mesos_shim_error* err) noexcept {
  return mesos_rs::guarded(err, [&]() -> int32_t {
    if (dest != MESOS_SHIM_LOG_CALLBACK && dest != MESOS_SHIM_LOG_STDERR &&
        dest != MESOS_SHIM_LOG_OFF) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_INVALID_ARGUMENT, 0, -1, "",
                            "destination must be MESOS_SHIM_LOG_CALLBACK, _STDERR or _OFF");
    }
    if (min_sev < 0 || min_sev > kFatal) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_INVALID_ARGUMENT, 1, -1, "",
                            "min_severity must be 0 (INFO) to 3 (FATAL)");
    }
    if (dest == MESOS_SHIM_LOG_CALLBACK && callback == nullptr) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, 2, -1, "",
                            "MESOS_SHIM_LOG_CALLBACK needs a callback");
    }
#ifdef MESOS_RS_NO_GLOG
    return mesos_rs::fail(err, MESOS_SHIM_ERR_UNSUPPORTED, -1, -1, "",
                          "the linked libmesos exports no glog (google::AddLogSink) and no "
                          "libglog was found to link");
#else
    if (callback != nullptr) line_callback.store(callback, std::memory_order_release);
    min_severity.store(min_sev);
    destination.store(dest);
    if (dest == MESOS_SHIM_LOG_CALLBACK) add_sink_once();
    if (glog_initialized()) apply_flags();
    return 0;
#endif
  });
}

}  // extern "C"
