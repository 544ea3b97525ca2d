"""The child's seccomp filter: system calls no submission needs are refused with EPERM.

One job: build a classic BPF program and install it with seccomp(2) (SECCOMP_SET_MODE_FILTER,
SECCOMP_FILTER_FLAG_TSYNC), with no library beyond ctypes.  ``jail.enter`` calls ``install`` as
its last step, after the mounts, pivot_root, the uid change or capability drop and no_new_privs,
so the jail itself never meets the filter; every process and thread the child starts inherits it.

A denylist in the spirit of Docker's default profile: a denied call fails with EPERM (clone3 with
ENOSYS), so a submission that tries one gets an ordinary ``PermissionError`` and a clear message,
never a mysterious crash.  Denied: debugging and reading other processes (ptrace,
process_vm_readv/writev, kcmp, pidfd_getfd, process_madvise), the kernel's attack surface that no
gradient needs (bpf, perf_event_open, userfaultfd, the keyring, io_uring, which would also run
system calls the filter never sees), new namespaces (unshare, setns, clone with a CLONE_NEW* flag;
clone3 hides its flags behind a pointer the filter cannot read, so it answers ENOSYS and glibc
falls back to clone), mounting (the old and the new mount API, pivot_root, chroot), file handles
(open_by_handle_at, name_to_handle_at), SysV IPC objects (a shared memory segment no process maps,
a message queue or a semaphore set is memory the watch without a cgroup cannot see; POSIX shm
lives on the child's own tmpfs), and administration (modules, kexec, reboot, swap, the
clock, syslog, quotas, accounting, host names, I/O ports, personality other than the default ones).
Anything from another ABI than the one the filter was built for (i386 ``int 0x80`` on x86_64, or
AArch32 on arm64) kills the process: its numbers mean other calls.  x32 calls on x86_64 are refused.

Nothing here imports TensorFlow or another module of the kit but sandbox.messages.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import sys
import threading

from autograder.sandbox import messages

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
X32_SYSCALL_BIT = 0x40000000

# classic BPF, as in <linux/filter.h>
BPF_LD_W_ABS = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x05 | 0x10  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x05 | 0x30
BPF_JSET_K = 0x05 | 0x40
BPF_RET_K = 0x06

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

# offsets in struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
NR, ARCH = 0, 4
ARG0_LOW = 16 + (4 if sys.byteorder == "big" else 0)  # the flags of clone and personality fit in 32 bits

# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
# personality(2) values allowed (Docker's): PER_LINUX, PER_LINUX32, UNAME26 and both, and the query
PERSONAS = (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF)

# Refused with EPERM (where the architecture has the call).
DENIED = (
    # other processes' memory and state
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise",
    # kernel attack surface no gradient needs (io_uring runs system calls the filter never sees)
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "fanotify_init", "lookup_dcookie",
    # SysV shared memory: a segment no process maps is memory no watch can see without a cgroup
    # (POSIX shm, /dev/shm, is a file on the child's own size-limited tmpfs instead)
    "shmget", "shmat", "shmctl", "msgget", "semget",  # message queues and semaphore sets: kernel memory too
    # namespaces and mounts
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "open_by_handle_at", "name_to_handle_at",
    # administration of the machine
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
    "get_kernel_syms", "query_module", "reboot", "swapon", "swapoff", "acct", "settimeofday",
    "clock_settime", "clock_adjtime", "adjtimex", "syslog", "quotactl", "quotactl_fd", "sethostname",
    "setdomainname", "iopl", "ioperm", "uselib", "_sysctl", "sysfs", "ustat", "nfsservctl", "vhangup",
)

# system call numbers (from asm/unistd_64.h and asm-generic/unistd.h)
SYSCALLS = {
    "x86_64": {
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "pidfd_getfd": 438,
        "process_madvise": 440, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "keyctl": 250,
        "add_key": 248, "request_key": 249, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "fanotify_init": 300, "lookup_dcookie": 212, "unshare": 272, "setns": 308,
        "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "open_by_handle_at": 304, "name_to_handle_at": 303, "kexec_load": 246, "kexec_file_load": 320,
        "init_module": 175, "finit_module": 313, "delete_module": 176, "create_module": 174,
        "get_kernel_syms": 177, "query_module": 178, "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163,
        "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159, "syslog": 103,
        "quotactl": 179, "quotactl_fd": 443, "sethostname": 170, "setdomainname": 171, "iopl": 172,
        "ioperm": 173, "uselib": 134, "_sysctl": 156, "sysfs": 139, "ustat": 136, "nfsservctl": 180,
        "vhangup": 153, "shmget": 29, "shmat": 30, "shmctl": 31, "msgget": 68, "semget": 64,
        "clone": 56, "clone3": 435, "personality": 135, "seccomp": 317,
    },
    "aarch64": {
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "pidfd_getfd": 438,
        "process_madvise": 440, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "keyctl": 219,
        "add_key": 217, "request_key": 218, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "fanotify_init": 262, "lookup_dcookie": 18, "unshare": 97, "setns": 268,
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "open_by_handle_at": 265, "name_to_handle_at": 264, "kexec_load": 104, "kexec_file_load": 294,
        "init_module": 105, "finit_module": 273, "delete_module": 106, "reboot": 142, "swapon": 224,
        "swapoff": 225, "acct": 89, "settimeofday": 170, "clock_settime": 112, "clock_adjtime": 266,
        "adjtimex": 171, "syslog": 116, "quotactl": 60, "quotactl_fd": 443, "sethostname": 161,
        "setdomainname": 162, "nfsservctl": 42, "vhangup": 58, "shmget": 194, "shmctl": 195, "shmat": 196,
        "msgget": 186, "semget": 190,
        "clone": 220, "clone3": 435, "personality": 92, "seccomp": 277,
    },
}
AUDIT_ARCH = {"x86_64": AUDIT_ARCH_X86_64, "aarch64": AUDIT_ARCH_AARCH64}
ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}


def machine() -> str:
    name = os.uname().machine
    return ALIASES.get(name, name)


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, 0, 0, k)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _ret(value: int) -> bytes:
    return _stmt(BPF_RET_K, value)


def _blocks(arch: str) -> dict:
    """What each special system call does, as a block of instructions that ends in a return (A = nr)."""
    table = SYSCALLS[arch]
    eperm, enosys = SECCOMP_RET_ERRNO | errno.EPERM, SECCOMP_RET_ERRNO | errno.ENOSYS
    blocks = {table[name]: [_ret(eperm)] for name in DENIED if name in table}
    # clone: refused with any namespace flag
    blocks[table["clone"]] = [_stmt(BPF_LD_W_ABS, ARG0_LOW),
                              _jump(BPF_JSET_K, CLONE_NAMESPACES, 0, 1),
                              _ret(eperm),
                              _ret(SECCOMP_RET_ALLOW)]
    # personality: only the default personas (and the query)
    blocks[table["personality"]] = ([_stmt(BPF_LD_W_ABS, ARG0_LOW)]
                                    + [_jump(BPF_JEQ_K, persona, len(PERSONAS) - i, 0) for i, persona in enumerate(PERSONAS)]
                                    + [_ret(eperm), _ret(SECCOMP_RET_ALLOW)])
    # clone3: its flags are behind a pointer; ENOSYS makes glibc fall back to clone
    blocks[table["clone3"]] = [_ret(enosys)]
    return blocks


def _search(entries: list) -> list:
    """A binary search over (nr, block) sorted by nr, each path ending in a return: a few comparisons
    per system call instead of one per denied call.  Every jump is forward and short (< 256)."""
    if len(entries) <= 4:
        code = []
        for nr, block in entries:
            code += [_jump(BPF_JEQ_K, nr, 0, len(block))] + block
        return code + [_ret(SECCOMP_RET_ALLOW)]
    middle = len(entries) // 2
    below, above = _search(entries[:middle]), _search(entries[middle:])
    assert len(below) < 256, "a classic BPF jump offset is 8 bits"
    return [_jump(BPF_JGE_K, entries[middle][0], len(below), 0)] + below + above


def program(arch: str) -> bytes:
    """The filter for ``arch`` ('x86_64' or 'aarch64'): struct sock_filter instructions, 8 bytes each."""
    code = [
        _stmt(BPF_LD_W_ABS, ARCH),
        _jump(BPF_JEQ_K, AUDIT_ARCH[arch], 1, 0),
        _ret(SECCOMP_RET_KILL_PROCESS),  # another ABI: its numbers mean other calls
        _stmt(BPF_LD_W_ABS, NR),
    ]
    if arch == "x86_64":  # the x32 ABI: the same calls under other numbers
        code += [_jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1), _ret(SECCOMP_RET_ERRNO | errno.EPERM)]
    code += _search(sorted(_blocks(arch).items()))
    return b"".join(code)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int


# built once at import (the fork server imports this module), so a child only installs it
_PROGRAM = program(machine()) if machine() in SYSCALLS else None


def install(arch: str | None = None) -> str | None:
    """Install the filter on every thread of this process; None, or a warning saying why it is not there.

    ``arch`` is this machine's (``machine()``) unless given.  The caller must have set no_new_privs
    (or hold CAP_SYS_ADMIN): the kernel refuses otherwise."""
    arch = arch or machine()
    if arch not in SYSCALLS:
        return messages.NO_SECCOMP.format(reason=messages.SECCOMP_UNKNOWN_ARCH.format(arch=arch))
    code = _PROGRAM if arch == machine() and _PROGRAM else program(arch)
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    result = _libc.syscall(ctypes.c_long(SYSCALLS[arch]["seccomp"]), ctypes.c_long(SECCOMP_SET_MODE_FILTER),
                           ctypes.c_long(SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(prog))
    if result == 0:
        return None
    if result > 0:  # TSYNC: this thread could not be synchronised; nothing was installed
        return messages.NO_SECCOMP.format(reason=messages.SECCOMP_THREAD.format(tid=result))
    code_ = ctypes.get_errno()
    if code_ in (errno.ENOSYS, errno.EINVAL):  # a kernel before seccomp(2) or TSYNC: the prctl, this thread only
        if _libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(prog), 0, 0) == 0:
            # fine where this is the only thread (a freshly forked child): every later one inherits it
            others = [t for t in os.listdir("/proc/self/task") if int(t) != threading.get_native_id()]
            return messages.NO_SECCOMP.format(reason=messages.SECCOMP_THREAD.format(tid=others[0])) if others else None
        code_ = ctypes.get_errno()
    return messages.NO_SECCOMP.format(reason=os.strerror(code_))


def mode() -> int | None:
    """This process's seccomp mode from /proc/self/status (0 none, 1 strict, 2 filter)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("Seccomp:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None
