// Internal helpers shared by the shim's translation units. Not part of the C ABI.
#ifndef MESOS_RS_SHIM_INTERNAL_HPP
#define MESOS_RS_SHIM_INTERNAL_HPP

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include <mesos/version.hpp>

#include "mesos_c.h"

// The libmesos release the headers describe. An installation's version.hpp defines the numbers
// in the *_NUM macros (MESOS_MINOR_VERSION itself is a string there), and so does the dev kit's.
#if !defined(MESOS_MAJOR_VERSION_NUM) || !defined(MESOS_MINOR_VERSION_NUM)
#error "mesos/version.hpp defines no MESOS_MAJOR_VERSION_NUM/MESOS_MINOR_VERSION_NUM (Mesos < 1.1?)"
#endif
#define MESOS_RS_AT_LEAST(minor) \
  (MESOS_MAJOR_VERSION_NUM > 1 || MESOS_MINOR_VERSION_NUM >= (minor))

namespace mesos_rs {

// Records an error in `err` (if given) and returns its code. Never throws: the strings are
// copied with malloc, and left NULL if that fails. Error paths (catch handlers included) use
// this form, so that reporting an error can never raise a second exception.
int32_t fail(mesos_shim_error* err, int32_t code, int32_t argument, int32_t element,
             const char* type_name, const char* detail) noexcept;

// The same for strings built by the caller (building them may throw; that happens in the
// caller's guarded block, before this is called).
inline int32_t fail(mesos_shim_error* err, int32_t code, int32_t argument, int32_t element,
                    const std::string& type_name, const std::string& detail) noexcept {
  return fail(err, code, argument, element, type_name.c_str(), detail.c_str());
}

// Applies the log level asked for in the environment (`GLOG_minloglevel`, else
// `MESOS_LOGGING_LEVEL`) to glog inside libmesos. glog reads `GLOG_minloglevel` once, when the
// library is loaded, and libmesos logs (its loopback warning, for one) before it initialises
// glog from its own flags: without this, a level set by the program after start-up (as
// `LocalCluster` does) would come too late for those first lines. Never throws.
void apply_log_level_from_environment() noexcept;

// Around every driver construction: applies the destination and level set with
// mesos_shim_log_configure to glog (before: so that nothing reaches stderr until libmesos
// initialises glog; after: over the flags libmesos just set). Without a configuration, the
// first applies the environment's level as above and the second does nothing. Never throw.
void logging_before_driver() noexcept;
void logging_after_driver() noexcept;

// Parses `bytes` into `msg`, checking required fields. Returns 0, or records which argument
// (and which element of a list argument) was wrong and returns the error code.
int32_t parse(const mesos_bytes& bytes, google::protobuf::Message* msg, mesos_shim_error* err,
              int32_t argument, int32_t element = -1);

// Parses a list argument element by element into a vector of T.
template <typename T>
int32_t parse_list(const mesos_bytes* items, size_t count, std::vector<T>* out,
                   mesos_shim_error* err, int32_t argument) {
  if (count > 0 && items == nullptr) {
    return fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, argument, -1, T::descriptor()->full_name(),
                "list pointer is NULL but count is not 0");
  }
  out->resize(count);
  for (size_t i = 0; i < count; ++i) {
    int32_t rc = parse(items[i], &(*out)[i], err, argument, static_cast<int32_t>(i));
    if (rc != 0) return rc;
  }
  return 0;
}

// Returns early from the enclosing function with the error code of a failed step.
#define MESOS_RS_TRY(expr)          \
  do {                              \
    int32_t mesos_rs_rc_ = (expr);  \
    if (mesos_rs_rc_ != 0) return mesos_rs_rc_; \
  } while (0)

// Copies UTF-8 strings given as byte buffers.
int32_t strings(const mesos_bytes* items, size_t count, std::vector<std::string>* out,
                mesos_shim_error* err, int32_t argument);

inline std::string to_string(const mesos_bytes& b) {
  return b.len == 0 ? std::string() : std::string(reinterpret_cast<const char*>(b.data), b.len);
}

inline mesos_bytes view(const std::string& s) {
  mesos_bytes b;
  b.data = reinterpret_cast<const uint8_t*>(s.data());
  b.len = s.size();
  return b;
}

// Runs `body` (which returns an int32_t result), turning any C++ exception into an error.
// Nothing leaves it: the handlers only call the non-throwing `fail`.
template <typename F>
int32_t guarded(mesos_shim_error* err, F body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(err, MESOS_SHIM_ERR_EXCEPTION, -1, -1, "", "out of memory");
  } catch (const std::exception& e) {
    return fail(err, MESOS_SHIM_ERR_EXCEPTION, -1, -1, "", e.what());
  } catch (...) {
    return fail(err, MESOS_SHIM_ERR_EXCEPTION, -1, -1, "", "unknown C++ exception");
  }
}

// The latency probe (see mesos_shim_probe_enable): whether it is on, and the entry time of the
// callback running on this thread.
extern std::atomic<bool> probe_enabled;
extern thread_local uint64_t probe_entered_ns;

inline uint64_t monotonic_ns() noexcept {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Called first thing in every callback.
inline void probe_entry() noexcept {
  if (probe_enabled.load(std::memory_order_relaxed)) probe_entered_ns = monotonic_ns();
}

// Reports a callback the shim could not deliver: to the `dropped` entry of the callback table
// when there is one, else on stderr. Never throws.
inline void report_dropped(void (*dropped)(void*, const char*, const char*), void* ctx,
                           const char* callback, const char* reason) noexcept {
  if (dropped != nullptr) {
    dropped(ctx, callback, reason);
  } else {
    std::fprintf(stderr, "mesos-rs shim: %s callback dropped: %s\n", callback, reason);
  }
}

// Runs a callback forwarder on libmesos' thread. An exception (e.g. out of memory while
// serializing) must not reach libmesos, so the callback is dropped and reported instead.
template <typename F>
void deliver(void (*dropped)(void*, const char*, const char*), void* ctx, const char* callback,
             F body) noexcept {
  try {
    body();
  } catch (const std::bad_alloc&) {
    report_dropped(dropped, ctx, callback, "out of memory");
  } catch (const std::exception& e) {
    report_dropped(dropped, ctx, callback, e.what());
  } catch (...) {
    report_dropped(dropped, ctx, callback, "unknown C++ exception");
  }
}

// The error of a driver call this libmesos does not have: `call` names it, `since` is the first
// Mesos release that has it (the Rust side reads both back from the detail "<call>@<since>").
inline int32_t unsupported_call(mesos_shim_error* err, const char* call,
                                const char* since) noexcept {
  char detail[160];
  std::snprintf(detail, sizeof detail, "%s@%s", call, since);
  return fail(err, MESOS_SHIM_ERR_UNSUPPORTED_CALL, -1, -1, "", detail);
}

// The serialized bytes of a message, for a callback argument: `view(serialized(m))` stays
// valid until the end of the full expression that calls the C function.
inline std::string serialized(const google::protobuf::Message& message) {
  return message.SerializePartialAsString();
}

// What the forwarding mesos::Scheduler (scheduler.cpp) and mesos::Executor (executor.cpp) share:
// the C callback table and its context, the guarded delivery of one callback, and the `error`
// callback with its counting. `Callbacks` is mesos_scheduler_callbacks or
// mesos_executor_callbacks; both have `dropped` and `error(ctx, message)` entries.
template <typename Callbacks>
class Forwarder {
 public:
  Forwarder(const Callbacks& callbacks, void* ctx) : cb_(callbacks), ctx_(ctx) {}

  // Turns counting of `error` callbacks on or off; returns the count so far. Used around
  // libmesos' constructor, which reports errors synchronously on the constructing thread.
  int count_errors(bool on) {
    counting_ = on;
    return errors_;
  }

 protected:
  // Delivers one callback named `name` (libmesos' name, for the drop report) whose table entry
  // is `entry`: nothing when the table has no such entry; otherwise `body` (which serializes
  // the arguments and calls the entry) runs under `deliver`. Never throws.
  template <typename Entry, typename F>
  void forward(Entry entry, const char* name, F body) noexcept {
    probe_entry();
    if (entry == nullptr) return;
    deliver(cb_.dropped, ctx_, name, body);
  }

  // The `error` callback, counted while counting is on.
  void forward_error(const std::string& message) noexcept {
    probe_entry();
    if (counting_) ++errors_;
    if (cb_.error == nullptr) return;
    deliver(cb_.dropped, ctx_, "error", [&] { cb_.error(ctx_, view(message)); });
  }

  Callbacks cb_;
  void* ctx_;

 private:
  bool counting_ = false;
  int errors_ = 0;
};

}  // namespace mesos_rs

#endif
