// Internal helpers shared by the shim's translation units. Not part of the C ABI.
#ifndef MESOS_RS_SHIM_INTERNAL_HPP
#define MESOS_RS_SHIM_INTERNAL_HPP

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "mesos_c.h"

namespace mesos_rs {

// Records an error in `err` (if given) and returns its code.
int32_t fail(mesos_shim_error* err, int32_t code, int32_t argument, int32_t element,
             const std::string& type_name, const std::string& detail);

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
template <typename F>
int32_t guarded(mesos_shim_error* err, F body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(err, MESOS_SHIM_ERR_EXCEPTION, -1, -1, "", e.what());
  } catch (...) {
    return fail(err, MESOS_SHIM_ERR_EXCEPTION, -1, -1, "", "unknown C++ exception");
  }
}

// Runs a callback forwarder; an exception (e.g. out of memory while serializing) must not
// reach libmesos' thread, so it is reported on stderr and the callback is dropped.
template <typename F>
void deliver(const char* callback, F body) {
  try {
    body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mesos-rs shim: %s callback dropped: %s\n", callback, e.what());
  } catch (...) {
    std::fprintf(stderr, "mesos-rs shim: %s callback dropped: unknown exception\n", callback);
  }
}

}  // namespace mesos_rs

#endif
