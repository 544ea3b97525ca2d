#!/usr/bin/env bash
# Run a command of the kit as an unprivileged user (nobody), to exercise the sandbox's real
# non-root path (a user namespace of the grader's own uid, no cgroup):
#
#     sudo tools/as_unprivileged.sh python -m pytest tests/test_isolation.py -k hostile
#
# Run it as root.  Where the Python install sits in a folder only root can enter (pyenv under
# /root), it is bind-mounted read-only under /mnt in a private mount namespace of this command
# only: nothing on the machine changes, no permission is loosened.  The kit and its venv's
# site-packages must be readable by nobody.  "python" in the command means that Python.
set -euo pipefail
if [ "${1:-}" != "--inside" ]; then
    exec unshare -m --propagation private "$0" --inside "$@"
fi
shift
kit="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$kit/.venv/bin/python}"
base="$("$python" -c 'import sys; print(sys.base_prefix)')"
site="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
mount -t tmpfs -o size=64m,mode=0755 tmpfs /mnt  # gone with this command's mount namespace
mkdir /mnt/python /mnt/home
mount --bind -o ro "$base" /mnt/python
home=/mnt/home
chown nobody "$home"
args=()
for arg in "$@"; do
    [ "$arg" = python ] && arg="/mnt/python/bin/python$version"
    args+=("$arg")
done
cd "$kit"
# LD_LIBRARY_PATH: the interpreter's RUNPATH names the install's own folder, which nobody cannot
# enter; without it the loader would silently pick the system's libpython instead
exec setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
    env -i PATH="/mnt/python/bin:/usr/bin:/bin" HOME="$home" TMPDIR=/tmp LANG=C.UTF-8 \
    LD_LIBRARY_PATH=/mnt/python/lib PYTHONPATH="$kit:$site" PYTHONDONTWRITEBYTECODE=1 \
    TF_CPP_MIN_LOG_LEVEL=3 "${args[@]}"
