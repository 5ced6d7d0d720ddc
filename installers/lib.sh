# Shared by setup.sh, lock.sh, drift.sh and build_bundle.sh (sourced, not run).

LOCK_DIR=installers/lock
PYTHON_WANTED=3.11  # the locks are resolved for CPython 3.11

# Where the CPU torch wheel comes from: a folder or page given in UV_FIND_LINKS, PIP_FIND_LINKS
# or pip's own configuration (a machine with the wheel at hand), else PyTorch's page of CPU wheels.
torch_find_links() {
  local configured
  configured=$(python3 -m pip config get global.find-links 2>/dev/null || true)
  echo "${UV_FIND_LINKS:-${PIP_FIND_LINKS:-${configured:-https://download.pytorch.org/whl/cpu/torch/}}}"
}

# A CPython 3.11 on this machine ("" if none): the locks pin wheels built for it.
find_python() {
  local candidate
  for candidate in python3 "python$PYTHON_WANTED"; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$PYTHON_WANTED" ]; then
      command -v "$candidate"
      return
    fi
  done
}

# Install the pinned, hashed uv into DIR (a new venv) and print the path of its binary.
bootstrap_uv() {
  local dir=$1 python
  python=$(find_python)
  python=${python:-python3}
  "$python" -m venv "$dir" >&2
  "$dir/bin/python" -m pip install -q --require-hashes -r "$LOCK_DIR/uv.txt" >&2
  echo "$dir/bin/uv"
}

# The lock for SET (app, test, bundle) on this platform.
lock_file() {
  local arch
  arch=$(uname -m)
  case "$(uname -s)-$arch" in
    Linux-x86_64) echo "$LOCK_DIR/linux-x86_64-$1.txt" ;;
    Darwin-arm64) echo "$LOCK_DIR/macos-arm64-$1.txt" ;;  # bundle only (installers/lock.sh)
    *) echo "no lock for $(uname -s) $arch: run installers/lock.sh there first" >&2; return 1 ;;
  esac
}

# Create the venv DIR with CPython 3.11 and install the lock SET into it, then SoundSeek itself
# (editable, its dependencies already in place).
install_locked() {
  local dir=$1 set=$2 lock python
  lock=$(lock_file "$set")
  python=$(find_python)
  rm -rf "$dir"
  if [ -n "$python" ]; then
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --require-hashes -r "$LOCK_DIR/uv.txt"
  else  # no CPython 3.11 here: uv brings its own build of it
    python3 -m venv "$dir.uv" && "$dir.uv/bin/python" -m pip install -q --require-hashes \
      -r "$LOCK_DIR/uv.txt" && "$dir.uv/bin/uv" venv -q --seed --python "$PYTHON_WANTED" "$dir"
    "$dir/bin/python" -m pip install -q --require-hashes -r "$LOCK_DIR/uv.txt"
    rm -rf "$dir.uv"
  fi
  "$dir/bin/uv" pip install -q --python "$dir/bin/python" --require-hashes \
    --find-links "$(torch_find_links)" -r "$lock"
  "$dir/bin/uv" pip install -q --python "$dir/bin/python" --no-deps --no-build-isolation -e .
}
