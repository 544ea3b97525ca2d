"""expect: full
System calls the jail's seccomp filter refuses, each of which would work for an ordinary process of
its uid: ptrace(PTRACE_TRACEME) (in a helper) and PTRACE_ATTACH on its own child, process_vm_readv
of its own memory, unshare(CLONE_NEWUSER) to be all-powerful again in a new user namespace, clone
with CLONE_NEWUSER, a real clone3, io_uring_setup, bpf, keyctl of the session keyring, a tmpfs mount,
and getpid through the x32 ABI.  Answers wrongly if any of them succeeds (x86_64 numbers; elsewhere
it answers right, as the filter's own test covers the other table).
"""
import ctypes
import os
import platform
import signal

import tensorflow as tf

CLONE_NEWUSER = 0x10000000
SIGCHLD = 17
NR = {"ptrace": 101, "process_vm_readv": 310, "unshare": 272, "clone": 56, "clone3": 435,
      "io_uring_setup": 425, "bpf": 321, "keyctl": 250, "mount": 165}

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(float(x0))
    with tf.GradientTape() as tape:
        p = coeffs[0] + tf.add_n([tf.zeros_like(x)] + [c * x ** k for k, c in enumerate(coeffs) if k > 0])
    g = tape.gradient(p, x)
    return 0.0 if g is None else float(g)


def grad_wrt_constant(f, x0):
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y = f(x0)
    return tape.gradient(y, x0)


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(float(x0))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            y = f(x)
        x.assign_sub(lr * tape.gradient(y, x))
    return float(x.numpy())


def _right(w0):
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = w ** 2
    return float(tape.gradient(loss, w))


def call(name, *args):
    return libc.syscall(ctypes.c_long(NR[name]), *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])


def _traceme():
    helper = os.fork()
    if helper == 0:
        os._exit(0 if call("ptrace", 0, 0, 0, 0) == 0 else 1)  # PTRACE_TRACEME
    _, status = os.waitpid(helper, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _attach_own_child():
    child = os.fork()
    if child == 0:
        signal.pause()
        os._exit(0)
    try:
        return call("ptrace", 16, child, 0, 0) == 0  # PTRACE_ATTACH
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def _read_own_memory():
    class IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    source, target = ctypes.create_string_buffer(b"secret", 8), ctypes.create_string_buffer(8)
    local, remote = IoVec(ctypes.addressof(target), 8), IoVec(ctypes.addressof(source), 8)
    return call("process_vm_readv", os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) > 0


def _forked(number, *args):
    """clone or clone3 that made a process (reaped at once)."""
    pid = libc.syscall(ctypes.c_long(number), *args)
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
    return pid > 0


def _clone3():
    args = (ctypes.c_uint64 * 8)(0, 0, 0, 0, SIGCHLD, 0, 0, 0)  # flags, pidfd, child_tid, parent_tid, exit_signal, ...
    return _forked(NR["clone3"], ctypes.byref(args), ctypes.c_long(64))


def _io_uring():
    params = ctypes.create_string_buffer(120)
    fd = call("io_uring_setup", 1, ctypes.byref(params))
    if fd >= 0:
        os.close(fd)
    return fd >= 0


def attempts():
    if platform.machine() != "x86_64":
        return {}
    attr = ctypes.create_string_buffer(128)
    return {  # in this order: after unshare(CLONE_NEWUSER) the uid has no mapping, and clone/mount would fail anyway
        "clone_newuser": _forked(NR["clone"], ctypes.c_long(CLONE_NEWUSER | SIGCHLD), ctypes.c_long(0),
                                 ctypes.c_long(0), ctypes.c_long(0), ctypes.c_long(0)),
        "mount": libc.mount(b"none", b"/tmp", b"tmpfs", ctypes.c_ulong(0), None) == 0,
        "ptrace_traceme": _traceme(),
        "ptrace_attach": _attach_own_child(),
        "process_vm_readv": _read_own_memory(),
        "clone3": _clone3(),
        "unshare_newuser": call("unshare", CLONE_NEWUSER) == 0,
        "io_uring_setup": _io_uring(),
        "bpf": call("bpf", 0, ctypes.byref(attr), 128) >= 0,  # BPF_MAP_CREATE
        "keyctl": call("keyctl", 0, -3, 1) > 0,  # KEYCTL_GET_KEYRING_ID of the session keyring
        "x32_getpid": libc.syscall(ctypes.c_long(0x40000000 | 39)) > 0,
    }


def grad_of_square(w0):
    worked = [name for name, ok in attempts().items() if ok]
    return 0.0 if worked else _right(w0)
