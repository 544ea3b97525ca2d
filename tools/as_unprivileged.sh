#!/usr/bin/env bash
# Run a command of the kit as an unprivileged user (nobody), to exercise the sandbox's real
# non-root path (a user namespace of the grader's own uid, no cgroup):
#
#     sudo tools/as_unprivileged.sh python -m pytest tests/test_isolation.py -k hostile
#     sudo TMPDIR=/some/dir/nobody/owns tools/as_unprivileged.sh python -m autograder.cli grade ... --json OUT
#
# Run it as root (tests/test_unprivileged.py does, in CI).  Nothing on the machine changes and no
# permission is loosened: in a private mount namespace of this command only, read-only bind mounts
# under /mnt (a tmpfs there, gone with the command) make reachable what nobody could not reach:
#   /mnt/python  the Python install (pyenv under /root, say);
#   /mnt/kit     the kit's checkout (it may sit in a folder only root can enter: a CI clone under
#                /root); its files must be readable by others, as git checks them out;
#   /mnt/site    the venv's site-packages, when it is not inside the checkout.
# The command runs in /mnt/kit.  "python" in it means that Python.  TMPDIR (default /tmp) is
# passed on: the grader's scratch folders go there, so it must be writable by nobody.
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
mkdir /mnt/python /mnt/home /mnt/kit
mount --bind -o ro "$base" /mnt/python
mount --bind -o ro "$kit" /mnt/kit
case "$site" in
    "$kit"/*) site="/mnt/kit/${site#"$kit"/}" ;;
    *) mkdir /mnt/site && mount --bind -o ro "$site" /mnt/site && site=/mnt/site ;;
esac
home=/mnt/home
chown nobody "$home"
args=()
for arg in "$@"; do
    [ "$arg" = python ] && arg="/mnt/python/bin/python$version"
    args+=("$arg")
done
cd /mnt/kit
# LD_LIBRARY_PATH: the interpreter's RUNPATH names the install's own folder, which nobody cannot
# enter; without it the loader would silently pick the system's libpython instead
exec setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
    env -i PATH="/mnt/python/bin:/usr/bin:/bin" HOME="$home" TMPDIR="${TMPDIR:-/tmp}" LANG=C.UTF-8 \
    LD_LIBRARY_PATH=/mnt/python/lib PYTHONPATH="/mnt/kit:$site" PYTHONDONTWRITEBYTECODE=1 \
    TF_CPP_MIN_LOG_LEVEL=3 "${args[@]}"
