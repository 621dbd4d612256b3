"""The GUI interface that hands this package's pages to ovos-gui (imported only once a page is wanted).

ovos-gui 1.x finds a page only as a file in its own cache (``$XDG_CACHE_HOME/ovos_gui/<skill_id>/<framework>/``,
``~/.cache`` without XDG_CACHE_HOME) and never asks a skill for its pages over the bus (the bus upload of older
releases was dropped). GUIInterface copies the pages into the cache of the process it runs in; run as root (the
admin PHAL) beside an ovos-gui running as the device's user, that is a cache ovos-gui never reads. So before a
page goes out, PagesGUI also writes the page files into the cache of every ovos-gui on this machine that runs as
another user, as that user's files.
"""
import os
import pwd
import stat
import threading
from os.path import isabs, isdir, join, realpath
from typing import Any, Dict, List, NamedTuple, Optional, Set

from ovos_bus_client.apis.gui import GUIInterface

from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.pages import ui_directories

# ovos-gui's folder below its XDG cache home (ovos_gui.constants.GUI_CACHE_PATH).
CACHE_FOLDER = "ovos_gui"
# How ovos-gui is started: its console script, or `python -m ovos_gui`.
GUI_COMMANDS = ("ovos-gui", "ovos_gui")
PROC = "/proc"

# Every folder is opened without following a symlink, every file is made new: a user who owns the cache cannot
# redirect a root plugin's writes elsewhere, nor into a file that exists already.
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class RunningGui(NamedTuple):
    """One ovos-gui process: its user and where it looks for pages (None when this process may not see it)."""

    pid: int
    uid: int
    gid: int
    cache: Optional[str]


def is_ovos_gui(argv: List[str]) -> bool:
    """Tell whether a command line starts ovos-gui: its console script, or `python -m ovos_gui`."""
    return any(arg.rsplit("/", 1)[-1] in GUI_COMMANDS for arg in argv[:3])


def gui_cache(environ: Dict[str, str], uid: int) -> Optional[str]:
    """ovos-gui's page cache for a process environment, resolved as ovos-utils' xdg_cache_home does."""
    base = environ.get("XDG_CACHE_HOME", "")
    if not (base and isabs(base)):
        home = environ.get("HOME")
        if not home:
            try:
                home = pwd.getpwuid(uid).pw_dir
            except KeyError:
                return None
        base = join(home, ".cache")
    return join(base, CACHE_FOLDER)


def _read(path: str) -> bytes:
    """A whole file of /proc."""
    with open(path, "rb") as handle:
        return handle.read()


def _ids(status: str, field: str) -> int:
    """The effective id of a "Uid:"/"Gid:" line of /proc/<pid>/status (real, effective, saved, filesystem)."""
    for line in status.splitlines():
        if line.startswith(field):
            return int(line.split()[2])
    raise ValueError(f"no {field} line")


def running_guis(proc: str = PROC) -> List[RunningGui]:
    """Every ovos-gui process on this machine, with its user and, where this process may read it, its cache."""
    found: List[RunningGui] = []
    try:
        entries = os.listdir(proc)
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        folder = join(proc, entry)
        try:
            argv = [arg.decode(errors="replace") for arg in _read(join(folder, "cmdline")).split(b"\0")]
            if not is_ovos_gui(argv):
                continue
            status = _read(join(folder, "status")).decode(errors="replace")
            uid, gid = _ids(status, "Uid:"), _ids(status, "Gid:")
        except (OSError, ValueError):
            continue  # gone meanwhile, or not a process folder
        try:
            raw = _read(join(folder, "environ"))
        except OSError:
            # Another user's environment is for root (or that user) only.
            found.append(RunningGui(int(entry), uid, gid, None))
            continue
        environ = dict(item.decode(errors="replace").partition("=")[::2] for item in raw.split(b"\0") if item)
        found.append(RunningGui(int(entry), uid, gid, gui_cache(environ, uid)))
    return found


def page_files(directories: Dict[str, str]) -> Dict[str, bytes]:
    """The page files by their path below a skill's cache folder, laid out as GUIInterface copies them."""
    files: Dict[str, bytes] = {}
    for framework, folder in directories.items():
        if not isdir(folder):
            continue
        prefix = "" if framework == "all" else f"{framework}/"
        for top, _dirs, names in os.walk(folder):
            below = os.path.relpath(top, folder)
            for name in names:
                relative = name if below == "." else f"{below}/{name}"
                with open(join(top, name), "rb") as handle:
                    files[prefix + relative.replace(os.sep, "/")] = handle.read()
    return files


def _open_path(path: str) -> int:
    """Open a folder by a path free of symlinks, refusing one swapped in meanwhile on the way."""
    fd = os.open("/", _DIR_FLAGS)
    try:
        for part in path.split("/"):
            if part:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
    except OSError:
        os.close(fd)
        raise
    return fd


def _own(fd: int, uid: int, gid: int, where: str) -> None:
    """Hand a folder or file this process made to the cache's user; refuse one of a third user."""
    owner = os.fstat(fd).st_uid
    if owner == uid:
        return
    if owner != os.geteuid():
        raise PermissionError(f"{where} belongs to uid {owner}, neither ovos-gui's user ({uid}) nor this process")
    os.fchown(fd, uid, gid)


def _enter(parent: int, name: str, uid: int, gid: int, where: str) -> int:
    """Open folder name below parent, made if missing, owned by the cache's user."""
    try:
        os.mkdir(name, 0o755, dir_fd=parent)
    except FileExistsError:
        pass
    fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
    try:
        _own(fd, uid, gid, where)
    except OSError:
        os.close(fd)
        raise
    return fd


def _holds(parent: int, name: str, content: bytes, uid: int) -> bool:
    """Tell whether parent holds name as uid's regular file with exactly this content (read without blocking)."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=parent)
    except OSError:
        return False
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != uid or info.st_size != len(content):
            return False
        return handle.read(len(content) + 1) == content


def write_pages(cache: str, uid: int, gid: int, skill_id: str, files: Dict[str, bytes]) -> int:
    """Write the page files into an ovos-gui cache folder (a symlink-free path) that belongs to uid, as uid's
    files; return how many were missing or different."""
    root = _open_path(cache)
    written = 0
    try:
        owner = os.fstat(root).st_uid
        if owner != uid:
            raise PermissionError(f"{cache} belongs to uid {owner}, not to ovos-gui's user ({uid})")
        for relative, content in sorted(files.items()):
            *folders, name = [skill_id, *relative.split("/")]
            fd = os.dup(root)
            try:
                where = cache
                for folder in folders:
                    where = join(where, folder)
                    child = _enter(fd, folder, uid, gid, where)
                    os.close(fd)
                    fd = child
                if _holds(fd, name, content, uid):
                    continue
                try:
                    os.unlink(name, dir_fd=fd)
                except FileNotFoundError:
                    pass
                try:
                    handle = os.open(name, _NEW_FILE_FLAGS, 0o644, dir_fd=fd)
                except FileExistsError:
                    if _holds(fd, name, content, uid):
                        continue  # another plugin process wrote the same file meanwhile
                    raise
                with open(handle, "wb") as out:
                    _own(handle, uid, gid, join(where, name))
                    out.write(content)
                written += 1
            finally:
                os.close(fd)
    finally:
        os.close(root)
    return written


class PagesGUI(GUIInterface):
    """A GUIInterface that puts its pages where every ovos-gui on this machine looks, before a page goes out.

    GUIInterface copies every page file (some fifty) at construction, whether a page is ever shown or not; a
    device that never shows one (no screen, or online at every start) would pay that copy at each start. An
    ovos-gui that runs as another user reads another cache: before each page, the files it lacks (or holds in
    another version) are written into its cache.
    """

    def __init__(self, skill_id: str, bus: Any = None, config: Optional[dict] = None) -> None:
        """An interface for skill_id with this package's page folders, copied when the first page is shown."""
        self._copied = True  # GUIInterface.__init__ asks for the copy as its last step: not yet
        super().__init__(skill_id, bus=bus, config=config, ui_directories=ui_directories())
        self._copied = False
        self._unseen: Set[int] = set()
        self._hand_lock = threading.Lock()

    def _cache_gui_files(self) -> None:
        """Copy the page folders into ovos-gui's cache once, before the first page goes out."""
        if self._copied:
            return
        self._copied = True
        super()._cache_gui_files()

    def _hand_to_other_users(self) -> None:
        """Write the page files into the cache of each running ovos-gui of another user that lacks them."""
        # An ovos-gui of this process's own user shares its cache unless it was given another HOME or
        # XDG_CACHE_HOME on purpose (as tests do); only another user's is certain to be out of reach.
        me = os.geteuid()
        with self._hand_lock:
            files: Optional[Dict[str, bytes]] = None
            for gui in running_guis():
                if gui.uid == me:
                    continue
                if gui.cache is None:
                    if gui.pid not in self._unseen:
                        self._unseen.add(gui.pid)
                        LOG.warning(f"ovos-gui (pid {gui.pid}) runs as uid {gui.uid}, whose cache this process "
                                    f"(uid {me}) may not see: its pages reach it only if this plugin runs as root "
                                    "(the admin PHAL) or as ovos-gui's user")
                    continue
                target = realpath(gui.cache)
                if not isdir(target):
                    continue  # ovos-gui makes it as it starts; the next page tries again
                if files is None:
                    files = page_files(self.ui_directories)
                try:
                    written = write_pages(target, gui.uid, gui.gid, self.skill_id, files)
                except OSError as error:
                    LOG.warning(f"could not put the pages into the cache of ovos-gui (pid {gui.pid}) at "
                                f"{target}: {error}")
                    continue
                if written:
                    LOG.info(f"{written} page files of {self.skill_id} written into the cache of ovos-gui "
                             f"(pid {gui.pid}, uid {gui.uid}) at {target}")

    def show_pages(self, page_names: List[str], index: int = 0, override_idle: Any = None,
                   override_animations: bool = False, remove_others: bool = False) -> None:
        """GUIInterface.show_pages, after the page files are where every ovos-gui looks for them."""
        self._cache_gui_files()
        self._hand_to_other_users()
        super().show_pages(page_names, index=index, override_idle=override_idle,
                           override_animations=override_animations, remove_others=remove_others)
