"""What the user decided, kept across restarts in one JSON file, written atomically and only on change."""
import json
import os
import tempfile
import time
from datetime import datetime, timezone
from threading import Lock
from typing import Any, Callable, NamedTuple, Optional

from ovos_PHAL_plugin_wifi_setup.log import LOG

from ovos_PHAL_plugin_wifi_setup import topics as t

TEMP_PREFIX = ".state-"
TEMP_SUFFIX = ".tmp"
# While writes keep failing, the ERROR is repeated at most this often (seconds).
FAILURE_REPORT_INTERVAL = 3600.0


class SavedState(NamedTuple):
    """The values the plugin keeps itself (a NamedTuple: cheap to make at import)."""

    first_boot: bool = True
    """False once the device has been online."""
    never_connect: bool = False
    """The user chose "Never connect"; cleared by user.activated."""
    watchdog_on: Optional[bool] = None
    """True after user.activated (the watchdog is on for good, whatever the config says), None otherwise: the
    config decides. A saved false (version 2.0.0 wrote it on "Never connect") is read as None."""
    # What a fleet reads in status: counters and times, kept across restarts (times in ISO 8601, UTC).
    rounds_started: int = 0
    """Setup rounds opened."""
    rounds_completed: int = 0
    """Setup rounds that ended with the internet up."""
    rounds_failed: int = 0
    """Setup rounds in which setup.failed was sent."""
    last_error: Optional[str] = None
    """The error of the latest setup.failed."""
    last_error_at: Optional[str] = None
    """When the latest setup.failed was sent."""
    last_online_at: Optional[str] = None
    """When the device was last known online (saved as it comes online, goes offline, and at shutdown)."""
    last_round_seconds: Optional[float] = None
    """How long the latest completed round took, from its launch to the internet coming up."""


COUNTERS = ("rounds_started", "rounds_completed", "rounds_failed")
TIMES = ("last_error_at", "last_online_at")
MAX_TEXT = 1024


def default_state_path() -> str:
    """The state file under the XDG state directory, read when the plugin starts."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, t.PLUGIN_ID, "state.json")


class StateStore:
    """Reads the state once at start and writes it only when a value changes; no failure escapes."""

    def __init__(self, path: str, clock: Callable[[], float] = time.monotonic):
        self.path = path
        self._lock = Lock()
        self._saved: Optional[SavedState] = None
        self._clock = clock
        self._failing_since: Optional[float] = None  # when writes began to fail, None while they succeed
        self._last_report = 0.0

    def load(self, defaults: SavedState) -> SavedState:
        """Return the saved values over the defaults; no file yet means the defaults and one info line,
        any problem with the file the defaults and one warning."""
        self._saved = state = self._read(defaults)
        self._remove_stale_temp_files()
        return state

    def _remove_stale_temp_files(self) -> None:
        """Drop temp files a crash between write and rename left behind (the real file is whole)."""
        directory = os.path.dirname(self.path) or "."
        try:
            names = os.listdir(directory)
        except OSError:
            return
        for name in names:
            if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
                _remove_quietly(os.path.join(directory, name))

    def _read(self, defaults: SavedState) -> SavedState:
        """Read the file; return the defaults if it is missing (said at INFO: the first start), or, with one
        warning, if it is unreadable or malformed."""
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            LOG.info(f"no saved state at {self.path} yet; starting from the configured defaults")
            return defaults
        except (OSError, UnicodeDecodeError) as e:  # bytes that are not UTF-8 are as unreadable as EIO
            LOG.warning(f"cannot read the saved state at {self.path} ({e}); starting from the defaults")
            return defaults
        try:
            state = _parse(text, defaults)
        except ValueError as e:
            LOG.warning(f"the saved state at {self.path} is not usable ({e}); starting from the defaults")
            return defaults
        return state

    def save(self, state: SavedState) -> bool:
        """Write the state if it differs from what is on disk: temp file, fsync, rename. False if it failed."""
        with self._lock:
            if state == self._saved:
                return True
            directory = os.path.dirname(self.path) or "."
            tmp_path = None
            try:
                os.makedirs(directory, exist_ok=True)
                fd, tmp_path = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=directory)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(state._asdict(), f, indent=2, sort_keys=True)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp_path, self.path)
                tmp_path = None
                _fsync_dir(directory)
            except OSError as e:
                self._report_failure(e)
                return False
            finally:
                if tmp_path is not None:
                    _remove_quietly(tmp_path)
            self._saved = state
            if self._failing_since is not None:
                LOG.info(f"the plugin state is saved to {self.path} again")
                self._failing_since = None
            return True

    def _report_failure(self, error: OSError) -> None:
        """Say a failed write at ERROR once, then at most once an hour while writes keep failing."""
        now = self._clock()
        if self._failing_since is None or now - self._last_report >= FAILURE_REPORT_INTERVAL:
            LOG.error(f"could not save the plugin state to {self.path} ({error}); going on without it"
                      + ("" if self._failing_since is None else " (still failing; said at most once an hour)"))
            self._last_report = now
        if self._failing_since is None:
            self._failing_since = now

    def update(self, current: SavedState, **changes: Any) -> SavedState:
        """Return current with the changes applied, saved if anything differs from current (a failed write is
        tried again at the next change, not at every call that changes nothing)."""
        new = current._replace(**changes)
        if new != current:
            self.save(new)
        return new


def _parse(text: str, defaults: SavedState) -> SavedState:
    """Read the JSON text, keeping defaults for absent keys; raise ValueError on anything malformed.

    A saved `watchdog_on: false` is read as None (the config decides): version 2.0.0 wrote it on "Never connect"
    and kept it after skip.setup or a client selection ended "Never connect", so such a device never launched
    setup on its own again. "Never connect" is kept by `never_connect` alone.
    """
    if not text.strip():
        raise ValueError("the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON: {e}") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    values = defaults._asdict()
    for key in ("first_boot", "never_connect"):
        if key in data:
            if not isinstance(data[key], bool):
                raise ValueError(f"'{key}' is not true or false")
            values[key] = data[key]
    if "watchdog_on" in data:
        if data["watchdog_on"] is not None and not isinstance(data["watchdog_on"], bool):
            raise ValueError("'watchdog_on' is not true, false or null")
        values["watchdog_on"] = True if data["watchdog_on"] else None
    # A malformed record keeps its default: the user's decisions above must not be lost for it.
    for key in COUNTERS:
        if isinstance(data.get(key), int) and not isinstance(data[key], bool) and data[key] >= 0:
            values[key] = data[key]
    for key in TIMES:
        if isinstance(data.get(key), str) and _is_time(data[key]):
            values[key] = data[key]
    if isinstance(data.get("last_error"), str):
        values["last_error"] = data["last_error"][:MAX_TEXT]
    seconds = data.get("last_round_seconds")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and 0 <= seconds < float("inf"):
        values["last_round_seconds"] = float(seconds)
    return SavedState(**values)


def _is_time(text: str) -> bool:
    """True for an ISO 8601 time as the plugin writes it."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return len(text) <= 64


def now_iso() -> str:
    """The time now, as the state file keeps it (ISO 8601, UTC, whole seconds)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _fsync_dir(directory: str) -> None:
    """Make the rename itself durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on a directory; the rename is still atomic
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    """Remove a leftover temp file, ignoring errors."""
    try:
        os.remove(path)
    except OSError:
        pass
