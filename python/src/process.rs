//! Process lifecycle: fork detection, interpreter exit, and the two ways Python waits for
//! the runtime (blocking with the GIL released, or an `asyncio.Future`).
//!
//! The global tokio runtime lives in threads that `fork()` does not copy: in a forked child
//! every call would hang. The pid that first used the runtime is recorded and any other pid
//! is refused. At interpreter exit, running streams are stopped within a short deadline, then
//! the embedded simulators still running, and foreign threads stop entering Python before the
//! interpreter is torn down.

use ccbridge::{AgentSession, Error, EventStream};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::task::AbortHandle;

use crate::errors::to_py_err;

/// Pid of the process that started using the runtime; 0 until then.
static RUNTIME_PID: AtomicU32 = AtomicU32::new(0);
/// Set at interpreter exit: foreign threads no longer enter Python.
static EXITING: AtomicBool = AtomicBool::new(false);
/// Foreign threads inside (or about to enter) [`with_python`].
static IN_PYTHON: AtomicUsize = AtomicUsize::new(0);
/// Python thread idents of the foreign threads running Python code now (one entry per
/// nesting level), so that interpreter exit can interrupt them.
static ACTIVE: Mutex<Vec<u64>> = Mutex::new(Vec::new());
/// Python threads leaving [`without_gil`]: past its exit check, taking the GIL back.
static RETURNING: AtomicUsize = AtomicUsize::new(0);
/// The thread that ran the exit hook: the interpreter's main thread.
static EXIT_THREAD: Mutex<Option<std::thread::ThreadId>> = Mutex::new(None);
/// Streams to stop at exit.
static STREAMS: Mutex<Vec<Weak<EventStream>>> = Mutex::new(Vec::new());
/// Agent sessions to close at exit (their streams are not in [`STREAMS`]: the core owns
/// them).
static AGENTS: Mutex<Vec<Weak<AgentSession>>> = Mutex::new(Vec::new());
/// Other things to stop at exit, after the streams (embedded simulators: a stream stopping
/// at exit still deletes its session on one).
static AT_EXIT: Mutex<Vec<Weak<dyn ExitClose>>> = Mutex::new(Vec::new());

/// Something that interpreter exit stops, if it still runs then.
pub(crate) trait ExitClose: Send + Sync {
    /// Stops it and waits for it; called without the GIL. Idempotent.
    fn close(&self);
}

/// How long interpreter exit waits for running streams to stop (flush acks, delete sessions).
const EXIT_STOP_DEADLINE: Duration = Duration::from_secs(2);
/// How long interpreter exit waits for callbacks already running on foreign threads, before
/// and again after interrupting them.
const EXIT_CALLBACK_DEADLINE: Duration = Duration::from_secs(1);
/// How often a blocking wait wakes up to let Python handle signals (Ctrl-C).
pub(crate) const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// True in a child forked after the runtime started.
pub(crate) fn forked() -> bool {
    let pid = RUNTIME_PID.load(Ordering::SeqCst);
    pid != 0 && pid != std::process::id()
}

/// Claims the runtime for this process, or refuses a forked child.
pub(crate) fn check() -> Result<(), Error> {
    let me = std::process::id();
    match RUNTIME_PID.compare_exchange(0, me, Ordering::SeqCst, Ordering::SeqCst) {
        Ok(_) => Ok(()),
        Err(pid) if pid == me => Ok(()),
        Err(pid) => Err(Error::Closed {
            message: format!(
                "ccbridge was used in process {pid} and this is a child forked from it (pid {me}); \
                 its I/O threads do not survive fork(), so clients and streams cannot be used here. \
                 Use ccbridge only after forking (or with the multiprocessing 'spawn' start method)"
            ),
        }),
    }
}

/// [`check`] as a Python exception.
pub(crate) fn check_py(py: Python<'_>) -> PyResult<()> {
    check().map_err(|e| to_py_err(py, e))
}

/// Runs `f` with the GIL on a thread Python did not start (a runtime worker, a stream's
/// dispatcher). Returns `None` once the interpreter is exiting: taking the GIL then could
/// hang or kill the thread.
pub(crate) fn with_python<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    // Count first, then look at the flag: the exit hook sets the flag, then waits for the
    // count to drop, so no thread can slip in between.
    IN_PYTHON.fetch_add(1, Ordering::SeqCst);
    // No fork check: a forked child has none of the threads that come here.
    let out = if EXITING.load(Ordering::SeqCst) {
        None
    } else {
        pin_thread_state();
        Python::with_gil(|py| {
            // The GIL may have been handed over by the exit hook itself.
            if EXITING.load(Ordering::SeqCst) {
                return None;
            }
            let _active = Active::enter(py);
            Some(f(py))
        })
    };
    IN_PYTHON.fetch_sub(1, Ordering::SeqCst);
    out
}

/// True once the interpreter is exiting.
pub(crate) fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

thread_local! {
    static IDENT: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Registration in [`ACTIVE`] while a foreign thread runs Python code.
struct Active(Option<u64>);

impl Active {
    fn enter(py: Python<'_>) -> Active {
        let ident = IDENT.try_with(|cell| {
            cell.get().or_else(|| {
                let id = py
                    .import("_thread")
                    .and_then(|t| t.call_method0("get_ident"))
                    .and_then(|i| i.extract::<u64>())
                    .ok();
                cell.set(id);
                id
            })
        });
        let ident = ident.ok().flatten();
        if let Some(id) = ident {
            lock(&ACTIVE).push(id);
        }
        Active(ident)
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        if let Some(id) = self.0 {
            let mut active = lock(&ACTIVE);
            if let Some(i) = active.iter().position(|a| *a == id) {
                active.swap_remove(i);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The Python thread state of a foreign thread, kept (with the GIL released) for the
/// thread's whole life.
///
/// Without it, every `with_gil` on a thread Python does not know creates and destroys a
/// thread state, which costs far more than the callback it serves (allocations, a fresh
/// frame stack mapped and unmapped). With it, entering Python is just taking the GIL.
struct PinnedThreadState {
    saved: *mut ffi::PyThreadState,
    gil_state: ffi::PyGILState_STATE,
}

impl Drop for PinnedThreadState {
    fn drop(&mut self) {
        // Runs when the thread ends (a stream's dispatcher after stop). Counted like any
        // entry into Python so that interpreter exit waits for it rather than races it.
        IN_PYTHON.fetch_add(1, Ordering::SeqCst);
        if !EXITING.load(Ordering::SeqCst) && !forked() {
            // SAFETY: `saved` is this thread's state, released by PyEval_SaveThread in
            // pin_thread_state; restoring it then releasing the outer PyGILState_Ensure
            // deletes it and releases the GIL, which is the documented pairing.
            unsafe {
                ffi::PyEval_RestoreThread(self.saved);
                ffi::PyGILState_Release(self.gil_state);
            }
        }
        IN_PYTHON.fetch_sub(1, Ordering::SeqCst);
    }
}

thread_local! {
    static PINNED: RefCell<Option<PinnedThreadState>> = const { RefCell::new(None) };
}

/// Gives the current foreign thread a lasting Python thread state (see
/// [`PinnedThreadState`]). No-op on threads Python already knows, including any that holds
/// the GIL.
fn pin_thread_state() {
    let _ = PINNED.try_with(|pinned| {
        let Ok(mut pinned) = pinned.try_borrow_mut() else {
            return;
        };
        if pinned.is_some() {
            return;
        }
        // SAFETY: PyGILState_GetThisThreadState may be called without the GIL. When it is
        // null this thread has no Python state, so it cannot hold the GIL: Ensure creates a
        // state and takes the GIL, SaveThread releases the GIL and keeps the state.
        unsafe {
            if !ffi::PyGILState_GetThisThreadState().is_null() {
                return;
            }
            let gil_state = ffi::PyGILState_Ensure();
            let saved = ffi::PyEval_SaveThread();
            *pinned = Some(PinnedThreadState { saved, gil_state });
        }
    });
}

/// Remembers a stream so that interpreter exit can stop it.
pub(crate) fn register_stream(stream: &Arc<EventStream>) {
    let mut streams = lock(&STREAMS);
    streams.retain(|w| w.strong_count() > 0);
    streams.push(Arc::downgrade(stream));
}

/// Remembers an agent session so that interpreter exit can close it (with the streams).
pub(crate) fn register_agent(agent: &Arc<AgentSession>) {
    let mut agents = lock(&AGENTS);
    agents.retain(|w| w.strong_count() > 0);
    agents.push(Arc::downgrade(agent));
}

/// Remembers something that interpreter exit must stop, after the streams.
#[cfg_attr(not(feature = "simulator"), allow(dead_code))]
pub(crate) fn close_at_exit(item: Weak<dyn ExitClose>) {
    let mut items = lock(&AT_EXIT);
    items.retain(|w| w.strong_count() > 0);
    items.push(item);
}

/// Registered with `atexit` when the module is imported.
#[pyfunction]
pub(crate) fn _atexit(py: Python<'_>) {
    *lock(&EXIT_THREAD) = Some(std::thread::current().id());
    if forked() {
        EXITING.store(true, Ordering::SeqCst);
        return;
    }
    let streams: Vec<Arc<EventStream>> = lock(&STREAMS)
        .drain(..)
        .filter_map(|w| w.upgrade())
        .filter(|s| !s.is_stopping())
        .collect();
    let agents: Vec<Arc<AgentSession>> = lock(&AGENTS)
        .drain(..)
        .filter_map(|w| w.upgrade())
        .filter(|a| !a.is_closed())
        .collect();
    let others: Vec<Arc<dyn ExitClose>> = lock(&AT_EXIT)
        .drain(..)
        .filter_map(|w| w.upgrade())
        .collect();
    py.allow_threads(move || {
        if !streams.is_empty() || !agents.is_empty() {
            tracing::debug!(target: "ccbridge::python", streams = streams.len(), agents = agents.len(), "stopping streams and agent sessions at exit");
            let deadline = tokio::time::Instant::now() + EXIT_STOP_DEADLINE;
            let rt = ccbridge::runtime::handle();
            let mut tasks: Vec<_> = streams
                .into_iter()
                .map(|s| rt.spawn(async move { s.stop_async().await }))
                .collect();
            // Closing a session does not log its agent out: it stops its stream and timers.
            tasks.extend(agents.into_iter().map(|a| {
                rt.spawn(async move {
                    a.close().await;
                    Ok(())
                })
            }));
            let _ = ccbridge::runtime::block_on(async move {
                for t in tasks {
                    let _ = tokio::time::timeout_at(deadline, t).await;
                }
            });
        }
        // Still before EXITING: their threads may be waiting for the GIL to log, which is
        // released here, so they finish instead of blocking the join.
        for item in others {
            item.close();
        }
    });
    EXITING.store(true, Ordering::SeqCst);
    if wait_for_callbacks(py) {
        return;
    }
    // A callback still runs Python code (a long loop): interrupt it with SystemExit, as a
    // thread taking the GIL back during finalization would be torn down mid-call.
    for id in lock(&ACTIVE).iter() {
        // CPython declares the id `unsigned long`; only the bits matter.
        let id = *id as std::os::raw::c_long;
        // SAFETY: called with the GIL held; the exception type is a static borrowed
        // reference, as PyThreadState_SetAsyncExc expects.
        unsafe {
            ffi::PyThreadState_SetAsyncExc(id, ffi::PyExc_SystemExit);
        }
    }
    wait_for_callbacks(py);
}

/// Runs `f` with the GIL released, like `allow_threads`, for a Python thread of the caller.
///
/// During finalization CPython ends a daemon thread that takes the GIL back with
/// `pthread_exit`, whose forced unwinding through Rust frames aborts the process ("FATAL:
/// exception not rethrown"). So once the exit hook has run, any thread but the one that ran
/// it stays here, GIL released, until the process ends: only daemon threads are left then.
pub(crate) fn without_gil<T, F>(py: Python<'_>, f: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    let out = py.allow_threads(|| {
        let out = f();
        // Counted before the flag is read: the exit hook sets the flag, then waits for the
        // count to drop, so a thread past this check gets the GIL back before finalization.
        RETURNING.fetch_add(1, Ordering::SeqCst);
        if EXITING.load(Ordering::SeqCst)
            && *lock(&EXIT_THREAD) != Some(std::thread::current().id())
        {
            RETURNING.fetch_sub(1, Ordering::SeqCst);
            loop {
                std::thread::park();
            }
        }
        out
    });
    RETURNING.fetch_sub(1, Ordering::SeqCst);
    out
}

/// Waits (GIL released) for foreign threads to leave Python, and for Python threads on
/// their way back from [`without_gil`] to get through; true when they did in time.
fn wait_for_callbacks(py: Python<'_>) -> bool {
    py.allow_threads(|| {
        let deadline = Instant::now() + EXIT_CALLBACK_DEADLINE;
        loop {
            if IN_PYTHON.load(Ordering::SeqCst) == 0 && RETURNING.load(Ordering::SeqCst) == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    })
}

/// Runs `fut` on the global runtime while the GIL is released, waking up regularly so that
/// Ctrl-C interrupts the wait (the request is then cancelled).
pub(crate) fn block_on<T, F>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    check_py(py)?;
    crate::logging::sync_level(py);
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let task = ccbridge::runtime::handle().spawn(async move {
        let _ = tx.send(fut.await);
    });
    let mut rx = rx;
    loop {
        // The receiver is not Sync: move it to the GIL-free closure and back.
        let (got, back) = without_gil(py, move || (rx.recv_timeout(SIGNAL_CHECK), rx));
        rx = back;
        match got {
            Ok(r) => return r.map_err(|e| to_py_err(py, e)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    task.abort();
                    return Err(e);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(to_py_err(
                    py,
                    Error::Closed {
                        message: "the ccbridge runtime dropped the request".into(),
                    },
                ))
            }
        }
    }
}

static ASYNCIO: GILOnceCell<Py<PyModule>> = GILOnceCell::new();

/// Runs `fut` on the global runtime and returns an `asyncio.Future` of the running event
/// loop that resolves with `convert(value)` or the mapped error. Cancelling the Python
/// future cancels the Rust one.
pub(crate) fn into_future<'py, T, F, C>(
    py: Python<'py>,
    fut: F,
    convert: C,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
    C: FnOnce(Python<'_>, T) -> PyResult<PyObject> + Send + 'static,
{
    check_py(py)?;
    crate::logging::sync_level(py);
    let asyncio = ASYNCIO.get_or_try_init(py, || py.import("asyncio").map(Bound::unbind))?;
    let event_loop = asyncio.bind(py).call_method0("get_running_loop")?;
    let py_future = event_loop.call_method0("create_future")?;
    let loop_ref = event_loop.unbind();
    let future_ref = py_future.clone().unbind();
    let task = ccbridge::runtime::handle().spawn(async move {
        let out = fut.await;
        with_python(move |py| {
            let outcome = match out {
                Ok(v) => convert(py, v),
                Err(e) => Err(to_py_err(py, e)),
            };
            let completion = Completion {
                future: future_ref,
                outcome: Mutex::new(Some(outcome)),
            };
            // Fails only when the loop is closed: nobody is waiting any more.
            if let Ok(c) = Py::new(py, completion) {
                let _ = loop_ref.call_method1(py, "call_soon_threadsafe", (c,));
            }
        });
    });
    let cancel = Cancellation {
        task: task.abort_handle(),
    };
    py_future.call_method1("add_done_callback", (Py::new(py, cancel)?,))?;
    Ok(py_future)
}

/// Sets the outcome of an `asyncio.Future`, on its loop's thread.
#[pyclass(frozen, module = "ccbridge._native")]
struct Completion {
    future: PyObject,
    outcome: Mutex<Option<PyResult<PyObject>>>,
}

#[pymethods]
impl Completion {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        let future = self.future.bind(py);
        if future.call_method0("done")?.is_truthy()? {
            return Ok(());
        }
        let outcome = self
            .outcome
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match outcome {
            Some(Ok(v)) => future.call_method1("set_result", (v,))?,
            Some(Err(e)) => future.call_method1("set_exception", (e.into_value(py),))?,
            None => return Ok(()),
        };
        Ok(())
    }
}

/// Done-callback of an `asyncio.Future`: a cancelled future aborts its task.
#[pyclass(frozen, module = "ccbridge._native")]
struct Cancellation {
    task: AbortHandle,
}

#[pymethods]
impl Cancellation {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.task.abort();
        }
        Ok(())
    }
}
