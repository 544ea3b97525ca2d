"""What the sandbox says about a child's process: one definition each, which the tests import.

Messages about the *process* (it timed out, ran out of memory, died, could not be imported, sent
something unreadable, tampered with the child's code) and warnings about what the jail could not
apply on this machine.  What a check says about the learner's *results* lives in
autograder.messages.  Templates are ``str.format`` strings; the names of their fields say what
goes in.  Changing a text here changes what students read: the corpus (tests/test_submissions.py)
pins it.
"""

# -- starting a child and importing the file -----------------------------------------------------
IMPORTING = "importing the file"  # the ``what`` of a timeout or crash before the first call
FILE_UNREADABLE = "the file could not be read: {reason}"
NO_UID_SLOT = "no free uid slot for the child"
FORK_SERVER_UNAVAILABLE = "fork server unavailable ({error}); using a fresh process"
NOT_IMPORTED = "the file could not be imported: {message}"
EXIT_AT_IMPORT = "the file exited the process at import (sys.exit({code})) ({site})"
OUTPUT_AT_IMPORT = "the file printed or wrote more than {mb:.0f} MB at import ({site})"
SYNTAX_ERROR = "the file has a syntax error at line {line} of {file}: {error}"
IMPORT_RAISED = "importing the file raised {error}"
NO_JAIL = "the grader could not set up the sandbox for this file (please report it): {error}"

# -- a call ---------------------------------------------------------------------------------------
BUDGET_USED = "not run: the submission used up its {seconds:g} s time budget"
TIMED_OUT = "{what} timed out after {seconds:.0f} s"
BUDGET_RAN_OUT = " (the {seconds:g} s budget for the whole file ran out)"  # appended to TIMED_OUT
MEMORY = "{what} used more than {gib:.1f} GiB of memory and was stopped"
CRASHED = "{what} {detail}"  # one of the three details below
KILLED_BY_SIGNAL = "was killed by signal {signal}"
EXITED = "exited the process with status {status} (sys.exit or os._exit)"
ENDED = "ended its process"
CALL_EXITED = "{function}() called sys.exit({code}) ({site})"
CALL_INTERRUPTED = "{function}() raised KeyboardInterrupt ({site})"
CALL_OUTPUT_LIMIT = "{function}() printed or wrote more than {mb:.0f} MB (the output limit) ({site})"
STOPPED_READING = "{function}(): the child stopped reading its calls"
STARTED_A_PROCESS = "it started another process during the call, which could compute the gradient"

# -- the reply ------------------------------------------------------------------------------------
UNREADABLE_REPLY = "{what}: the child sent an unreadable reply ({error})"
UNEXPECTED_REPLY = "{what}: the child sent an unexpected reply"
REPLY_TOO_LARGE = "a reply of {size} bytes (more than the {mb} MB limit)"
RESULT_TOO_LARGE = "the result is too large to send back ({mb} MB limit)"
CUT = "... (cut)"  # appended to learner text cut to jail.MAX_TEXT characters

# An entry of an Outcome's used_autodiff when the child's own code was changed under it.
GRADER_MODIFIED = "its process rewrote the grader's own code, so nothing it reports can be trusted"
UNTRUSTED_CALL = ("the submission's code rewrote the grader's own code in its process (its detectors, spy, "
                  "wire or connection), so this call's answer is not trusted")

# -- the fork server ------------------------------------------------------------------------------
FORK_REFUSED = "the fork server has run a TensorFlow op; forking now could deadlock"

# -- what the jail could not apply on this machine (notes on the report, never silently skipped) --
NOT_JAILED = "the submission is not in its own namespaces"  # prefix of the warning; the trusted side looks for it
NOT_JAILED_BECAUSE = NOT_JAILED + " ({reason}): it can see the machine's files and processes as {who}"
NOT_JAILED_AS_ROOT = "root dropped to an unprivileged uid"
NOT_JAILED_AS_USER = "the grading user"
NOT_JAILED_UNCONFIRMED = NOT_JAILED + " (its first answer said it was, but its process is not in a PID namespace of its own)"
USER_NAMESPACE_MAP = NOT_JAILED + " (user namespace map: {reason})"
NO_NETWORK_NAMESPACE = "no network namespace ({reason}): the submission can use the network"
NO_CGROUP = ("no memory cgroup ({reason}): memory is watched from outside every 50 ms (resident memory, "
             "its tmpfs, memfds and shared memory), not refused by the kernel")
NO_SYSCTL = "could not set {name} in the child's namespaces ({reason}): memory it holds there is not watched"
CGROUP_NOT_JOINED = "could not join the memory/pids cgroup ({reason}): memory is watched from outside, every 50 ms"
NOT_FILTERED = "no seccomp filter"  # prefix of the warning
NO_SECCOMP = (NOT_FILTERED + " ({reason}): the submission can make system calls the jail means to refuse "
              "(ptrace, io_uring, bpf, new namespaces, mounts)")
SECCOMP_UNKNOWN_ARCH = "no system call table for the {arch} architecture"
SECCOMP_THREAD = "thread {tid} could not be synchronised"
SECCOMP_NO_NEW_PRIVS = "no_new_privs could not be set"
