"""Processes: the tree under a pid (from /proc), killing it whole, dying with a parent, rlimits.

The bottom of the sandbox: nothing here imports numpy, TensorFlow or another module of the kit,
so the fork server, the child (before and after it is jailed) and the trusted side all use it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_PAGE = os.sysconf("SC_PAGE_SIZE")
_libc = ctypes.CDLL(None, use_errno=True)

# The environment of every process that runs learner code (the fork server, and so its children,
# and the spawned fallback): quiet logs, and one thread per pool, so two workers on two cores do
# not thrash.  Given to the process when it starts, so it holds before numpy or TensorFlow is
# imported there (both size their thread pools at import); a value the caller set wins.
CHILD_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "OMP_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}


def child_environment(base, package_root: str) -> dict:
    """``base`` (os.environ) with CHILD_ENVIRONMENT's defaults and ``package_root`` first on PYTHONPATH."""
    env = {**CHILD_ENVIRONMENT, **base}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, base.get("PYTHONPATH")]))
    return env


def prctl(option: int, arg: int = 0) -> int:
    return _libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def die_with_parent() -> bool:
    """Ask the kernel to kill this process when its parent dies, so no server or child outlives a grader."""
    try:
        return prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Orphaned descendants (even ones that called setsid) re-parent to us, so they can be found.

    Only the fork server calls this, for itself: a child is PID 1 of its own namespace and reaps
    its orphans anyway, and a notebook kernel (run.InProcess) must not start collecting zombies."""
    try:
        return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0
    except (OSError, AttributeError):
        return False


def set_rlimits(file_bytes: int | None = None, cpu_seconds: int | None = None, processes: int | None = None,
                open_files: int | None = None) -> None:
    """Hard limits for this process and what it starts; a limit the system refuses is skipped.

    The file limit comes with SIGXFSZ ignored, so an over-long write fails (EFBIG, which the child
    reports as too much output) instead of killing the process.  No core files, ever."""
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for name, value in (("RLIMIT_FSIZE", file_bytes), ("RLIMIT_CPU", cpu_seconds), ("RLIMIT_NPROC", processes),
                        ("RLIMIT_NOFILE", open_files), ("RLIMIT_CORE", 0)):
        if value is None or (value == 0 and name != "RLIMIT_CORE"):
            continue
        if name == "RLIMIT_NOFILE":  # only ever lowered
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
        try:
            resource.setrlimit(getattr(resource, name), (int(value), int(value)))
        except (ValueError, OSError):
            pass


# ---------------------------------------------------------------------------------------------
# Process-tree bookkeeping from /proc: finds descendants even after they called setsid().
# ---------------------------------------------------------------------------------------------


def stat_fields(pid: int) -> list:
    """The fields of /proc/PID/stat after the command name (state first); [] if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return []
    # the command name may hold spaces and parentheses: split after the last ')'
    return stat[stat.rfind(b")") + 2:].split()


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has stopped running: only its parent's wait is left)."""
    fields = stat_fields(pid)
    return bool(fields) and fields[0] not in (b"Z", b"X")


def parent_map() -> dict:
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = stat_fields(int(entry))
        if fields:
            parents[int(entry)] = int(fields[1])
    return parents


def descendants(pid: int) -> list[int]:
    if not os.path.isdir("/proc"):
        return []
    children: dict = {}
    for child, parent in parent_map().items():
        children.setdefault(parent, []).append(child)
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def resident_bytes(pids) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def children_activity(pid: int):
    """Page faults and CPU time of the waited-for children of ``pid`` (from /proc/PID/stat)."""
    fields = stat_fields(pid)
    if not fields:
        return None
    return fields[8], fields[10], fields[13], fields[14]  # cminflt, cmajflt, cutime, cstime


def kill_tree(pid: int) -> None:
    """Freeze, then kill, a process and all its descendants; repeat until none is left."""
    for _ in range(50):
        tree = descendants(pid)
        for target in [pid, *tree]:
            try:
                os.kill(target, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        for target in [pid, *descendants(pid), *tree]:
            try:
                os.kill(target, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not descendants(pid):
            return
        time.sleep(0.01)


def kill_until_gone(find, seconds: float) -> bool:
    """SIGKILL what ``find()`` lists until it lists nothing (a fork between two looks is caught next
    round); False if processes were still there after ``seconds``, or ``find()`` returned None (the
    list could not be read: that is not "none left")."""
    deadline = time.monotonic() + seconds
    pause = 0.002  # a small process is gone at once, a TensorFlow-sized one within tens of ms: look soon, then less often
    while True:
        left = find()
        if left is None:
            return False
        if not left:
            return True
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            return False
        time.sleep(pause)
        pause = min(0.01, pause * 2)


# ---------------------------------------------------------------------------------------------
# Memory no resident set shows, for a child without a memory cgroup (read from outside, each poll)
# ---------------------------------------------------------------------------------------------


def _shmem_device():
    """The device of the kernel's internal shmem mount (memfds, shared anonymous and SysV memory)."""
    try:
        fd = os.memfd_create("autograder-probe", 0)
    except (AttributeError, OSError):
        return None
    try:
        return os.fstat(fd).st_dev
    finally:
        os.close(fd)


class Unwatchable(Exception):
    """A live process of the tree hides its files or mappings from the watch (it made itself non-dumpable)."""


class ShmemWatch:
    """What a jailed process tree holds in memory outside its resident sets, for the no-cgroup path.

    ``bytes(tree)`` adds up, each object once:

    - the child's scratch tmpfs (its /tmp and /dev/shm are one tmpfs): used blocks from statvfs,
      through /proc/RELAY/root/tmp (the relay shares the jail's mount namespace and root, and is
      never run by learner code), so open, deleted and mapped tmpfs files are all in it;
    - every regular file with no name left that a process of the tree holds open (memfds, secret
      memory), found in /proc/PID/fd, counted by its allocated blocks, once per inode;
    - every object on the kernel's shmem mount a process of the tree has mapped without holding it
      open (a memfd or a MAP_SHARED anonymous region whose fd is closed, SysV segments), from
      /proc/PID/maps: its allocated size where /proc/PID/map_files may be read (root), else the
      mapped length.  Each process's maps are re-read at most every ``MAPS_EVERY`` s and for at
      most ``MAPS_BUDGET`` s of each poll (a flood of processes is covered over several polls).

    Pages of such an object that a process also has mapped and touched are in its resident set as
    well: they count twice (an overcount only; the kit's solutions hold none).  A live process of
    the tree whose /proc entries cannot be read (a non-dumpable process, which an unprivileged
    grader may not inspect) counts what it was last seen holding, and once that has happened in
    ``DENIED_POLLS`` polls (a process is denied for a moment while it execs) raises ``Unwatchable``.
    """

    DENIED_POLLS = 5

    MAPS_EVERY = 0.25
    MAPS_BUDGET = 0.003

    def __init__(self, relay: int, workdir: str = "/tmp"):
        self.relay = relay
        self.scratch = f"/proc/{relay}/root{workdir}"
        self._shm_dev = _shmem_device()
        self._shm_tag = (None if self._shm_dev is None else
                         f" {os.major(self._shm_dev):02x}:{os.minor(self._shm_dev):02x} ".encode())
        self._maps: dict = {}  # pid -> (when read, {(dev, inode): bytes})
        self._exact = os.geteuid() == 0  # following map_files links needs CAP_SYS_ADMIN or CHECKPOINT_RESTORE
        self._jailed = False
        self._held: dict = {}  # pid -> {(dev, inode): bytes} of its unnamed open files, last seen
        self._denials: dict = {}  # pid -> polls in which its /proc entries could not be read

    def scratch_bytes(self):
        """(bytes used on the child's scratch tmpfs, its device); (0, None) if it is not there.

        Only once the relay's root is no longer ours (the child has pivoted into its own): before
        that, and without a jail, RELAY/root/tmp is the machine's /tmp."""
        try:
            if not self._jailed:
                theirs, ours = os.stat(f"/proc/{self.relay}/root"), os.stat("/")
                if (theirs.st_dev, theirs.st_ino) == (ours.st_dev, ours.st_ino):
                    return 0, None
                self._jailed = True
            info = os.statvfs(self.scratch)
            device = os.stat(self.scratch).st_dev
        except OSError:
            return 0, None
        return (info.f_blocks - info.f_bfree) * info.f_frsize, device

    def bytes(self, tree) -> int:
        total, scratch_dev = self.scratch_bytes()
        self._denied_now: set = set()
        live = set(tree)
        for cache in (self._maps, self._held, self._denials):
            for pid in [p for p in cache if p not in live]:
                del cache[pid]
        for pid in tree:
            try:
                self._held[pid] = self._open_files(pid, scratch_dev)
            except PermissionError:
                self._deny(pid)
        held: dict = {}
        for files in self._held.values():
            held.update(files)
        total += sum(held.values())
        if self._shm_tag is not None:
            now = time.monotonic()
            stop = now + self.MAPS_BUDGET
            order = sorted(tree, key=lambda p: self._maps.get(p, (-1.0, None))[0])
            for pid in order:
                if pid == self.relay or time.monotonic() > stop:
                    continue
                if pid in self._maps and now - self._maps[pid][0] < self.MAPS_EVERY:
                    break  # the rest were read more recently still
                try:
                    self._maps[pid] = (now, self._mapped(pid))
                except PermissionError:
                    self._deny(pid)
                    self._maps[pid] = (now, self._maps.get(pid, (0.0, {}))[1])
            counted: dict = {}
            for _, objects in self._maps.values():
                for key, size in objects.items():
                    if key not in held:
                        counted[key] = max(size, counted.get(key, 0))
            total += sum(counted.values())
        return total

    def _deny(self, pid: int) -> None:
        if alive(pid) and pid not in self._denied_now:
            self._denied_now.add(pid)
            self._denials[pid] = self._denials.get(pid, 0) + 1
            if self._denials[pid] >= self.DENIED_POLLS:
                raise Unwatchable(pid)

    def _open_files(self, pid: int, scratch_dev) -> dict:
        """{(dev, inode): bytes} of the unnamed regular files ``pid`` holds open; raises PermissionError."""
        folder = f"/proc/{pid}/fd"
        try:
            names = os.listdir(folder)
        except PermissionError:
            raise
        except OSError:
            return {}
        found = {}
        for name in names:
            try:
                info = os.stat(f"{folder}/{name}")
            except PermissionError:
                raise
            except OSError:
                continue
            if info.st_nlink or not (info.st_mode & 0o170000 == 0o100000) or info.st_dev == scratch_dev:
                continue  # a named file, not a regular file, or on the scratch tmpfs (counted by statvfs)
            found[(info.st_dev, info.st_ino)] = info.st_blocks * 512
        return found

    def _mapped(self, pid: int) -> dict:
        try:
            with open(f"/proc/{pid}/maps", "rb") as handle:
                data = handle.read()
        except PermissionError:
            raise
        except OSError:
            return {}
        found: dict = {}
        if self._shm_tag not in data:
            return found
        for line in data.splitlines():
            if self._shm_tag not in line:
                continue
            fields = line.split(None, 5)
            try:
                start, end = (int(x, 16) for x in fields[0].split(b"-"))
                key = (self._shm_dev, int(fields[4]))
            except (IndexError, ValueError):
                continue
            size = end - start
            if self._exact:
                try:
                    size = os.stat(f"/proc/{pid}/map_files/{start:x}-{end:x}").st_blocks * 512
                except OSError:
                    pass
            found[key] = max(size, found.get(key, 0))
        return found
