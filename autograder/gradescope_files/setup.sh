#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (the zip's files are in
# /autograder/source).  It installs backprop-kit @KIT_VERSION@ exactly as it graded where this bundle was
# built: the dependencies pinned in requirements.txt, then the kit's own wheel (shipped in the zip,
# so nothing of the kit is fetched from an index).  Any failure stops the build, where the
# instructor sees it, instead of failing every student's submission later.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KIT_VERSION="@KIT_VERSION@"
KIT_WHEEL="@KIT_WHEEL@"
BUILT_WITH_PYTHON="@PYTHON_VERSION@"

if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-pip
fi

python3 - "$BUILT_WITH_PYTHON" <<'PY'
import sys
if sys.version_info < (3, 10):
    sys.exit(f"backprop-kit needs Python >= 3.10, this image has {sys.version.split()[0]}: "
             "choose a newer Ubuntu base image in the assignment's autograder settings")
here = "%d.%d" % sys.version_info[:2]
if here != sys.argv[1]:
    print(f"note: the bundle was built with Python {sys.argv[1]}, this image has {here}; "
          "if a pinned version in requirements.txt does not exist for it, pip says so below")
PY

# The image's Python belongs to the image alone: let pip install into it on images that mark it
# "externally managed" (PEP 668).  Older pips ignore the variable.
export PIP_BREAK_SYSTEM_PACKAGES=1
python3 -m pip install --no-cache-dir -r "$HERE/requirements.txt"
python3 -m pip install --no-cache-dir --no-deps --force-reinstall "$HERE/$KIT_WHEEL"

# Import the grader once, here: a broken install fails the image build, not a student's submission.
python3 - "$KIT_VERSION" <<'PY'
import importlib.metadata
import sys

installed = importlib.metadata.version("backprop-kit")
if installed != sys.argv[1]:
    sys.exit(f"installed backprop-kit {installed}, but this bundle was built for {sys.argv[1]}")
import autograder.gradescope
from autograder.checks import all_exercises

print(f"backprop-kit {installed} installed: exercises {', '.join(all_exercises())}")
PY
