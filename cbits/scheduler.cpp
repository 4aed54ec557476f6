// The scheduler side of the shim: a mesos::Scheduler that forwards every callback to a C
// function table as serialized bytes, and C entry points for every SchedulerDriver method.
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <mesos/scheduler.hpp>

#include "shim.hpp"

using mesos_rs::guarded;
using mesos_rs::parse;
using mesos_rs::parse_list;
using mesos_rs::serialized;
using mesos_rs::view;

namespace {

class ForwardingScheduler : public mesos::Scheduler,
                            public mesos_rs::Forwarder<mesos_scheduler_callbacks> {
 public:
  ForwardingScheduler(const mesos_scheduler_callbacks& callbacks, void* ctx)
      : Forwarder(callbacks, ctx) {}

  void registered(mesos::SchedulerDriver*, const mesos::FrameworkID& frameworkId,
                  const mesos::MasterInfo& masterInfo) override {
    forward(cb_.registered, "registered", [&] {
      cb_.registered(ctx_, view(serialized(frameworkId)), view(serialized(masterInfo)));
    });
  }

  void reregistered(mesos::SchedulerDriver*, const mesos::MasterInfo& masterInfo) override {
    forward(cb_.reregistered, "reregistered",
            [&] { cb_.reregistered(ctx_, view(serialized(masterInfo))); });
  }

  void disconnected(mesos::SchedulerDriver*) override {
    forward(cb_.disconnected, "disconnected", [&] { cb_.disconnected(ctx_); });
  }

  void resourceOffers(mesos::SchedulerDriver*, const std::vector<mesos::Offer>& offers) override {
    forward(cb_.resource_offers, "resourceOffers", [&] {
      std::vector<std::string> bytes(offers.size());
      std::vector<mesos_bytes> views(offers.size());
      for (size_t i = 0; i < offers.size(); ++i) {
        offers[i].SerializePartialToString(&bytes[i]);
        views[i] = view(bytes[i]);
      }
      cb_.resource_offers(ctx_, views.data(), views.size());
    });
  }

  void offerRescinded(mesos::SchedulerDriver*, const mesos::OfferID& offerId) override {
    forward(cb_.offer_rescinded, "offerRescinded",
            [&] { cb_.offer_rescinded(ctx_, view(serialized(offerId))); });
  }

  void statusUpdate(mesos::SchedulerDriver*, const mesos::TaskStatus& status) override {
    forward(cb_.status_update, "statusUpdate",
            [&] { cb_.status_update(ctx_, view(serialized(status))); });
  }

  void frameworkMessage(mesos::SchedulerDriver*, const mesos::ExecutorID& executorId,
                        const mesos::SlaveID& slaveId, const std::string& data) override {
    forward(cb_.framework_message, "frameworkMessage", [&] {
      cb_.framework_message(ctx_, view(serialized(executorId)), view(serialized(slaveId)),
                            view(data));
    });
  }

  void slaveLost(mesos::SchedulerDriver*, const mesos::SlaveID& slaveId) override {
    forward(cb_.slave_lost, "slaveLost", [&] { cb_.slave_lost(ctx_, view(serialized(slaveId))); });
  }

  void executorLost(mesos::SchedulerDriver*, const mesos::ExecutorID& executorId,
                    const mesos::SlaveID& slaveId, int status) override {
    forward(cb_.executor_lost, "executorLost", [&] {
      cb_.executor_lost(ctx_, view(serialized(executorId)), view(serialized(slaveId)), status);
    });
  }

  void error(mesos::SchedulerDriver*, const std::string& message) override {
    forward_error(message);
  }
};

int32_t null_driver(mesos_shim_error* err) {
  return mesos_rs::fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, 0, -1, "", "driver is NULL");
}

// Parses an optional Filters argument (NULL means libmesos' default filters).
int32_t optional_filters(const mesos_bytes* filters, mesos::Filters* out, mesos_shim_error* err,
                         int32_t argument) {
  return filters == nullptr ? 0 : parse(*filters, out, err, argument);
}

// Reads a varint of at most 64 bits at `*p` (before `end`), advancing `*p`; false if the
// bytes end first or the varint is longer than 10 bytes.
bool read_varint(const uint8_t** p, const uint8_t* end, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

// Reads a length-delimited field's length at `*p` and checks that many bytes follow;
// `*data` is where they start, and `*p` moves past them.
bool read_delimited(const uint8_t** p, const uint8_t* end, const uint8_t** data, size_t* len) {
  uint64_t n = 0;
  if (!read_varint(p, end, &n) || n > static_cast<uint64_t>(end - *p)) return false;
  *data = *p;
  *len = static_cast<size_t>(n);
  *p += n;
  return true;
}

// An ID message (TaskID, SlaveID: `required string value = 1`) written with its one field
// and nothing else; `*value` is that field's bytes.
bool read_id(const uint8_t* p, size_t len, const uint8_t** value, size_t* value_len) {
  const uint8_t* end = p + len;
  if (p == end || *p++ != ((1 << 3) | 2)) return false;
  return read_delimited(&p, end, value, value_len) && p == end;
}

// The quick way for the statuses the crate packs: a TaskStatus holding exactly `task_id`,
// `state` and optionally `slave_id` and `uuid`, once each and in that order, as the crate
// writes them. Sets `*out` to it and returns true; returns false (with `*out` unspecified)
// for anything else, which then goes to the full parser: that one accepts every valid
// encoding and names what is wrong with a bad one.
bool read_packed_status(const uint8_t* p, size_t len, mesos::TaskStatus* out) {
  const uint8_t* end = p + len;
  const uint8_t* field = nullptr;
  size_t field_len = 0;
  const uint8_t* id = nullptr;
  size_t id_len = 0;
  uint64_t state = 0;
  // task_id (1), required.
  if (p == end || *p++ != ((1 << 3) | 2) || !read_delimited(&p, end, &field, &field_len) ||
      !read_id(field, field_len, &id, &id_len)) {
    return false;
  }
  // state (2), required, a TaskState.
  if (p == end || *p++ != (2 << 3) || !read_varint(&p, end, &state) ||
      state > static_cast<uint64_t>(INT32_MAX) ||
      !mesos::TaskState_IsValid(static_cast<int>(state))) {
    return false;
  }
  out->Clear();
  out->mutable_task_id()->mutable_value()->assign(reinterpret_cast<const char*>(id), id_len);
  out->set_state(static_cast<mesos::TaskState>(state));
  // slave_id (5), optional.
  if (p != end && *p == ((5 << 3) | 2)) {
    ++p;
    if (!read_delimited(&p, end, &field, &field_len) || !read_id(field, field_len, &id, &id_len)) {
      return false;
    }
    out->mutable_slave_id()->mutable_value()->assign(reinterpret_cast<const char*>(id), id_len);
  }
  // uuid (11), optional.
  if (p != end && *p == ((11 << 3) | 2)) {
    ++p;
    if (!read_delimited(&p, end, &field, &field_len)) return false;
    out->set_uuid(field, field_len);
  }
  return p == end;
}

// Walks `count` statuses packed one after another in `packed` (each a 4-byte length in the
// host's byte order, then that many bytes of a serialized mesos.TaskStatus): parses status
// `i` into `*slot()` (a message reused from one status to the next keeps its allocations),
// then calls `done(i)`. Stops at the first status that is malformed or lacks a required field
// (naming its position) and at the first non-zero result of `done`, and returns that code.
template <typename Slot, typename Done>
int32_t each_packed(const mesos_bytes& packed, size_t count, mesos_shim_error* err,
                    int32_t argument, Slot slot, Done done) {
  static const char kType[] = "mesos.TaskStatus";
  if (packed.data == nullptr && packed.len != 0) {
    return mesos_rs::fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, argument, -1, kType, "data is NULL");
  }
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) {
    uint32_t len = 0;
    if (packed.len - at < sizeof len) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_PARSE, argument, static_cast<int32_t>(i), kType,
                            "the packed list ends before this status");
    }
    std::memcpy(&len, packed.data + at, sizeof len);
    at += sizeof len;
    if (packed.len - at < len) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_PARSE, argument, static_cast<int32_t>(i), kType,
                            "the packed list ends inside this status");
    }
    mesos_bytes one{packed.data + at, len};
    at += len;
    mesos::TaskStatus* status = slot();
    if (!read_packed_status(one.data, one.len, status)) {
      MESOS_RS_TRY(parse(one, status, err, argument, static_cast<int32_t>(i)));
    }
    MESOS_RS_TRY(done(i));
  }
  if (at != packed.len) {
    return mesos_rs::fail(err, MESOS_SHIM_ERR_PARSE, argument, -1, kType,
                          "bytes left after the last status of the packed list");
  }
  return 0;
}

}  // namespace

struct mesos_scheduler_driver {
  std::unique_ptr<ForwardingScheduler> scheduler;
  std::unique_ptr<mesos::MesosSchedulerDriver> driver;
  // libmesos' join() fails a CHECK (and kills the process) on a driver whose start() never
  // got it running (e.g. a master string it cannot use) once stop() was called on it. So
  // join() is only passed on after start() returned DRIVER_RUNNING at least once; before
  // that it answers with the status libmesos last returned from start/stop/abort.
  std::atomic<bool> ran{false};
  std::atomic<int32_t> last{mesos::DRIVER_NOT_STARTED};

  int32_t record(int32_t status) {
    if (status == mesos::DRIVER_RUNNING) ran.store(true);
    last.store(status);
    return status;
  }
};

extern "C" {

mesos_scheduler_driver* mesos_scheduler_driver_new(const mesos_scheduler_callbacks* callbacks,
                                                   void* ctx,
                                                   const mesos_scheduler_options* options,
                                                   mesos_shim_error* err) noexcept {
  mesos_scheduler_driver* result = nullptr;
  guarded(err, [&]() -> int32_t {
    if (callbacks == nullptr || options == nullptr) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, callbacks == nullptr ? 0 : 2,
                            -1, "", "callbacks and options must not be NULL");
    }
    mesos::FrameworkInfo framework;
    MESOS_RS_TRY(parse(options->framework_info, &framework, err, 0));
    if (options->master.len == 0 || options->master.data == nullptr) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_INVALID_ARGUMENT, 1, -1, "",
                            "master must not be empty");
    }
    std::string master = mesos_rs::to_string(options->master);
    if (master.find('\0') != std::string::npos) {
      // libmesos would read the string only up to the NUL and connect somewhere else.
      return mesos_rs::fail(err, MESOS_SHIM_ERR_INVALID_ARGUMENT, 1, -1, "",
                            "master must not contain a NUL byte");
    }
    mesos::Credential credential;
    bool has_credential = options->credential != nullptr;
    if (has_credential) MESOS_RS_TRY(parse(*options->credential, &credential, err, 2));
    std::vector<std::string> roles;
    MESOS_RS_TRY(mesos_rs::strings(options->suppressed_roles, options->suppressed_roles_count,
                                   &roles, err, 4));
    bool implicit = options->implicit_acknowledgements != 0;
#if !MESOS_RS_AT_LEAST(9)
    if (options->has_suppressed_roles) {
      return mesos_rs::unsupported_call(err, "MesosSchedulerDriver(suppressedRoles)", "1.9.0");
    }
#endif

    mesos_rs::logging_before_driver();
    std::unique_ptr<mesos_scheduler_driver> d(new mesos_scheduler_driver);
    d->scheduler.reset(new ForwardingScheduler(*callbacks, ctx));
    d->scheduler->count_errors(true);
    mesos::Scheduler* s = d->scheduler.get();
    if (options->has_suppressed_roles) {
#if MESOS_RS_AT_LEAST(9)
      d->driver.reset(has_credential
                          ? new mesos::MesosSchedulerDriver(s, framework, roles, master, implicit,
                                                            credential)
                          : new mesos::MesosSchedulerDriver(s, framework, roles, master,
                                                            implicit));
#endif
    } else {
      d->driver.reset(has_credential
                          ? new mesos::MesosSchedulerDriver(s, framework, master, implicit,
                                                            credential)
                          : new mesos::MesosSchedulerDriver(s, framework, master, implicit));
    }
    mesos_rs::logging_after_driver();
    // A MESOS_* variable libmesos cannot parse aborts the driver in its constructor.
    if (d->scheduler->count_errors(false) > 0) d->last.store(mesos::DRIVER_ABORTED);
    result = d.release();
    return 0;
  });
  return result;
}

void mesos_scheduler_driver_free(mesos_scheduler_driver* d) noexcept {
  if (d == nullptr) return;
  try {
    // Destroying libmesos' driver stops it and waits for its process to finish, so no
    // callback can reach the forwarding scheduler once this returns.
    d->driver.reset();
    d->scheduler.reset();
    delete d;
  } catch (...) {
    std::fprintf(stderr, "mesos-rs shim: exception while freeing a scheduler driver\n");
  }
}

#define MESOS_RS_DRIVER_CALL(d, err, body)             \
  guarded(err, [&]() -> int32_t {                      \
    if ((d) == nullptr || !(d)->driver) return null_driver(err); \
    body                                               \
  })

int32_t mesos_scheduler_driver_start(mesos_scheduler_driver* d, mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, { return d->record(d->driver->start()); });
}

int32_t mesos_scheduler_driver_stop(mesos_scheduler_driver* d, int32_t failover,
                                    mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, { return d->record(d->driver->stop(failover != 0)); });
}

int32_t mesos_scheduler_driver_abort(mesos_scheduler_driver* d, mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, { return d->record(d->driver->abort()); });
}

int32_t mesos_scheduler_driver_join(mesos_scheduler_driver* d, mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    if (!d->ran.load()) return d->last.load();
    return d->driver->join();
  });
}

int32_t mesos_scheduler_driver_run(mesos_scheduler_driver* d, mesos_shim_error* err) noexcept {
  // libmesos' run() is start() followed by join(); done here step by step so that the
  // outcome of start() is recorded for join() (see mesos_scheduler_driver::ran).
  return MESOS_RS_DRIVER_CALL(d, err, {
    int32_t status = d->record(d->driver->start());
    if (status != mesos::DRIVER_RUNNING) return status;
    return d->driver->join();
  });
}

int32_t mesos_scheduler_driver_request_resources(mesos_scheduler_driver* d,
                                                 const mesos_bytes* requests, size_t count,
                                                 mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    std::vector<mesos::Request> list;
    MESOS_RS_TRY(parse_list(requests, count, &list, err, 1));
    return d->driver->requestResources(list);
  });
}

int32_t mesos_scheduler_driver_launch_tasks(mesos_scheduler_driver* d,
                                            const mesos_bytes* offer_ids, size_t offer_count,
                                            const mesos_bytes* tasks, size_t task_count,
                                            const mesos_bytes* filters, mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    std::vector<mesos::OfferID> offers;
    std::vector<mesos::TaskInfo> infos;
    mesos::Filters f;
    MESOS_RS_TRY(parse_list(offer_ids, offer_count, &offers, err, 1));
    MESOS_RS_TRY(parse_list(tasks, task_count, &infos, err, 2));
    MESOS_RS_TRY(optional_filters(filters, &f, err, 3));
    return d->driver->launchTasks(offers, infos, f);
  });
}

int32_t mesos_scheduler_driver_launch_tasks_on_offer(mesos_scheduler_driver* d,
                                                     mesos_bytes offer_id,
                                                     const mesos_bytes* tasks, size_t task_count,
                                                     const mesos_bytes* filters,
                                                     mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    mesos::OfferID offer;
    std::vector<mesos::TaskInfo> infos;
    mesos::Filters f;
    MESOS_RS_TRY(parse(offer_id, &offer, err, 1));
    MESOS_RS_TRY(parse_list(tasks, task_count, &infos, err, 2));
    MESOS_RS_TRY(optional_filters(filters, &f, err, 3));
    return d->driver->launchTasks(offer, infos, f);
  });
}

int32_t mesos_scheduler_driver_kill_task(mesos_scheduler_driver* d, mesos_bytes task_id,
                                         mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    mesos::TaskID id;
    MESOS_RS_TRY(parse(task_id, &id, err, 1));
    return d->driver->killTask(id);
  });
}

int32_t mesos_scheduler_driver_accept_offers(mesos_scheduler_driver* d,
                                             const mesos_bytes* offer_ids, size_t offer_count,
                                             const mesos_bytes* operations, size_t op_count,
                                             const mesos_bytes* filters, mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    std::vector<mesos::OfferID> offers;
    std::vector<mesos::Offer::Operation> ops;
    mesos::Filters f;
    MESOS_RS_TRY(parse_list(offer_ids, offer_count, &offers, err, 1));
    MESOS_RS_TRY(parse_list(operations, op_count, &ops, err, 2));
    MESOS_RS_TRY(optional_filters(filters, &f, err, 3));
    return d->driver->acceptOffers(offers, ops, f);
  });
}

int32_t mesos_scheduler_driver_decline_offer(mesos_scheduler_driver* d, mesos_bytes offer_id,
                                             const mesos_bytes* filters, mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    mesos::OfferID offer;
    mesos::Filters f;
    MESOS_RS_TRY(parse(offer_id, &offer, err, 1));
    MESOS_RS_TRY(optional_filters(filters, &f, err, 2));
    return d->driver->declineOffer(offer, f);
  });
}

int32_t mesos_scheduler_driver_revive_offers(mesos_scheduler_driver* d, mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, { return d->driver->reviveOffers(); });
}

// reviveOffers or suppressOffers for a list of roles (Mesos 1.9 and newer).
static int32_t offers_for_roles(mesos_scheduler_driver* d, bool revive, const mesos_bytes* roles,
                                size_t count, mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    std::vector<std::string> names;
    MESOS_RS_TRY(mesos_rs::strings(roles, count, &names, err, 1));
#if MESOS_RS_AT_LEAST(9)
    return revive ? d->driver->reviveOffers(names) : d->driver->suppressOffers(names);
#else
    return mesos_rs::unsupported_call(
        err, revive ? "reviveOffers(roles)" : "suppressOffers(roles)", "1.9.0");
#endif
  });
}

int32_t mesos_scheduler_driver_revive_offers_for_roles(mesos_scheduler_driver* d,
                                                       const mesos_bytes* roles, size_t count,
                                                       mesos_shim_error* err) noexcept {
  return offers_for_roles(d, true, roles, count, err);
}

int32_t mesos_scheduler_driver_suppress_offers(mesos_scheduler_driver* d,
                                               mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, { return d->driver->suppressOffers(); });
}

int32_t mesos_scheduler_driver_suppress_offers_for_roles(mesos_scheduler_driver* d,
                                                         const mesos_bytes* roles, size_t count,
                                                         mesos_shim_error* err) noexcept {
  return offers_for_roles(d, false, roles, count, err);
}

int32_t mesos_scheduler_driver_acknowledge_status_update(mesos_scheduler_driver* d,
                                                         mesos_bytes task_status,
                                                         mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    mesos::TaskStatus status;
    MESOS_RS_TRY(parse(task_status, &status, err, 1));
    return d->driver->acknowledgeStatusUpdate(status);
  });
}

int32_t mesos_scheduler_driver_acknowledge_status_updates_packed(mesos_scheduler_driver* d,
                                                                 mesos_bytes packed, size_t count,
                                                                 mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    mesos::TaskStatus status;
    MESOS_RS_TRY(each_packed(packed, count, err, 1, [&] { return &status; }, [&](size_t) {
      int32_t s = d->driver->acknowledgeStatusUpdate(status);
      return s == mesos::DRIVER_RUNNING ? 0 : s;
    }));
    return mesos::DRIVER_RUNNING;
  });
}

int32_t mesos_scheduler_driver_send_framework_message(mesos_scheduler_driver* d,
                                                      mesos_bytes executor_id,
                                                      mesos_bytes slave_id, mesos_bytes data,
                                                      mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    mesos::ExecutorID executor;
    mesos::SlaveID slave;
    MESOS_RS_TRY(parse(executor_id, &executor, err, 1));
    MESOS_RS_TRY(parse(slave_id, &slave, err, 2));
    if (data.data == nullptr && data.len != 0) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_NULL_ARGUMENT, 3, -1, "", "data is NULL");
    }
    return d->driver->sendFrameworkMessage(executor, slave, mesos_rs::to_string(data));
  });
}

int32_t mesos_scheduler_driver_reconcile_tasks(mesos_scheduler_driver* d,
                                               const mesos_bytes* statuses, size_t count,
                                               mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    std::vector<mesos::TaskStatus> list;
    MESOS_RS_TRY(parse_list(statuses, count, &list, err, 1));
    return d->driver->reconcileTasks(list);
  });
}

int32_t mesos_scheduler_driver_reconcile_tasks_packed(mesos_scheduler_driver* d,
                                                      mesos_bytes packed, size_t count,
                                                      size_t part, mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
    if (count == 0 || part == 0) {
      return mesos_rs::fail(err, MESOS_SHIM_ERR_INVALID_ARGUMENT, count == 0 ? 2 : 3, -1, "",
                            "count and part must not be 0");
    }
    // One part's statuses, parsed into again for every part and kept by the calling thread
    // for its next call, so that the only allocations per status are those of libmesos' own
    // copy.
    static thread_local std::vector<mesos::TaskStatus> list;
    list.resize(count < part ? count : part);
    size_t filled = 0;
    MESOS_RS_TRY(each_packed(packed, count, err, 1, [&] { return &list[filled]; },
                             [&](size_t i) {
      if (++filled < list.size() && i + 1 < count) return 0;
      list.resize(filled);
      filled = 0;
      int32_t s = d->driver->reconcileTasks(list);
      return s == mesos::DRIVER_RUNNING ? 0 : s;
    }));
    return mesos::DRIVER_RUNNING;
  });
}

int32_t mesos_scheduler_driver_update_framework(mesos_scheduler_driver* d,
                                                mesos_bytes framework_info,
                                                const mesos_bytes* suppressed_roles,
                                                size_t suppressed_roles_count,
                                                const mesos_bytes* offer_constraints,
                                                mesos_shim_error* err) noexcept {
  return MESOS_RS_DRIVER_CALL(d, err, {
#if MESOS_RS_AT_LEAST(9)
    mesos::FrameworkInfo framework;
    std::vector<std::string> roles;
    MESOS_RS_TRY(parse(framework_info, &framework, err, 1));
    MESOS_RS_TRY(mesos_rs::strings(suppressed_roles, suppressed_roles_count, &roles, err, 2));
#if MESOS_RS_AT_LEAST(11)
    mesos::scheduler::OfferConstraints constraints;
    if (offer_constraints != nullptr) MESOS_RS_TRY(parse(*offer_constraints, &constraints, err, 3));
    return d->driver->updateFramework(framework, roles, std::move(constraints));
#else
    // Before 1.11 there is nothing to pass constraints to: refused rather than dropped.
    if (offer_constraints != nullptr) {
      return mesos_rs::unsupported_call(err, "updateFramework(offerConstraints)", "1.11.0");
    }
    return d->driver->updateFramework(framework, roles);
#endif
#else
    return mesos_rs::unsupported_call(err, "updateFramework", "1.9.0");
#endif
  });
}

}  // extern "C"
