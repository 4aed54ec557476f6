/*
 * mesos-rs shim: a C ABI over the libmesos scheduler and executor drivers.
 *
 * Messages cross this boundary as serialized protobuf bytes. Outgoing messages are parsed
 * into libmesos' own message classes and checked (parse errors and missing required fields
 * are reported to the caller, never passed into libmesos). Incoming messages handed to
 * callbacks are serialized by libmesos' classes; the bytes are valid only for the duration
 * of the callback. No C++ exception leaves any function declared here.
 *
 * Threads. Callbacks normally run on a libmesos thread, one at a time, in libmesos' order.
 * But libmesos also reports some errors synchronously, on the caller's thread, before the
 * call returns: the `error` callback may run inside mesos_scheduler_driver_new (a MESOS_*
 * variable libmesos cannot parse), inside mesos_scheduler_driver_start and _run (a master it
 * cannot use, a bad flag, modules it cannot load) and inside mesos_executor_driver_new (a bad
 * MESOS_* variable). A caller must therefore not hold, across those calls, any lock its
 * callbacks take. The shim itself holds none of its own locks while libmesos runs a callback.
 *
 * Return values: a positive value is a mesos::Status (DRIVER_NOT_STARTED = 1,
 * DRIVER_RUNNING = 2, DRIVER_ABORTED = 3, DRIVER_STOPPED = 4); a negative value is one of
 * the MESOS_SHIM_ERR_* codes, with details in the mesos_shim_error passed in (if any).
 */
#ifndef MESOS_RS_SHIM_H
#define MESOS_RS_SHIM_H

#include <stddef.h>
#include <stdint.h>

/* No function of this interface lets a C++ exception escape; C++ sees them as noexcept. */
#ifdef __cplusplus
#define MESOS_SHIM_NOEXCEPT noexcept
#else
#define MESOS_SHIM_NOEXCEPT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (negative) returned by the shim. */
#define MESOS_SHIM_ERR_NULL_ARGUMENT (-1)  /* a required pointer was NULL */
#define MESOS_SHIM_ERR_PARSE (-2)          /* bytes are not a valid serialized message */
#define MESOS_SHIM_ERR_MISSING_FIELDS (-3) /* message lacks required fields; see detail */
#define MESOS_SHIM_ERR_EXCEPTION (-4)      /* a C++ exception was caught; see detail */
#define MESOS_SHIM_ERR_UNSUPPORTED (-5)    /* this libmesos lacks the feature; see detail */
#define MESOS_SHIM_ERR_UNKNOWN_TYPE (-6)   /* no message type of that name in libmesos */
#define MESOS_SHIM_ERR_INVALID_ARGUMENT (-7) /* e.g. a string that must not be empty */
/* The linked libmesos has no such driver call: detail is "<call>@<first release with it>",
 * e.g. "updateFramework@1.9.0". */
#define MESOS_SHIM_ERR_UNSUPPORTED_CALL (-8)

/* Details of a failed call. Zero-initialize before use; release with mesos_shim_error_clear. */
typedef struct mesos_shim_error {
  int32_t code;     /* one of MESOS_SHIM_ERR_*, 0 when no error was recorded */
  int32_t argument; /* 0-based index of the offending argument of the call, -1 if none */
  int32_t element;  /* 0-based index inside a list argument, -1 if none */
  char* type_name;  /* full protobuf name of the message type, e.g. "mesos.TaskInfo", or NULL */
  char* detail;     /* for MISSING_FIELDS: the comma-separated missing field paths */
} mesos_shim_error;

/* Frees the strings of an error and resets it to "no error". Accepts NULL. */
void mesos_shim_error_clear(mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;

/* A borrowed byte buffer: a serialized message or a UTF-8 string. */
typedef struct mesos_bytes {
  const uint8_t* data;
  size_t len;
} mesos_bytes;

/* The Mesos version the shim was compiled against (MESOS_VERSION of its headers). */
const char* mesos_shim_mesos_version(void) MESOS_SHIM_NOEXCEPT;

/* The file the running process loaded libmesos from (e.g. ".../libmesos-1.9.0.so"), as the
 * dynamic loader reports it, or NULL if it cannot tell. The string is static. */
const char* mesos_shim_libmesos_file(void) MESOS_SHIM_NOEXCEPT;

/* Latency probe, for benchmarks (not part of the bindings' API). Once enabled (process-wide,
 * off by default), every scheduler and executor callback records on its own thread the time at
 * which the shim's callback was entered, before anything is serialized. Times are nanoseconds of
 * the monotonic clock (CLOCK_MONOTONIC). Disabled, each callback pays one relaxed atomic load. */
void mesos_shim_probe_enable(int32_t enabled) MESOS_SHIM_NOEXCEPT;
/* The entry time of the callback running on this thread (0 if none was recorded). */
uint64_t mesos_shim_probe_entered_ns(void) MESOS_SHIM_NOEXCEPT;
/* The current time on the same clock. */
uint64_t mesos_shim_probe_now_ns(void) MESOS_SHIM_NOEXCEPT;

/* Non-zero when the linked libmesos contains MesosExecutorDriver. */
int32_t mesos_shim_has_executor_driver(void) MESOS_SHIM_NOEXCEPT;

/* libmesos' own log lines (glog inside libmesos, or the libglog it links).
 *
 * Destinations: MESOS_SHIM_LOG_CALLBACK hands every line to `callback` and writes nothing to
 * stderr (except a FATAL line, right before glog ends the process); MESOS_SHIM_LOG_STDERR
 * writes the lines to stderr in glog's format; MESOS_SHIM_LOG_OFF produces none but FATAL.
 * In every case glog writes no log files unless MESOS_LOG_DIR asks libmesos for them.
 * `min_severity` (0 INFO, 1 WARNING, 2 ERROR, 3 FATAL) is the lowest level produced.
 *
 * The setting holds for the process, from this call on: libmesos sets glog's flags from its
 * own MESOS_* variables when its first driver is created, and every driver creation of the
 * shim (scheduler and executor) applies this setting again right after, and also before, so
 * that nothing is written to stderr before libmesos has initialised glog. Until this is first
 * called, libmesos' own behaviour stands.
 *
 * The callback runs on the thread that logs (any libmesos thread, or a caller's), with glog's
 * lock held: it must return quickly, must not unwind, and must not call anything that can
 * log through glog (no call into the shim or libmesos), or the process deadlocks. `file` is
 * the source file's base name, `message` the line without glog's prefix or final newline;
 * both are valid only during the call. Returns 0, or MESOS_SHIM_ERR_UNSUPPORTED when the
 * shim was built without glog (see mesos-sys' build script). */
#define MESOS_SHIM_LOG_CALLBACK 1
#define MESOS_SHIM_LOG_STDERR 2
#define MESOS_SHIM_LOG_OFF 3
typedef void (*mesos_shim_log_line_fn)(int32_t severity, mesos_bytes file, int32_t line,
                                       mesos_bytes message);
int32_t mesos_shim_log_configure(int32_t destination, int32_t min_severity,
                                 mesos_shim_log_line_fn callback,
                                 mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;

/* ---------------------------------------------------------------------------------------- */
/* Scheduler driver                                                                          */

typedef struct mesos_scheduler_driver mesos_scheduler_driver;

/* Called on a libmesos thread, one at a time, in libmesos' order (and `error` possibly on the
 * caller's thread, see the top of this file). Any entry may be NULL. */
typedef struct mesos_scheduler_callbacks {
  void (*registered)(void* ctx, mesos_bytes framework_id, mesos_bytes master_info);
  void (*reregistered)(void* ctx, mesos_bytes master_info);
  void (*disconnected)(void* ctx);
  void (*resource_offers)(void* ctx, const mesos_bytes* offers, size_t count);
  void (*offer_rescinded)(void* ctx, mesos_bytes offer_id);
  void (*status_update)(void* ctx, mesos_bytes task_status);
  void (*framework_message)(void* ctx, mesos_bytes executor_id, mesos_bytes slave_id,
                            mesos_bytes data);
  void (*slave_lost)(void* ctx, mesos_bytes slave_id);
  void (*executor_lost)(void* ctx, mesos_bytes executor_id, mesos_bytes slave_id,
                        int32_t status);
  void (*error)(void* ctx, mesos_bytes message);
  /* A callback libmesos made that the shim could not pass on: serializing its arguments
   * failed (e.g. out of memory). `callback` is libmesos' method name ("statusUpdate", ...),
   * `reason` what failed; both are valid only during the call. When NULL, the shim writes
   * the same to stderr. */
  void (*dropped)(void* ctx, const char* callback, const char* reason);
} mesos_scheduler_callbacks;

/* How to construct the driver; each field maps onto one of MesosSchedulerDriver's constructors. */
typedef struct mesos_scheduler_options {
  mesos_bytes framework_info;          /* mesos.FrameworkInfo, required */
  mesos_bytes master;                  /* "host:port", "zk://...", "file://...", "local" */
  const mesos_bytes* credential;       /* mesos.Credential, or NULL for none */
  int32_t implicit_acknowledgements;   /* non-zero: libmesos acknowledges status updates */
  int32_t has_suppressed_roles;        /* non-zero: use the suppressed-roles constructor */
  const mesos_bytes* suppressed_roles; /* role names (UTF-8) */
  size_t suppressed_roles_count;
} mesos_scheduler_options;

/* Creates a driver (not started). `callbacks` is copied; `ctx` is passed back to every callback
 * and must stay valid until mesos_scheduler_driver_free returns. NULL on error. With master
 * "local" libmesos starts its in-process cluster here. `error` may be called before this
 * returns (the driver is then DRIVER_ABORTED). */
mesos_scheduler_driver* mesos_scheduler_driver_new(const mesos_scheduler_callbacks* callbacks,
                                                   void* ctx,
                                                   const mesos_scheduler_options* options,
                                                   mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;

/* Stops (if running), waits for libmesos to let go of the callbacks, and frees the driver.
 * After it returns no callback runs. Must not be called from inside a callback. */
void mesos_scheduler_driver_free(mesos_scheduler_driver* driver) MESOS_SHIM_NOEXCEPT;

int32_t mesos_scheduler_driver_start(mesos_scheduler_driver* d,
                                     mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_stop(mesos_scheduler_driver* d, int32_t failover,
                                    mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_abort(mesos_scheduler_driver* d,
                                     mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* Waits until the driver stops or aborts. On a driver that start() never got running (e.g. a
 * master string libmesos cannot use: start() returns DRIVER_ABORTED after the error
 * callback) it returns at once with the status of the last start/stop/abort. */
int32_t mesos_scheduler_driver_join(mesos_scheduler_driver* d,
                                    mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_run(mesos_scheduler_driver* d,
                                   mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* requests: mesos.Request */
int32_t mesos_scheduler_driver_request_resources(mesos_scheduler_driver* d,
                                                 const mesos_bytes* requests, size_t count,
                                                 mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* offer_ids: mesos.OfferID; tasks: mesos.TaskInfo; filters: mesos.Filters or NULL */
int32_t mesos_scheduler_driver_launch_tasks(mesos_scheduler_driver* d,
                                            const mesos_bytes* offer_ids, size_t offer_count,
                                            const mesos_bytes* tasks, size_t task_count,
                                            const mesos_bytes* filters,
                                            mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* The deprecated single-offer overload. */
int32_t mesos_scheduler_driver_launch_tasks_on_offer(mesos_scheduler_driver* d,
                                                     mesos_bytes offer_id,
                                                     const mesos_bytes* tasks, size_t task_count,
                                                     const mesos_bytes* filters,
                                                     mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_kill_task(mesos_scheduler_driver* d, mesos_bytes task_id,
                                         mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* operations: mesos.Offer.Operation */
int32_t mesos_scheduler_driver_accept_offers(mesos_scheduler_driver* d,
                                             const mesos_bytes* offer_ids, size_t offer_count,
                                             const mesos_bytes* operations, size_t op_count,
                                             const mesos_bytes* filters,
                                             mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_decline_offer(mesos_scheduler_driver* d, mesos_bytes offer_id,
                                             const mesos_bytes* filters,
                                             mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_revive_offers(mesos_scheduler_driver* d,
                                             mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_revive_offers_for_roles(mesos_scheduler_driver* d,
                                                       const mesos_bytes* roles, size_t count,
                                                       mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_suppress_offers(mesos_scheduler_driver* d,
                                               mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_suppress_offers_for_roles(mesos_scheduler_driver* d,
                                                         const mesos_bytes* roles, size_t count,
                                                         mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_acknowledge_status_update(mesos_scheduler_driver* d,
                                                         mesos_bytes task_status,
                                                         mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* packed: `count` mesos.TaskStatus (task_id, slave_id, uuid and state are what libmesos reads),
 * one after another, each a 4-byte length in the host's byte order then its bytes; each is
 * acknowledged in turn. A malformed one (its position in `element`) stops the walk there.
 * Any valid encoding is accepted; statuses holding exactly task_id, state, slave_id and uuid,
 * in that order (as the Rust crate writes them), are read without the general parser. */
int32_t mesos_scheduler_driver_acknowledge_status_updates_packed(
    mesos_scheduler_driver* d, mesos_bytes packed, size_t count,
    mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_scheduler_driver_send_framework_message(mesos_scheduler_driver* d,
                                                      mesos_bytes executor_id,
                                                      mesos_bytes slave_id, mesos_bytes data,
                                                      mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* statuses: mesos.TaskStatus; none means implicit reconciliation */
int32_t mesos_scheduler_driver_reconcile_tasks(mesos_scheduler_driver* d,
                                               const mesos_bytes* statuses, size_t count,
                                               mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* Explicit reconciliation of `count` (> 0) statuses packed as for
 * mesos_scheduler_driver_acknowledge_status_updates_packed, handed to libmesos in consecutive
 * requests of at most `part` statuses each, as soon as each is parsed. A malformed status
 * stops the call there (the caller checks the list before, so that nothing is sent). */
int32_t mesos_scheduler_driver_reconcile_tasks_packed(mesos_scheduler_driver* d,
                                                      mesos_bytes packed, size_t count,
                                                      size_t part,
                                                      mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* offer_constraints: mesos.scheduler.OfferConstraints or NULL for none */
int32_t mesos_scheduler_driver_update_framework(mesos_scheduler_driver* d,
                                                mesos_bytes framework_info,
                                                const mesos_bytes* suppressed_roles,
                                                size_t suppressed_roles_count,
                                                const mesos_bytes* offer_constraints,
                                                mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;

/* ---------------------------------------------------------------------------------------- */
/* Executor driver                                                                           */

typedef struct mesos_executor_driver mesos_executor_driver;

/* Called on a libmesos thread, one at a time, in libmesos' order (and `error` possibly on the
 * caller's thread, see the top of this file). Any entry may be NULL. */
typedef struct mesos_executor_callbacks {
  void (*registered)(void* ctx, mesos_bytes executor_info, mesos_bytes framework_info,
                     mesos_bytes slave_info);
  void (*reregistered)(void* ctx, mesos_bytes slave_info);
  void (*disconnected)(void* ctx);
  void (*launch_task)(void* ctx, mesos_bytes task_info);
  void (*kill_task)(void* ctx, mesos_bytes task_id);
  void (*framework_message)(void* ctx, mesos_bytes data);
  void (*shutdown)(void* ctx);
  void (*error)(void* ctx, mesos_bytes message);
  /* As in mesos_scheduler_callbacks. */
  void (*dropped)(void* ctx, const char* callback, const char* reason);
} mesos_executor_callbacks;

/* Creates an executor driver. With has_environment == 0 it reads the agent-provided process
 * environment (as it is now); otherwise it uses the `count` key/value pairs given. Fails with
 * MESOS_SHIM_ERR_UNSUPPORTED when this libmesos has no MesosExecutorDriver. `error` may be
 * called before this returns (a MESOS_* variable libmesos cannot parse; the driver is then
 * DRIVER_ABORTED).
 *
 * libmesos 1.11's MesosExecutorDriver cannot be stopped or destroyed before start() got it
 * running (its destructor and stop() use a process that only start() creates). The shim keeps
 * track: stop() on a driver that never ran answers with its status without calling libmesos,
 * and mesos_executor_driver_free on such a driver releases everything of the shim's but keeps
 * libmesos' driver object (a few hundred bytes) for the rest of the process instead of running
 * its destructor. start() and run() first check the environment the driver will read (see
 * mesos_executor_driver_start). */
mesos_executor_driver* mesos_executor_driver_new(const mesos_executor_callbacks* callbacks,
                                                 void* ctx, int32_t has_environment,
                                                 const mesos_bytes* keys,
                                                 const mesos_bytes* values, size_t count,
                                                 mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* Stops the driver (if it ever ran), waits for libmesos to let go of the callbacks and frees
 * it. Must not be called from inside a callback. */
void mesos_executor_driver_free(mesos_executor_driver* driver) MESOS_SHIM_NOEXCEPT;
/* Starts the driver. libmesos ends the whole process when the environment lacks what an agent
 * provides, so the shim checks it first and fails with MESOS_SHIM_ERR_INVALID_ARGUMENT naming
 * the variable: MESOS_SLAVE_PID (as id@host:port), MESOS_SLAVE_ID, MESOS_FRAMEWORK_ID,
 * MESOS_EXECUTOR_ID and MESOS_DIRECTORY must be set; MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD and,
 * with MESOS_CHECKPOINT=1, MESOS_RECOVERY_TIMEOUT must be durations (e.g. "5secs") if set. */
int32_t mesos_executor_driver_start(mesos_executor_driver* d,
                                    mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_driver_stop(mesos_executor_driver* d,
                                   mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_driver_abort(mesos_executor_driver* d,
                                    mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_driver_join(mesos_executor_driver* d,
                                   mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
/* start() (with its checks), then join(). */
int32_t mesos_executor_driver_run(mesos_executor_driver* d,
                                  mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_driver_send_status_update(mesos_executor_driver* d,
                                                 mesos_bytes task_status,
                                                 mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_driver_send_framework_message(mesos_executor_driver* d,
                                                     mesos_bytes data,
                                                     mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;

/* ---------------------------------------------------------------------------------------- */
/* Test support: reach libmesos' own classes without a running driver                        */

/* Parses `in` as the message type `type_name` (e.g. "mesos.Offer") with libmesos' generated
 * class and serializes it again into a buffer the caller frees with mesos_shim_bytes_free.
 * Fails with MISSING_FIELDS if `check_required` and required fields are absent. */
int32_t mesos_shim_reserialize(const char* type_name, mesos_bytes in, int32_t check_required,
                               uint8_t** out, size_t* out_len,
                               mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
void mesos_shim_bytes_free(uint8_t* bytes) MESOS_SHIM_NOEXCEPT;

/* The shim's C++ executor adapter (the mesos::Executor that forwards to the callbacks) on
 * its own, so that it can be driven without a MesosExecutorDriver. Each call parses its
 * arguments into libmesos' message classes and invokes the adapter's virtual method. */
typedef struct mesos_executor_adapter mesos_executor_adapter;
mesos_executor_adapter* mesos_executor_adapter_new(const mesos_executor_callbacks* callbacks,
                                                   void* ctx) MESOS_SHIM_NOEXCEPT;
void mesos_executor_adapter_free(mesos_executor_adapter* adapter) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_adapter_registered(mesos_executor_adapter* a, mesos_bytes executor_info,
                                          mesos_bytes framework_info, mesos_bytes slave_info,
                                          mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_adapter_reregistered(mesos_executor_adapter* a, mesos_bytes slave_info,
                                            mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_adapter_disconnected(mesos_executor_adapter* a,
                                            mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_adapter_launch_task(mesos_executor_adapter* a, mesos_bytes task_info,
                                           mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_adapter_kill_task(mesos_executor_adapter* a, mesos_bytes task_id,
                                         mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_adapter_framework_message(mesos_executor_adapter* a, mesos_bytes data,
                                                 mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_adapter_shutdown(mesos_executor_adapter* a,
                                        mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;
int32_t mesos_executor_adapter_error(mesos_executor_adapter* a, mesos_bytes message,
                                     mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;

/* An executor driver whose libmesos part is a stand-in that follows the lifecycle rules of
 * libmesos 1.11's MesosExecutorDriver, for testing the shim's own bookkeeping with a libmesos
 * that has no executor driver (the dev kit's). Where libmesos would crash the stand-in aborts
 * the process with a message saying so: a destructor or stop() before start() got it running,
 * and start() without an agent's environment (libmesos exits; the stand-in _exit(70)s). With a
 * non-NULL `constructor_error` its constructor fails as libmesos' does on a bad MESOS_*
 * variable: status DRIVER_ABORTED and the `error` callback, before this returns. Otherwise it
 * reaches no agent: once running it only changes status. Free it with
 * mesos_executor_driver_free; every mesos_executor_driver_* call works on it. */
mesos_executor_driver* mesos_executor_driver_new_standin(const mesos_executor_callbacks* callbacks,
                                                         void* ctx, int32_t has_environment,
                                                         const mesos_bytes* keys,
                                                         const mesos_bytes* values, size_t count,
                                                         const char* constructor_error,
                                                         mesos_shim_error* err) MESOS_SHIM_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* MESOS_RS_SHIM_H */
