"""The operating system's part of the sandbox: namespaces, a private root, cgroups, unique uids.

Nothing here imports TensorFlow or learner code, so both sides can import it (it needs only
sandbox.proc, sandbox.seccomp and sandbox.messages).  The trusted side
uses ``Cgroup``, ``UidSlot`` and ``prepare_scratch``; the child calls ``enter`` right after it is
forked (still root, before any learner code), and ``enter`` returns only inside the jail:

- its own PID namespace, the learner's code running as its PID 1: when PID 1 dies the kernel
  kills everything left in the namespace, clone(CLONE_PARENT) from it fails, orphans stay inside,
  and no process of the grader (or of another child) is visible or can be signalled;
- its own mount namespace with a new root: the Python/TensorFlow install read-only, its own copy
  of the submission read-only, one private tmpfs sized to the memory limit for both /tmp (its
  working directory) and /dev/shm (``_scratch_tmpfs``), a fresh /proc; nothing of other students, --out, the kit's solutions, tests and
  grading modules, or the caller's folders;
- its own network (empty: no interfaces but a downed loopback) and IPC namespaces;
- a memory cgroup (tmpfs, memfd and shm pages are charged to it, unlike RSS) and a pids cgroup,
  created and removed by the trusted side, which the child cannot leave (without one, see below),
  and a cpu cgroup where that controller is mounted (fair shares between children, no quota);
- as root, a uid/gid that no other live child shares; without root, a user namespace whose
  capabilities are dropped once the mounts are made;
- no_new_privs, then, as the very last step (nothing after it mounts, unshares or changes uid),
  a seccomp filter (sandbox.seccomp) that answers EPERM to the system calls no submission needs:
  ptrace and reading other processes' memory, bpf, perf_event_open, userfaultfd, the keyring,
  io_uring, unshare/setns and clone with a namespace flag (clone3: ENOSYS), every mount call,
  kexec, modules, the clock, reboot and the like.  The fallback without namespaces sets
  no_new_privs and installs it too.

The user-namespace path also runs as root when the settings ask for it (``user_namespace``, set
by the trusted side from AUTOGRADER_TEST_USER_NAMESPACE=1): the tests use it to run hostile files
through that path on a machine where only root can run the kit's Python.  The grader's uid is then
mapped to itself (0 to 0) instead of switching to the slot uid (still taken, for the fallback
without namespaces); cgroups still apply, since the grader can make them, unless
AUTOGRADER_TEST_NO_CGROUP=1 too (the trusted side then makes none, as for a grader that has none).

A real unprivileged grader usually has no cgroup (unless one is delegated to it): it gets the
NO_CGROUP warning, and memory is watched from outside instead of refused (sandbox.proc.ShmemWatch,
every 50 ms): resident memory, plus the scratch tmpfs (statvfs through the relay's root, which is
the jail's), plus unnamed files held open (memfds) and shmem mapped with its fd closed.  What the
watch cannot see is refused or bounded here where the kernel allows it (``_bound_kernel_memory``,
only without a cgroup, and by the seccomp filter): no user namespace can be made inside the child's
(so no tmpfs of its own), SysV IPC objects are refused (shmget, msgget, semget), and RLIMIT_NOFILE
is 1024 (sandbox.child), which bounds the fd scan.  What remains: memory allocated and freed
between two polls, memfds in flight over a unix socket (up to 1024 of at most the file limit each:
no practical bound), kernel memory, shmem mapped only in part with its fd closed (an unprivileged
grader counts the mapped part).  tests/test_sandbox_nocgroup.py runs this path as root;
tests/test_unprivileged.py runs it as nobody (tools/as_unprivileged.sh).  Only cgroup v1 has been exercised
(the machine the kit is developed on mounts v1); the v2 code follows the kernel's documentation
and is untested.

What cannot be applied on a machine is returned as a warning, never silently skipped.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import secrets
import select
import shutil
import signal
import stat
import sys
import tempfile
import time

from autograder.sandbox import messages, seccomp
from autograder.sandbox.proc import (PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG, kill_until_gone,
                                     prctl, stat_fields)

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

UID_BASE = 1_200_000  # far above any real account; a child gets UID_BASE + its slot
UID_SLOTS = 4096
SLOT_DIR = "/run/autograder-uids"

SUBMISSION_DIR = "/submission"  # where the child sees its own copy of the file
WORKDIR = "/tmp"

NOT_JAILED = messages.NOT_JAILED  # prefix of the warning; the trusted side looks for it

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.unshare.argtypes = [ctypes.c_int]


class JailError(OSError):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise JailError(code, f"{what}: {os.strerror(code)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


# ---------------------------------------------------------------------------------------------
# Trusted side: a scratch folder per child, a uid per child, cgroups per child
# ---------------------------------------------------------------------------------------------

MAX_SOURCE_BYTES = 16 * 1024 * 1024
MAX_REPLY_BYTES = 16 * 1024 * 1024  # one reply of the child; checked by the child and again by the grader
MAX_TEXT = 4000  # characters of one learner-controlled message kept


def read_submission(path: str, source: bytes | None = None) -> bytes:
    """The submission's bytes, never through a symlink (we may be root) and only from a regular file."""
    if source is not None:
        return source
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if info.st_size > MAX_SOURCE_BYTES:
            raise OSError(errno.EFBIG, f"larger than {MAX_SOURCE_BYTES // 1024**2} MB")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_SOURCE_BYTES:
                raise OSError(errno.EFBIG, f"larger than {MAX_SOURCE_BYTES // 1024**2} MB")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def prepare_scratch(module_name: str, source: bytes) -> str:
    """A private folder (0700, owned by the grader) holding source/<module>.py and an empty root/.

    The child mounts its new root over root/ inside its own mount namespace, so nothing it writes
    lands here; the trusted side removes the folder after the child is gone.  A grader killed with
    SIGKILL cannot: its folders are named after it, and the next grader removes them."""
    _sweep_scratch_once()
    scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{_pid_namespace()}-{os.getpid()}-")
    os.mkdir(os.path.join(scratch, "source"), 0o755)
    os.mkdir(os.path.join(scratch, "root"), 0o755)
    target = os.path.join(scratch, "source", f"{module_name}.py")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(source)
    os.chmod(scratch, 0o711)  # the child's uid must reach source/ to bind it; it cannot list the folder
    return scratch


def replace_submission(scratch: str, old_module: str, module_name: str, source: bytes) -> None:
    """Swap the file in a live child's /submission (a bind of source/, so the child sees the change):
    the next file of the submission, where a fresh child would find it, and the last one gone."""
    folder = os.path.join(scratch, "source")
    target = os.path.join(folder, f"{module_name}.py")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(source)
    if old_module != module_name:
        try:
            os.unlink(os.path.join(folder, f"{old_module}.py"))
        except FileNotFoundError:
            pass


def remove_scratch(scratch: str | None) -> None:
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)


SCRATCH_PREFIX = "autograder-child-"  # then the grader's pid namespace, its pid, mkdtemp's letters
_swept = False


def _pid_namespace() -> int:
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def _sweep_scratch_once() -> None:
    """Remove the scratch folders of graders that are gone (killed before they could), once per
    process.  Only this uid's folders, made in this PID namespace (so the pid in the name is one we
    can look up), whose grader no longer runs."""
    global _swept
    if _swept:
        return
    _swept = True
    folder = tempfile.gettempdir()
    try:
        names = os.listdir(folder)
    except OSError:
        return
    ours = str(_pid_namespace())
    for name in names:
        parts = name[len(SCRATCH_PREFIX):].split("-")
        if not name.startswith(SCRATCH_PREFIX) or len(parts) != 3 or parts[0] != ours or not parts[1].isdigit():
            continue
        path = os.path.join(folder, name)
        try:
            if os.lstat(path).st_uid != os.geteuid() or not stat.S_ISDIR(os.lstat(path).st_mode):
                continue
        except OSError:
            continue
        if not os.path.exists(f"/proc/{parts[1]}"):
            remove_scratch(path)


issued: list[int] = []  # every uid handed out by this process (the tests check none is still in use)


class UidSlot:
    """A uid no other live child on this machine uses: a lock file held (flock) for the child's life.

    The lock goes away with the process holding it, so a grader killed mid-grade frees its slots."""

    def __init__(self) -> None:
        self.uid = None
        self._fd = None
        if os.geteuid() != 0:
            return
        os.makedirs(SLOT_DIR, mode=0o700, exist_ok=True)
        start = secrets.randbelow(UID_SLOTS)
        for step in range(UID_SLOTS):
            slot = (start + step) % UID_SLOTS
            fd = os.open(os.path.join(SLOT_DIR, str(slot)), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.uid, self._fd = UID_BASE + slot, fd
            issued.append(self.uid)
            return

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def processes_of_uid(uid: int) -> list[int]:
    """Every process with ``uid`` as its real, effective, saved or file uid (from /proc/PID/status,
    which a non-dumpable process cannot disguise, unlike the owner of /proc/PID)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status", "rb") as handle:
                    for line in handle:
                        if line.startswith(b"State:") and line.split()[1] in (b"Z", b"X"):
                            break  # a zombie runs nothing; its parent reaps it
                        if line.startswith(b"Uid:"):
                            if str(uid).encode() in line.split()[1:]:
                                found.append(int(entry))
                            break
            except OSError:
                continue
    return found


def kill_uid(uid: int | None, seconds: float = 5.0) -> bool:
    """SIGKILL every process of ``uid`` until none is left (the uid is this child's alone)."""
    if uid is None or uid < UID_BASE:
        return True
    return kill_until_gone(lambda: processes_of_uid(uid), seconds)


CPU_SHARE = 1024  # cgroup v1's cpu.shares of one process at nice 0


class Cgroup:
    """A memory + pids cgroup for one child (v2 if mounted, else v1), made and removed by the trusted side.

    ``warning`` says why there is none on this machine."""

    V1 = "/sys/fs/cgroup"

    def __init__(self, memory_bytes: int, processes: int, made: bool = True) -> None:
        self.dirs: list[str] = []  # the child joins each by writing to cgroup.procs
        self.version = None
        self.warning = None
        name = f"child-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            if not made:  # the tests' AUTOGRADER_TEST_NO_CGROUP=1: as for a grader that has none
                raise OSError(errno.EPERM, "none made: AUTOGRADER_TEST_NO_CGROUP=1")
            if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
                self._make_v2(name, memory_bytes, processes)
            elif os.path.exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"):
                self._make_v1(name, memory_bytes, processes)
            else:
                raise OSError(errno.ENOENT, "no memory cgroup controller mounted")
        except OSError as exc:
            self.remove()
            self.dirs = []
            self.warning = messages.NO_CGROUP.format(reason=exc.strerror or exc)

    @staticmethod
    def _sweep(parent: str) -> None:
        """Remove empty groups left by a grader that was killed (its pid is in the name)."""
        try:
            names = os.listdir(parent)
        except OSError:
            return
        for stale in names:
            parts = stale.split("-")
            if len(parts) == 3 and parts[0] == "child" and parts[1].isdigit() and not os.path.exists(f"/proc/{parts[1]}"):
                try:
                    os.rmdir(os.path.join(parent, stale))  # fails harmlessly while a process is in it
                except OSError:
                    pass

    def _make_v1(self, name, memory_bytes, processes) -> None:
        self.version = 1
        for controller in ("memory", "pids", "cpu"):
            self._sweep(os.path.join(self.V1, controller, "autograder"))
        memory = os.path.join(self.V1, "memory", "autograder", name)
        os.makedirs(memory, mode=0o755)
        self.dirs.append(memory)
        _write(memory, "memory.limit_in_bytes", memory_bytes)
        if os.path.exists(os.path.join(memory, "memory.memsw.limit_in_bytes")):
            try:
                _write(memory, "memory.memsw.limit_in_bytes", memory_bytes)  # no escape into swap
            except OSError:
                pass
        if os.path.exists(os.path.join(self.V1, "pids", "pids.max")) or os.path.isdir(os.path.join(self.V1, "pids")):
            pids = os.path.join(self.V1, "pids", "autograder", name)
            os.makedirs(pids, mode=0o755)
            self.dirs.append(pids)
            _write(pids, "pids.max", processes)
        self._cpu_v1(name)

    def _cpu_v1(self, name) -> None:
        """A cpu group of the child's own, if the controller is there: the scheduler then shares the CPU
        between children as groups, so a child that runs a hundred busy processes (each in a session of
        its own, which autogrouping would count apart) gets one child's share, not a hundred.  No quota:
        a child alone on the machine keeps all of it."""
        parent = os.path.join(self.V1, "cpu", "autograder")
        if not os.path.exists(os.path.join(self.V1, "cpu", "cpu.shares")):
            return
        self._sweep(parent)
        try:
            os.makedirs(parent, mode=0o755, exist_ok=True)
            # the kit's children together weigh what as many processes as cores would, so a busy
            # shared machine does not squeeze every child into one process's share
            _write(parent, "cpu.shares", CPU_SHARE * (os.cpu_count() or 1))
            group = os.path.join(parent, name)
            os.makedirs(group, mode=0o755)
        except OSError:
            return  # not ours to make: memory and pids still hold the child
        self.dirs.append(group)

    def _make_v2(self, name, memory_bytes, processes) -> None:
        self.version = 2
        parent = "/sys/fs/cgroup/autograder"
        os.makedirs(parent, mode=0o755, exist_ok=True)
        self._sweep(parent)
        try:
            _write("/sys/fs/cgroup", "cgroup.subtree_control", "+memory +pids")
            _write(parent, "cgroup.subtree_control", "+memory +pids")
        except OSError:
            pass  # already enabled, or not ours to enable: the writes below say if it matters
        try:  # the cpu controller as in _cpu_v1: children share the CPU as groups (cpu.weight), best effort
            _write("/sys/fs/cgroup", "cgroup.subtree_control", "+cpu")
            _write(parent, "cgroup.subtree_control", "+cpu")
            _write(parent, "cpu.weight", 100 * (os.cpu_count() or 1))
        except OSError:
            pass
        group = os.path.join(parent, name)
        os.mkdir(group, 0o755)
        self.dirs.append(group)
        _write(group, "memory.max", memory_bytes)
        try:
            _write(group, "memory.swap.max", 0)
        except OSError:
            pass
        _write(group, "pids.max", processes)

    def oom_killed(self) -> bool:
        """True once the kernel has refused the child memory (an OOM kill, or the limit hit)."""
        if not self.dirs:
            return False
        try:
            if self.version == 2:
                events = _read(self.dirs[0], "memory.events")
                return any(line.split()[0] in ("oom_kill", "oom") and int(line.split()[1]) > 0
                           for line in events.splitlines() if len(line.split()) == 2)
            control = _read(self.dirs[0], "memory.oom_control")
            return any(line.split()[0] in ("oom_kill", "under_oom") and int(line.split()[1]) > 0
                       for line in control.splitlines() if len(line.split()) == 2)
        except (OSError, ValueError):
            return False

    def pids(self) -> list[int] | None:
        """The processes in any of the child's groups (a zombie has left the lists already), or
        None if a group's list cannot be read."""
        found = set()
        for folder in self.dirs:
            members = _members(folder)
            if members is None and os.path.isdir(folder):
                return None
            found.update(members or ())
        return sorted(found)

    def in_memory_group(self, pid: int) -> bool:
        """True if ``pid`` is in the child's memory group (the first of its groups, v1 and v2)."""
        return bool(self.dirs) and pid in (_members(self.dirs[0]) or ())

    def holds(self, pid: int) -> bool:
        """True if ``pid`` is in every one of the child's groups (so all its later forks are too)."""
        return bool(self.dirs) and all(pid in (_members(folder) or ()) for folder in self.dirs)

    def tree(self) -> set | None:
        """Every process in the child's groups, zombies included, or None when that cannot be told
        from the group alone (then scan /proc).  The member list leaves out a zombie, which may
        still hand its parent a result; the pids controller counts each task until it is reaped, so
        the list is complete only when pids.current equals its members' thread counts."""
        pids_dir = next((d for d in self.dirs if os.path.exists(os.path.join(d, "pids.current"))), None)
        if pids_dir is None:
            return None
        try:
            tasks = int(_read(pids_dir, "pids.current"))
        except (OSError, ValueError):
            return None
        members = _members(pids_dir)
        if members is None:
            return None
        threads = 0
        for pid in members:
            fields = stat_fields(pid)
            if len(fields) < 18:
                return None
            threads += int(fields[17])  # num_threads
        return members if threads == tasks else None

    def kill_all(self, seconds: float = 5.0) -> bool:
        """SIGKILL every process in the group until it is empty; True if it emptied."""
        if not self.dirs:
            return True
        if self.version == 2:
            try:
                _write(self.dirs[0], "cgroup.kill", 1)
            except OSError:
                pass
        return kill_until_gone(self.pids, seconds)  # pids() is None, not [], for a list it cannot read

    def remove(self) -> None:
        for folder in reversed(self.dirs):
            for _ in range(100):
                try:
                    os.rmdir(folder)
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still busy for a moment after its last process is reaped
                    time.sleep(0.01)
        self.dirs = []


def _write(folder: str, name: str, value) -> None:
    with open(os.path.join(folder, name), "w") as handle:
        handle.write(str(value))


def _read(folder: str, name: str) -> str:
    with open(os.path.join(folder, name)) as handle:
        return handle.read()


def _members(folder: str) -> set | None:
    """The pids listed in a group's cgroup.procs, or None if it cannot be read."""
    try:
        return {int(p) for p in _read(folder, "cgroup.procs").split()}
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# Child side: called once, right after the fork, before any learner code
# ---------------------------------------------------------------------------------------------

def _bound_paths(hidden: list[str]) -> list[str]:
    """What the child may read: the interpreter, its libraries, site-packages; never the kit's folder."""
    wanted = ["/usr", sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    wanted += [p for p in sys.path if p and os.path.isabs(p)]
    chosen: list[str] = []
    for path in wanted:
        path = os.path.normpath(path)
        if not os.path.isdir(path) or path == "/":
            continue
        # a folder holding the kit's source (an editable install, or PYTHONPATH pointing at a checkout)
        # would show its tests, solutions and grading modules: only site-packages-like folders pass
        if any(h == path or h.startswith(path + os.sep) for h in hidden) and "-packages" not in path:
            continue
        if any(path == c or path.startswith(c + os.sep) for c in chosen):
            continue
        chosen = [c for c in chosen if not c.startswith(path + os.sep)] + [path]
    return chosen


ETC_FILES = ("ld.so.cache", "ld.so.conf", "localtime", "nsswitch.conf", "passwd", "group", "hosts")
DEVICES = ("null", "zero", "full", "random", "urandom")


def _read_only(target: str, recursive: bool = True) -> None:
    """Make a bind mount (and, if ``recursive``, every mount under it) read-only, nosuid, nodev."""
    class MountAttr(ctypes.Structure):
        _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                    ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]

    attr = MountAttr(1 | 2 | 4, 0, 0, 0)  # MOUNT_ATTR_RDONLY | NOSUID | NODEV
    # mount_setattr (442 on x86_64 and arm64) also covers submounts; else a plain remount of the top
    if _libc.syscall(442, -100, os.fsencode(target), 0x8000 if recursive else 0, ctypes.byref(attr), ctypes.sizeof(attr)) == 0:
        return
    flags = os.statvfs(target).f_flag & (MS_NOEXEC | MS_NOSUID | MS_NODEV | MS_RDONLY)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | flags)


def _bind(source: str, root: str, writable: bool = False) -> None:
    target = root + source
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    if not writable:
        _read_only(target)


def _scratch_tmpfs(root: str, size: int) -> None:
    """One tmpfs of ``size`` bytes for both /tmp (the working directory) and /dev/shm.

    Together they never hold more than the memory limit, and the trusted side reads the whole of
    it with one statvfs (without a memory cgroup it adds that to the resident memory it watches).
    Mounted on a staging folder, its two subfolders bound into place, the staging mount detached:
    neither folder shows the other."""
    staging = root + "/.scratch"
    os.mkdir(staging, 0o700)
    _mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=0755")
    for name, target, noexec in (("tmp", root + WORKDIR, 0), ("shm", root + "/dev/shm", MS_NOEXEC)):
        os.mkdir(f"{staging}/{name}")
        os.chmod(f"{staging}/{name}", 0o1777)
        os.makedirs(target, exist_ok=True)
        _mount(f"{staging}/{name}", target, None, MS_BIND)
        if noexec:
            _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | noexec)
    _check(_libc.umount2(os.fsencode(staging), MNT_DETACH), "detach the staging tmpfs")
    os.rmdir(staging)


def _bound_kernel_memory(user_namespace: bool) -> list[str]:
    """Without a memory cgroup: memory the trusted side's watch cannot see from outside is refused.

    In a user namespace, no nested one can be made (user.max_user_namespaces of the child's
    namespace, checked on every creation below it), so no process of the child can mount a tmpfs
    of its own; the seccomp filter refuses new namespaces too, and SysV shared memory (shmget),
    whose unmapped segments no watch could see.  Called while the child still has its capabilities; a setting the
    kernel refuses (one older than per-namespace sysctls) is a warning."""
    settings = [("user/max_user_namespaces", 0)] if user_namespace else []
    warnings = []
    for name, value in settings:
        try:
            _write("/proc/sys", name, value)
        except OSError as exc:
            warnings.append(messages.NO_SYSCTL.format(name=name.replace("/", "."), reason=exc.strerror or exc))
    return warnings


def _build_root(scratch: str, memory_bytes: int, hidden: list[str]) -> None:
    root = os.path.join(scratch, "root")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount reaches the grader's namespace
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    for name in ("bin", "lib", "lib64", "sbin", "lib32", "libx32"):
        if os.path.islink(f"/{name}"):  # merged-/usr systems: /lib -> usr/lib (made first: binds may pass through)
            os.symlink(os.readlink(f"/{name}"), os.path.join(root, name))
    for path in _bound_paths(hidden):
        _bind(path, root)
    for name in ETC_FILES:
        if os.path.isfile(f"/etc/{name}"):
            _bind(f"/etc/{name}", root)
    for folder in hidden:  # the kit's package inside a bound site-packages: an empty read-only folder
        target = root + folder
        if os.path.isdir(target):
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=0555")
    os.makedirs(root + "/dev", exist_ok=True)
    _mount("tmpfs", root + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            _bind(f"/dev/{name}", root, writable=True)
    _scratch_tmpfs(root, max(64 * 1024**2, int(memory_bytes)))
    os.makedirs(root + SUBMISSION_DIR)
    _mount(os.path.join(scratch, "source"), root + SUBMISSION_DIR, None, MS_BIND)
    _read_only(root + SUBMISSION_DIR)
    os.makedirs(root + "/proc")
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)  # this namespace's processes only
    _read_only(root, recursive=False)
    os.chdir(root)
    _check(_libc.syscall(155, b".", b"."), "pivot_root")  # 155: pivot_root on x86_64
    _check(_libc.umount2(b".", MNT_DETACH), "detach the old root")
    os.chdir(WORKDIR)


def _drop_capabilities() -> None:
    """Inside a user namespace we are all-powerful over our own mounts: give that up for good."""
    for cap in range(64):
        if prctl(PR_CAPBSET_DROP, cap) != 0:
            break

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    data = (Data * 2)()
    _check(_libc.syscall(126, ctypes.byref(Header(0x20080522, 0)), data), "capset")  # 126: capset on x86_64


def _relay(pid: int) -> None:
    """The intermediate process: wait for the jailed init, then end the same way it did."""
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(70)
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        except (OSError, ValueError):
            pass
        os._exit(128 + signum)
    os._exit(os.WEXITSTATUS(status))


def enter(settings: dict, keep_fds: tuple, report=None) -> tuple[str, list[str]]:
    """Jail this process; returns (the submission's path inside the jail, warnings).

    If the jail cannot be finished, ``report(reason)`` is called and the process exits (71): a
    jail half-built is no jail, so no code of the caller's runs after that.

    As root (or with user namespaces) this forks once more: the caller's process becomes a small
    relay that waits for the jailed PID 1 and exits with its status; only the jailed process returns.
    Killing the relay kills the jail (PR_SET_PDEATHSIG), and the cgroup is killed whole besides.
    """
    scratch = settings["scratch"]
    module = settings["module"]
    warnings: list[str] = []
    # as root, a slot uid; else (or when the tests ask for it) a user namespace of the grader's own uid
    root = os.geteuid() == 0 and not settings.get("user_namespace")
    for folder in settings.get("cgroups", ()):
        try:
            _write(folder, "cgroup.procs", 0)  # 0: this process; every later fork stays in the group
        except OSError as exc:
            warnings.append(messages.CGROUP_NOT_JOINED.format(reason=exc.strerror))
    flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC
    if not root:
        flags |= CLONE_NEWUSER
    outer_uid, outer_gid = os.getuid(), os.getgid()
    if settings.get("no_namespaces") or _libc.unshare(flags) != 0:
        reason = "AUTOGRADER_TEST_NO_NAMESPACES=1" if settings.get("no_namespaces") else os.strerror(ctypes.get_errno())
        if _libc.unshare(CLONE_NEWNET | (0 if root else CLONE_NEWUSER)) != 0:
            warnings.append(messages.NO_NETWORK_NAMESPACE.format(reason=os.strerror(ctypes.get_errno())))
        warnings.append(messages.NOT_JAILED_BECAUSE.format(
            reason=reason, who=messages.NOT_JAILED_AS_ROOT if root else messages.NOT_JAILED_AS_USER))
        return _unjailed(settings, warnings)
    if not root:
        try:
            _write("/proc/self", "setgroups", "deny")
            _write("/proc/self", "uid_map", f"{outer_uid} {outer_uid} 1")
            _write("/proc/self", "gid_map", f"{outer_gid} {outer_gid} 1")
        except OSError as exc:
            warnings.append(messages.USER_NAMESPACE_MAP.format(reason=exc.strerror))
            return _unjailed(settings, warnings)
    alive_r, alive_w = os.pipe()
    pid = os.fork()
    if pid:
        # the relay: holds nothing of the session, so the trusted side sees EOF when the jail dies
        os.close(alive_r)
        for fd in keep_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        _relay(pid)
    os.close(alive_w)
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _build_root(scratch, int(settings.get("memory_bytes", 2 * 1024**3)), list(settings.get("hidden", ())))
        if not settings.get("cgroups"):
            warnings += _bound_kernel_memory(not root)
        if root:
            uid = int(settings["uid"])
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        else:
            _drop_capabilities()
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        # changing uid clears the death signal: set it again, then make sure the relay did not die in between
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if select.select([alive_r], [], [], 0)[0]:
            os._exit(70)
    except Exception as exc:  # noqa: BLE001 - a jail half-built is no jail: stop, and say why
        try:
            if report is not None:
                report(f"{type(exc).__name__}: {exc}")  # learner output is not set up yet: stderr goes nowhere
            sys.stderr.write(f"jail: {exc}\n")
        finally:
            os._exit(71)
    os.environ.update(HOME=WORKDIR, TMPDIR=WORKDIR, TEMP=WORKDIR, TMP=WORKDIR)
    # the fork server's own temp folder (the grader's TMPDIR, cached by tempfile) is not in the jail:
    # without this, tempfile (and so autograph, which converts every tf.function) looks for it there
    tempfile.tempdir = None
    _filter(warnings)  # the last step: after every mount, the uid change or capability drop, no_new_privs
    return os.path.join(SUBMISSION_DIR, f"{module}.py"), warnings


def _filter(warnings: list[str]) -> None:
    """Install the seccomp filter (sandbox.seccomp); a warning if it cannot be, never silence."""
    try:
        missing = seccomp.install()
    except Exception as exc:  # noqa: BLE001 - a filter that cannot be built is a warning like any other
        missing = messages.NO_SECCOMP.format(reason=f"{type(exc).__name__}: {exc}")
    if missing:
        warnings.append(missing)


def _unjailed(settings: dict, warnings: list[str]) -> tuple[str, list[str]]:
    """No namespaces on this machine: still a private folder and, as root, a uid of its own."""
    workdir = os.path.join(settings["scratch"], "root")
    path = os.path.join(settings["scratch"], "source", f"{settings['module']}.py")
    if os.geteuid() == 0:
        uid = int(settings["uid"])
        os.chown(workdir, uid, uid)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.chdir(workdir)
    os.environ.update(HOME=workdir, TMPDIR=workdir, TEMP=workdir, TMP=workdir)
    if prctl(PR_SET_NO_NEW_PRIVS, 1) == 0:  # any process may set it; the filter needs it
        _filter(warnings)
    else:
        warnings.append(messages.NO_SECCOMP.format(reason=messages.SECCOMP_NO_NEW_PRIVS))
    return path, warnings
