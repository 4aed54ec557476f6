// Error reporting, argument parsing and test support shared by both drivers.
#include <cstdlib>
#include <cstring>

#include <dlfcn.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <mesos/mesos.hpp>

#include "shim.hpp"

// glog's minimum level, a global of the glog inside libmesos (`fLI::FLAGS_minloglevel`). Weak,
// so that a libmesos built without glog's symbols exported still links; then it is left alone.
namespace fLI {
extern int32_t FLAGS_minloglevel __attribute__((weak));
}

namespace mesos_rs {

namespace {

// -1 when `value` is not one of glog's level names or numbers.
int32_t log_level(const char* value) noexcept {
  if (value == nullptr || *value == '\0') return -1;
  if (std::strcmp(value, "INFO") == 0 || std::strcmp(value, "0") == 0) return 0;
  if (std::strcmp(value, "WARNING") == 0 || std::strcmp(value, "1") == 0) return 1;
  if (std::strcmp(value, "ERROR") == 0 || std::strcmp(value, "2") == 0) return 2;
  if (std::strcmp(value, "FATAL") == 0 || std::strcmp(value, "3") == 0) return 3;
  return -1;
}

}  // namespace

void apply_log_level_from_environment() noexcept {
  if (&fLI::FLAGS_minloglevel == nullptr) return;
  int32_t level = log_level(std::getenv("GLOG_minloglevel"));
  if (level < 0) level = log_level(std::getenv("MESOS_LOGGING_LEVEL"));
  if (level >= 0) fLI::FLAGS_minloglevel = level;
}

namespace {

// A malloc'd copy of `s`, or NULL for an empty string or when memory runs out.
char* dup(const char* s) noexcept {
  if (s == nullptr || *s == '\0') return nullptr;
  size_t n = std::strlen(s) + 1;
  char* p = static_cast<char*>(std::malloc(n));
  if (p != nullptr) std::memcpy(p, s, n);
  return p;
}

}  // namespace

int32_t fail(mesos_shim_error* err, int32_t code, int32_t argument, int32_t element,
             const char* type_name, const char* detail) noexcept {
  if (err != nullptr) {
    mesos_shim_error_clear(err);
    err->code = code;
    err->argument = argument;
    err->element = element;
    err->type_name = dup(type_name);
    err->detail = dup(detail);
  }
  return code;
}

int32_t parse(const mesos_bytes& bytes, google::protobuf::Message* msg, mesos_shim_error* err,
           int32_t argument, int32_t element) {
  const std::string& type = msg->GetDescriptor()->full_name();
  if (bytes.data == nullptr && bytes.len != 0) {
    return fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, argument, element, type, "data is NULL");
  }
  if (bytes.len > static_cast<size_t>(INT32_MAX)) {
    return fail(err, MESOS_SHIM_ERR_PARSE, argument, element, type, "message larger than 2 GiB");
  }
  if (!msg->ParsePartialFromArray(bytes.data, static_cast<int>(bytes.len))) {
    return fail(err, MESOS_SHIM_ERR_PARSE, argument, element, type,
                "bytes are not a valid serialized " + type);
  }
  if (!msg->IsInitialized()) {
    return fail(err, MESOS_SHIM_ERR_MISSING_FIELDS, argument, element, type,
                msg->InitializationErrorString());
  }
  return 0;
}

int32_t strings(const mesos_bytes* items, size_t count, std::vector<std::string>* out,
             mesos_shim_error* err, int32_t argument) {
  if (count > 0 && items == nullptr) {
    return fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, argument, -1, "", "list pointer is NULL");
  }
  out->clear();
  out->reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (items[i].data == nullptr && items[i].len != 0) {
      return fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, argument, static_cast<int32_t>(i), "",
                  "string data is NULL");
    }
    out->push_back(to_string(items[i]));
  }
  return 0;
}

std::atomic<bool> probe_enabled{false};
thread_local uint64_t probe_entered_ns = 0;

}  // namespace mesos_rs

extern "C" {

void mesos_shim_probe_enable(int32_t enabled) noexcept {
  mesos_rs::probe_enabled.store(enabled != 0, std::memory_order_relaxed);
}

uint64_t mesos_shim_probe_entered_ns(void) noexcept { return mesos_rs::probe_entered_ns; }

uint64_t mesos_shim_probe_now_ns(void) noexcept { return mesos_rs::monotonic_ns(); }

void mesos_shim_error_clear(mesos_shim_error* err) noexcept {
  if (err == nullptr) return;
  std::free(err->type_name);
  std::free(err->detail);
  err->code = 0;
  err->argument = -1;
  err->element = -1;
  err->type_name = nullptr;
  err->detail = nullptr;
}

const char* mesos_shim_mesos_version(void) noexcept {
#ifdef MESOS_VERSION
  return MESOS_VERSION;
#else
  return "unknown";
#endif
}

const char* mesos_shim_libmesos_file(void) noexcept {
  // A function every libmesos defines (the descriptor accessor of mesos.TaskInfo), looked up
  // by name so that the address is libmesos' own and not a stub in the executable.
  void* symbol = dlsym(RTLD_DEFAULT, "_ZN5mesos8TaskInfo10descriptorEv");
  Dl_info info;
  if (symbol == nullptr || dladdr(symbol, &info) == 0) return nullptr;
  return info.dli_fname;
}

int32_t mesos_shim_reserialize(const char* type_name, mesos_bytes in, int32_t check_required,
                               uint8_t** out, size_t* out_len, mesos_shim_error* err) noexcept {
  return mesos_rs::guarded(err, [&]() -> int32_t {
    if (type_name == nullptr || out == nullptr || out_len == nullptr) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, -1, -1, "", "NULL argument");
    }
    const google::protobuf::Descriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type_name);
    if (descriptor == nullptr) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_UNKNOWN_TYPE, 0, -1, type_name,
                            std::string("libmesos has no message type ") + type_name);
    }
    const google::protobuf::Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor);
    std::unique_ptr<google::protobuf::Message> msg(prototype->New());
    if (check_required) {
      MESOS_RS_TRY(mesos_rs::parse(in, msg.get(), err, 1));
    } else if (!msg->ParsePartialFromArray(in.data, static_cast<int>(in.len))) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_PARSE, 1, -1, type_name,
                            std::string("bytes are not a valid serialized ") + type_name);
    }
    std::string bytes = msg->SerializePartialAsString();
    uint8_t* buf = static_cast<uint8_t*>(std::malloc(bytes.size() == 0 ? 1 : bytes.size()));
    if (buf == nullptr) throw std::bad_alloc();
    std::memcpy(buf, bytes.data(), bytes.size());
    *out = buf;
    *out_len = bytes.size();
    return 0;
  });
}

void mesos_shim_bytes_free(uint8_t* bytes) noexcept { std::free(bytes); }

}  // extern "C"
