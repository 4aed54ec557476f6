//! Task states and status updates: which states are final, and a short way to build the
//! [`TaskStatus`] an executor sends.
//!
//! ```
//! use mesos::ids::task_id;
//! use mesos::task_status::{is_terminal, task_status};
//! use mesos::types::TaskState;
//!
//! let update = task_status(&task_id("t1"), TaskState::TASK_FAILED).with_message("exit code 2");
//! assert!(is_terminal(update.state()));
//! assert!(update.is_terminal());
//! assert_eq!(update.message(), "exit code 2");
//! ```

use protobuf::MessageField;

use crate::types::task_status::{Reason, Source};
use crate::types::{ExecutorID, SlaveID, TaskID, TaskState, TaskStatus};

/// Every task state, in the order a task usually goes through them.
pub const ALL_STATES: [TaskState; 14] = [
    TaskState::TASK_STAGING,
    TaskState::TASK_STARTING,
    TaskState::TASK_RUNNING,
    TaskState::TASK_KILLING,
    TaskState::TASK_FINISHED,
    TaskState::TASK_FAILED,
    TaskState::TASK_KILLED,
    TaskState::TASK_ERROR,
    TaskState::TASK_LOST,
    TaskState::TASK_DROPPED,
    TaskState::TASK_UNREACHABLE,
    TaskState::TASK_GONE,
    TaskState::TASK_GONE_BY_OPERATOR,
    TaskState::TASK_UNKNOWN,
];

/// Whether `state` is final: the task will never run again and no further update follows
/// (`TASK_FINISHED`, `TASK_FAILED`, `TASK_KILLED`, `TASK_ERROR`, `TASK_LOST`,
/// `TASK_DROPPED`, `TASK_GONE`, `TASK_GONE_BY_OPERATOR`).
///
/// `TASK_UNREACHABLE` and `TASK_UNKNOWN` are not terminal: the task may still turn up.
///
/// ```
/// use mesos::task_status::is_terminal;
/// use mesos::types::TaskState;
/// assert!(is_terminal(TaskState::TASK_FINISHED));
/// assert!(is_terminal(TaskState::TASK_LOST));
/// assert!(!is_terminal(TaskState::TASK_RUNNING));
/// assert!(!is_terminal(TaskState::TASK_UNREACHABLE));
/// ```
pub fn is_terminal(state: TaskState) -> bool {
    matches!(
        state,
        TaskState::TASK_FINISHED
            | TaskState::TASK_FAILED
            | TaskState::TASK_KILLED
            | TaskState::TASK_ERROR
            | TaskState::TASK_LOST
            | TaskState::TASK_DROPPED
            | TaskState::TASK_GONE
            | TaskState::TASK_GONE_BY_OPERATOR
    )
}

/// Whether `state` is one of a task that is being launched, is running or is being killed
/// (`TASK_STAGING`, `TASK_STARTING`, `TASK_RUNNING`, `TASK_KILLING`).
///
/// ```
/// use mesos::task_status::is_active;
/// use mesos::types::TaskState;
/// assert!(is_active(TaskState::TASK_STAGING));
/// assert!(is_active(TaskState::TASK_KILLING));
/// assert!(!is_active(TaskState::TASK_FINISHED));
/// assert!(!is_active(TaskState::TASK_UNREACHABLE));
/// ```
pub fn is_active(state: TaskState) -> bool {
    matches!(
        state,
        TaskState::TASK_STAGING
            | TaskState::TASK_STARTING
            | TaskState::TASK_RUNNING
            | TaskState::TASK_KILLING
    )
}

/// Whether the state of `status` is final (see [`is_terminal`]).
///
/// ```
/// use mesos::ids::task_id;
/// use mesos::task_status::{is_terminal_status, task_status};
/// use mesos::types::TaskState;
/// assert!(is_terminal_status(&task_status(&task_id("t"), TaskState::TASK_KILLED)));
/// ```
pub fn is_terminal_status(status: &TaskStatus) -> bool {
    is_terminal(status.state())
}

/// Whether the state of `status` is an active one (see [`is_active`]).
///
/// ```
/// use mesos::ids::task_id;
/// use mesos::task_status::{is_active_status, task_status};
/// use mesos::types::TaskState;
/// assert!(is_active_status(&task_status(&task_id("t"), TaskState::TASK_RUNNING)));
/// ```
pub fn is_active_status(status: &TaskStatus) -> bool {
    is_active(status.state())
}

/// A status update for the task `task_id`, now in `state`, with nothing else set
/// (hs-mesos' `taskStatus`). Add details with the `with_*` methods of [`TaskStatus`].
///
/// ```
/// use mesos::ids::task_id;
/// use mesos::task_status::task_status;
/// use mesos::types::TaskState;
/// let s = task_status(&task_id("web-1"), TaskState::TASK_RUNNING);
/// assert_eq!(s.task_id.value(), "web-1");
/// assert_eq!(s.state(), TaskState::TASK_RUNNING);
/// assert!(!s.has_message());
/// ```
pub fn task_status(task_id: &TaskID, state: TaskState) -> TaskStatus {
    let mut status = TaskStatus::new();
    status.task_id = MessageField::some(task_id.clone());
    status.set_state(state);
    status
}

/// The reason given for the state change of `status`, `None` when none was given.
///
/// Read a status' reason through this (or [`TaskStatus::reason_if_set`]), not through the
/// generated `status.reason()`: protobuf reads an unset enum field as the enum's first value,
/// and `Reason`'s is `REASON_COMMAND_EXECUTOR_FAILED`, so every update without a reason
/// would look like a failure. A number this version of the messages does not know is `None`
/// too (the raw field `status.reason` keeps it).
///
/// ```
/// use mesos::{ids::task_id, task_status::{reason, task_status}};
/// use mesos::types::{task_status::Reason, TaskState};
/// let plain = task_status(&task_id("t"), TaskState::TASK_RUNNING);
/// assert_eq!(reason(&plain), None);
/// assert_eq!(plain.reason(), Reason::REASON_COMMAND_EXECUTOR_FAILED); // the trap
/// let oom = plain.with_reason(Reason::REASON_CONTAINER_LIMITATION_MEMORY);
/// assert_eq!(reason(&oom), Some(Reason::REASON_CONTAINER_LIMITATION_MEMORY));
/// ```
pub fn reason(status: &TaskStatus) -> Option<Reason> {
    status.reason.and_then(|r| r.enum_value().ok())
}

/// Who sent `status` (master, agent or executor), `None` when that is not said (the
/// generated `status.source()` reads an unset source as `SOURCE_MASTER`).
///
/// ```
/// use mesos::{ids::task_id, task_status::{source, task_status}};
/// use mesos::types::{task_status::Source, TaskState};
/// let s = task_status(&task_id("t"), TaskState::TASK_RUNNING);
/// assert_eq!(source(&s), None);
/// assert_eq!(source(&s.with_source(Source::SOURCE_EXECUTOR)), Some(Source::SOURCE_EXECUTOR));
/// ```
pub fn source(status: &TaskStatus) -> Option<Source> {
    status.source.and_then(|s| s.enum_value().ok())
}

/// Predicates on task states, callable as methods.
impl TaskState {
    /// Whether this state is final (see [`is_terminal`]).
    ///
    /// ```
    /// use mesos::types::TaskState;
    /// assert!(TaskState::TASK_GONE.is_terminal());
    /// ```
    pub fn is_terminal(self) -> bool {
        is_terminal(self)
    }

    /// Whether this state is an active one (see [`is_active`]).
    ///
    /// ```
    /// use mesos::types::TaskState;
    /// assert!(TaskState::TASK_STARTING.is_active());
    /// ```
    pub fn is_active(self) -> bool {
        is_active(self)
    }
}

/// Predicates and builder methods for status updates; start from [`task_status`].
impl TaskStatus {
    /// Whether the state of this update is final (see [`is_terminal`]).
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status, types::TaskState};
    /// assert!(task_status(&task_id("t"), TaskState::TASK_ERROR).is_terminal());
    /// ```
    pub fn is_terminal(&self) -> bool {
        is_terminal_status(self)
    }

    /// Whether the state of this update is an active one (see [`is_active`]).
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status, types::TaskState};
    /// assert!(task_status(&task_id("t"), TaskState::TASK_RUNNING).is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        is_active_status(self)
    }

    /// The reason given for the state change, `None` when none was given (see [`reason`]:
    /// prefer this to the generated `reason()`, which reads an unset reason as
    /// `REASON_COMMAND_EXECUTOR_FAILED`).
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status, types::TaskState};
    /// assert_eq!(task_status(&task_id("t"), TaskState::TASK_FINISHED).reason_if_set(), None);
    /// ```
    pub fn reason_if_set(&self) -> Option<Reason> {
        reason(self)
    }

    /// Who sent the update, `None` when that is not said (see [`source`]).
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status, types::TaskState};
    /// assert_eq!(task_status(&task_id("t"), TaskState::TASK_RUNNING).source_if_set(), None);
    /// ```
    pub fn source_if_set(&self) -> Option<Source> {
        source(self)
    }

    /// Sets the human-readable message.
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status, types::TaskState};
    /// let s = task_status(&task_id("t"), TaskState::TASK_FAILED).with_message("oom");
    /// assert_eq!(s.message(), "oom");
    /// ```
    pub fn with_message(mut self, message: impl Into<String>) -> TaskStatus {
        self.set_message(message.into());
        self
    }

    /// Sets the reason for the state change.
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status};
    /// use mesos::types::{task_status::Reason, TaskState};
    /// let s = task_status(&task_id("t"), TaskState::TASK_FAILED)
    ///     .with_reason(Reason::REASON_CONTAINER_LIMITATION_MEMORY);
    /// assert_eq!(s.reason(), Reason::REASON_CONTAINER_LIMITATION_MEMORY);
    /// ```
    pub fn with_reason(mut self, reason: Reason) -> TaskStatus {
        self.set_reason(reason);
        self
    }

    /// Sets who produced the update (master, agent or executor).
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status};
    /// use mesos::types::{task_status::Source, TaskState};
    /// let s = task_status(&task_id("t"), TaskState::TASK_RUNNING)
    ///     .with_source(Source::SOURCE_EXECUTOR);
    /// assert_eq!(s.source(), Source::SOURCE_EXECUTOR);
    /// ```
    pub fn with_source(mut self, source: Source) -> TaskStatus {
        self.set_source(source);
        self
    }

    /// Sets the opaque data the executor passes to the scheduler.
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status, types::TaskState};
    /// let s = task_status(&task_id("t"), TaskState::TASK_RUNNING).with_data(b"port=8080");
    /// assert_eq!(s.data(), b"port=8080");
    /// ```
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> TaskStatus {
        self.set_data(data.into());
        self
    }

    /// Sets the agent (slave) the task runs on.
    ///
    /// ```
    /// use mesos::{ids::{agent_id, task_id}, task_status::task_status, types::TaskState};
    /// let s = task_status(&task_id("t"), TaskState::TASK_RUNNING).with_agent_id(&agent_id("S0"));
    /// assert_eq!(s.slave_id.value(), "S0");
    /// ```
    pub fn with_agent_id(mut self, agent_id: &SlaveID) -> TaskStatus {
        self.slave_id = MessageField::some(agent_id.clone());
        self
    }

    /// Sets the executor that runs the task.
    ///
    /// ```
    /// use mesos::{ids::{executor_id, task_id}, task_status::task_status, types::TaskState};
    /// let s = task_status(&task_id("t"), TaskState::TASK_RUNNING)
    ///     .with_executor_id(&executor_id("e1"));
    /// assert_eq!(s.executor_id.value(), "e1");
    /// ```
    pub fn with_executor_id(mut self, executor_id: &ExecutorID) -> TaskStatus {
        self.executor_id = MessageField::some(executor_id.clone());
        self
    }

    /// Sets the result of the task's health check.
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status, types::TaskState};
    /// let s = task_status(&task_id("t"), TaskState::TASK_RUNNING).with_healthy(true);
    /// assert!(s.has_healthy() && s.healthy());
    /// ```
    pub fn with_healthy(mut self, healthy: bool) -> TaskStatus {
        self.set_healthy(healthy);
        self
    }

    /// Sets the time of the update, in seconds since the Unix epoch (libmesos fills it in
    /// when it is not set).
    ///
    /// ```
    /// use mesos::{ids::task_id, task_status::task_status, types::TaskState};
    /// let s = task_status(&task_id("t"), TaskState::TASK_RUNNING).with_timestamp(1.5e9);
    /// assert_eq!(s.timestamp(), 1.5e9);
    /// ```
    pub fn with_timestamp(mut self, seconds: f64) -> TaskStatus {
        self.set_timestamp(seconds);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protobuf::Enum;

    #[test]
    fn terminal_states() {
        let terminal: Vec<TaskState> = ALL_STATES
            .iter()
            .copied()
            .filter(|s| is_terminal(*s))
            .collect();
        assert_eq!(
            terminal,
            [
                TaskState::TASK_FINISHED,
                TaskState::TASK_FAILED,
                TaskState::TASK_KILLED,
                TaskState::TASK_ERROR,
                TaskState::TASK_LOST,
                TaskState::TASK_DROPPED,
                TaskState::TASK_GONE,
                TaskState::TASK_GONE_BY_OPERATOR,
            ]
        );
    }

    #[test]
    fn active_states_are_not_terminal() {
        for state in ALL_STATES {
            assert!(!(is_active(state) && is_terminal(state)), "{state:?}");
            assert_eq!(state.is_active(), is_active(state));
            assert_eq!(state.is_terminal(), is_terminal(state));
        }
        for state in [TaskState::TASK_UNREACHABLE, TaskState::TASK_UNKNOWN] {
            assert!(!is_active(state) && !is_terminal(state));
        }
    }

    #[test]
    fn all_states_listed_once() {
        let mut values: Vec<i32> = ALL_STATES.iter().map(|s| s.value()).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), TaskState::VALUES.len());
    }

    #[test]
    fn builder_sets_fields() {
        let mut id = TaskID::new();
        id.set_value("t1".into());
        let mut agent = SlaveID::new();
        agent.set_value("a1".into());
        let s = task_status(&id, TaskState::TASK_LOST)
            .with_message("gone")
            .with_reason(Reason::REASON_SLAVE_REMOVED)
            .with_source(Source::SOURCE_MASTER)
            .with_agent_id(&agent)
            .with_data(vec![1, 2, 3]);
        assert_eq!(s.task_id.value(), "t1");
        assert_eq!(s.state(), TaskState::TASK_LOST);
        assert_eq!(s.message(), "gone");
        assert_eq!(s.reason(), Reason::REASON_SLAVE_REMOVED);
        assert_eq!(s.source(), Source::SOURCE_MASTER);
        assert_eq!(s.slave_id.value(), "a1");
        assert_eq!(s.data(), [1, 2, 3]);
        assert!(s.is_terminal() && is_terminal_status(&s));
        assert!(!s.is_active() && !is_active_status(&s));
        assert!(!s.has_uuid() && !s.has_timestamp());
        assert_eq!(s.reason_if_set(), Some(Reason::REASON_SLAVE_REMOVED));
        assert_eq!(s.source_if_set(), Some(Source::SOURCE_MASTER));
    }

    #[test]
    fn an_unset_reason_is_none_not_the_first_enum_value() {
        let mut s = task_status(&TaskID::new(), TaskState::TASK_FINISHED);
        assert_eq!(s.reason_if_set(), None);
        assert_eq!(s.source_if_set(), None);
        // Explicitly the first value: that one is real.
        s.set_reason(Reason::REASON_COMMAND_EXECUTOR_FAILED);
        assert_eq!(
            s.reason_if_set(),
            Some(Reason::REASON_COMMAND_EXECUTOR_FAILED)
        );
        // A number these messages do not know.
        s.reason = Some(protobuf::EnumOrUnknown::from_i32(4242));
        assert_eq!(s.reason_if_set(), None);
    }
}
