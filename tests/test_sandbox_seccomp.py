"""The seccomp filter (sandbox.seccomp) itself, installed in a plain forked process: no mocks.

Each test forks, installs the filter in the fork, makes real system calls there and sends back
what it saw; the grading path (the child's jail) is covered by tests/hostile/seccomp_escape.py and
the Seccomp probe in tests/test_sandbox_userns.py; the fallback without namespaces is reached for real
by grading from a process that is itself under the filter (so unshare fails).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import signal
import struct

import pytest

from autograder.sandbox import messages, seccomp

pytestmark = pytest.mark.skipif(seccomp.machine() not in seccomp.SYSCALLS, reason="no table for this architecture")

NR = seccomp.SYSCALLS.get(seccomp.machine(), {})
CLONE_NEWUSER = 0x10000000
SIGCHLD = 17


def in_filtered_fork(body, install: bool = True):
    """Run ``body()`` in a fork (after installing the filter); its JSON result, or ('signal', N)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            from autograder.sandbox.proc import PR_SET_NO_NEW_PRIVS, prctl

            prctl(PR_SET_NO_NEW_PRIVS, 1)
            result = {"installed": seccomp.install() if install else "not asked"}
            result.update(body())
            os.write(write, json.dumps(result).encode())
        except BaseException as exc:  # noqa: BLE001 - the parent shows it
            os.write(write, json.dumps({"error": repr(exc)}).encode())
        finally:
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return ("signal", os.WTERMSIG(status))
    result = json.loads(data)
    assert "error" not in result, result["error"]
    return result


def raw(name, *args):
    """syscall(NR[name], *args) -> (result, errno)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(NR[name]), *[ctypes.c_long(a) for a in args])
    return result, ctypes.get_errno()


def test_the_program_is_well_formed():
    for arch in seccomp.SYSCALLS:
        code = seccomp.program(arch)
        assert len(code) % 8 == 0 and len(code) // 8 < 4096  # BPF_MAXINSNS
        assert set(seccomp.DENIED) >= {"ptrace", "bpf", "io_uring_setup", "unshare", "mount", "keyctl"}
        # every jump lands inside the program, and the program ends in a return
        count = len(code) // 8
        for i in range(count):
            op, jt, jf, _k = struct.unpack_from("=HBBI", code, 8 * i)
            if op & 0x07 == 0x05:
                assert i + 1 + max(jt, jf) < count
        assert struct.unpack_from("=HBBI", code, 8 * (count - 1))[0] == seccomp.BPF_RET_K


def run_program(code: bytes, arch: int, nr: int, arg0: int = 0) -> int:
    """Classic BPF as the kernel runs it, for the instructions the filter uses: the action it returns."""
    data = struct.pack("=iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    pc, a, steps = 0, 0, 0
    while True:
        op, jt, jf, k = struct.unpack_from("=HBBI", code, 8 * pc)
        steps += 1
        if op == seccomp.BPF_LD_W_ABS:
            a = struct.unpack_from("=I", data, k)[0]
            pc += 1
        elif op in (seccomp.BPF_JEQ_K, seccomp.BPF_JGE_K, seccomp.BPF_JSET_K):
            taken = {seccomp.BPF_JEQ_K: a == k, seccomp.BPF_JGE_K: a >= k, seccomp.BPF_JSET_K: a & k != 0}[op]
            pc += 1 + (jt if taken else jf)
        elif op == seccomp.BPF_RET_K:
            return k, steps
        else:
            raise AssertionError(f"unexpected instruction {op:#x} at {pc}")


@pytest.mark.parametrize("arch", sorted(seccomp.SYSCALLS))
def test_the_program_decides_every_system_call_as_the_tables_say(arch):
    code, table, audit = seccomp.program(arch), seccomp.SYSCALLS[arch], seccomp.AUDIT_ARCH[arch]
    eperm = seccomp.SECCOMP_RET_ERRNO | errno.EPERM
    denied = {table[name] for name in seccomp.DENIED if name in table}
    assert len(denied) == len([n for n in seccomp.DENIED if n in table]), "two names share a number"
    longest = 0
    for nr in range(1024):
        action, steps = run_program(code, audit, nr)
        longest = max(longest, steps)
        if nr in denied:
            assert action == eperm, (arch, nr)
        elif nr == table["clone3"]:
            assert action == seccomp.SECCOMP_RET_ERRNO | errno.ENOSYS
        elif nr == table["personality"]:
            assert action == seccomp.SECCOMP_RET_ALLOW  # personality(0)
        else:
            assert action == seccomp.SECCOMP_RET_ALLOW, (arch, nr)
    assert longest < 20, "a binary search, not one comparison per denied call"
    clone = table["clone"]
    assert run_program(code, audit, clone, SIGCHLD)[0] == seccomp.SECCOMP_RET_ALLOW
    assert run_program(code, audit, clone, 0x003D0F00)[0] == seccomp.SECCOMP_RET_ALLOW  # pthread_create's flags
    for flag in (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000):
        assert run_program(code, audit, clone, flag | SIGCHLD)[0] == eperm, hex(flag)
    for persona in seccomp.PERSONAS:
        assert run_program(code, audit, table["personality"], persona)[0] == seccomp.SECCOMP_RET_ALLOW
    assert run_program(code, audit, table["personality"], 0x0040000)[0] == eperm  # ADDR_NO_RANDOMIZE
    assert run_program(code, 0x40000003, table["clone"])[0] == seccomp.SECCOMP_RET_KILL_PROCESS  # i386
    if arch == "x86_64":
        assert run_program(code, audit, seccomp.X32_SYSCALL_BIT | 39)[0] == eperm


def test_the_tables_match_the_kernel_headers():
    """Where this machine has the kernel's headers, every number in the tables is the header's."""
    headers = {"x86_64": "/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "aarch64": "/usr/include/asm-generic/unistd.h"}
    checked = 0
    for arch, header in headers.items():
        if not os.path.exists(header):
            continue
        text = open(header).read()
        for name, nr in seccomp.SYSCALLS[arch].items():
            found = re.search(rf"#define __NR(?:3264)?_{name}\s+(\d+)\b", text)
            if found:
                assert int(found.group(1)) == nr, (arch, name, nr, found.group(1))
                checked += 1
    if not checked:
        pytest.skip("no kernel headers on this machine")


def test_denied_calls_fail_with_eperm_and_clone3_with_enosys():
    def body():
        seen = {"mode": seccomp.mode()}
        seen["unshare"] = raw("unshare", CLONE_NEWUSER)
        seen["clone_newuser"] = raw("clone", CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)
        seen["clone3"] = raw("clone3", 0, 0)
        seen["ptrace_traceme"] = raw("ptrace", 0, 0, 0, 0)  # PTRACE_TRACEME: allowed without the filter
        seen["keyctl"] = raw("keyctl", 0, -3, 0)  # KEYCTL_GET_KEYRING_ID of the session keyring
        seen["io_uring_setup"] = raw("io_uring_setup", 1, 0)
        seen["bpf"] = raw("bpf", 0, 0, 0)
        seen["mount"] = raw("mount", 0, 0, 0, 0, 0)
        seen["shmget"] = raw("shmget", 0, 1 << 20, 0o1600)  # IPC_PRIVATE, IPC_CREAT
        seen["msgget"] = raw("msgget", 0, 0o1600)
        seen["semget"] = raw("semget", 0, 1, 0o1600)
        seen["personality_addr_no_randomize"] = raw("personality", 0x0040000)
        seen["personality_query"] = raw("personality", 0xFFFFFFFF)
        if seccomp.machine() == "x86_64":
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            ctypes.set_errno(0)
            seen["x32_getpid"] = (libc.syscall(ctypes.c_long(seccomp.X32_SYSCALL_BIT | 39)), ctypes.get_errno())
        return seen

    seen = in_filtered_fork(body)
    assert seen["installed"] is None, seen["installed"]
    assert seen["mode"] == 2
    for name in ("unshare", "clone_newuser", "ptrace_traceme", "keyctl", "io_uring_setup", "bpf", "mount",
                 "shmget", "msgget", "semget", "personality_addr_no_randomize"):
        assert seen[name] == [-1, errno.EPERM], (name, seen[name])
    assert seen["clone3"] == [-1, errno.ENOSYS]
    assert seen["personality_query"][0] >= 0
    if "x32_getpid" in seen:
        assert seen["x32_getpid"] == [-1, errno.EPERM]


def test_without_the_filter_the_same_calls_are_not_refused_so():
    """The calls above are refused by the filter, not by the machine: unfiltered they answer otherwise."""
    def body():
        seen = {"ptrace_traceme": raw("ptrace", 0, 0, 0, 0), "clone3": raw("clone3", 0, 0),
                "keyctl": raw("keyctl", 0, -3, 0), "shmget": raw("shmget", 0, 1 << 20, 0o1600)}
        if seen["shmget"][0] >= 0:
            raw("shmctl", seen["shmget"][0], 0, 0)  # IPC_RMID: leave no segment behind
        return seen

    seen = in_filtered_fork(body, install=False)
    assert seen["ptrace_traceme"][0] == 0
    assert seen["clone3"][1] == errno.EINVAL  # a NULL struct clone_args of size 0
    assert seen["keyctl"][0] > 0
    assert seen["shmget"][0] >= 0


def test_what_a_submission_needs_still_works():
    def body():
        import threading

        import numpy as np

        seen = {"getpid": os.getpid() > 0}
        box = []
        thread = threading.Thread(target=lambda: box.append(sum(range(10))))  # pthread_create: clone3, then clone
        thread.start()
        thread.join()
        seen["thread"] = box == [45]
        a = np.arange(12.0).reshape(3, 4)
        seen["numpy"] = float((a @ a.T).trace())
        child = os.fork()  # plain fork: clone without namespace flags
        if child == 0:
            os._exit(7)
        _, status = os.waitpid(child, 0)
        seen["fork"] = os.WEXITSTATUS(status)
        with open("/proc/self/status") as handle:
            seen["read_file"] = "Seccomp" in handle.read()
        return seen

    seen = in_filtered_fork(body)
    assert seen["installed"] is None
    assert seen["getpid"] and seen["thread"] and seen["read_file"]
    assert seen["numpy"] == 506.0  # the sum of the squares of 0..11
    assert seen["fork"] == 7


def _int80_getpid() -> int:
    """getpid through the i386 ABI (int 0x80, eax=20), from a page of machine code."""
    import mmap

    page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3]))  # mov eax, 20; int 0x80; ret
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    return ctypes.CFUNCTYPE(ctypes.c_int)(address)()


@pytest.mark.skipif(seccomp.machine() != "x86_64", reason="the i386 ABI is an x86_64 matter")
def test_another_abi_kills_the_process():
    plain = in_filtered_fork(lambda: {"pid": _int80_getpid()}, install=False)
    if plain == ("signal", signal.SIGSEGV) or not isinstance(plain, dict):
        pytest.skip("this kernel has no i386 emulation")
    assert plain["pid"] > 0
    assert in_filtered_fork(lambda: {"pid": _int80_getpid()}) == ("signal", signal.SIGSYS)


def test_an_unknown_architecture_is_a_warning():
    warning = seccomp.install("riscv64")  # returns before any system call
    assert warning == messages.NO_SECCOMP.format(reason=messages.SECCOMP_UNKNOWN_ARCH.format(arch="riscv64"))


PROBE = '''
def grad_of_square(w0):
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    return (float(status["Seccomp"]), float(status["Seccomp_filters"]), float(status["NoNewPrivs"]))
'''


def test_the_fallback_without_namespaces_installs_the_filter_too(tmp_path):
    """A grader whose own process refuses unshare (it runs under this very filter) gets children in
    jail._unjailed: they are not in their own namespaces (the NOT_JAILED warning says so), yet they set
    no_new_privs and stack a filter of their own."""
    from autograder import sandbox
    from autograder.records import Call
    from autograder.sandbox import messages as said

    target = tmp_path / "ex01_tape_basics.py"
    target.write_text(PROBE)

    def body():
        with sandbox.Sandbox(str(target), "ex01_tape_basics", sandbox.Limits(), server=None) as box:
            outcome = box.call(Call("grad_of_square", (1.0,)))
            notes = list(box.notes)
        return {"status": outcome.status, "value": outcome.value, "message": outcome.message, "notes": notes}

    seen = in_filtered_fork(body)
    assert seen["installed"] is None
    assert seen["status"] == "ok", seen
    assert any(note.startswith(said.NOT_JAILED) for note in seen["notes"]), seen["notes"]
    assert not any(note.startswith(said.NOT_FILTERED) for note in seen["notes"]), seen["notes"]
    mode, filters, no_new_privs = seen["value"]
    assert mode == 2 and no_new_privs == 1
    assert filters == 2, "the grader's filter, inherited, and the child's own"
