# Sourced by ci.sh and tinker_releases.sh: a virtual environment for one tinker release,
# layered on a base environment that already holds torch and the adapter.
#
#   tinker_layered_env BASE_PYTHON DIR VERSION   prints DIR's python; returns 1 if tinker cannot be installed
#
# DIR is created with BASE_PYTHON's interpreter, and a .pth file in its site-packages adds the
# base environment's site-packages after its own (with their .pth files, so the editable adapter
# too): torch and pip are installed once, and each release's own tinker and dependencies come first.
# Only what is missing is installed; the pip log is DIR.tinker-install.log.
tinker_layered_env() {
  local base_py="$1" dir="$2" version="$3" py="$2/bin/python" base_site site
  if [ ! -x "$py" ]; then
    mkdir -p "$(dirname "$dir")"
    # No pip of its own: the base environment's, found through the .pth file, installs here.
    "$base_py" -m venv --without-pip "$dir" >/dev/null 2>&1 || return 1
  fi
  base_site="$("$base_py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" || return 1
  site="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" || return 1
  printf 'import site; site.addsitedir(%s)\n' "$("$py" -c 'import sys; print(repr(sys.argv[1]))' "$base_site")" \
    >"$site/regspec-base-environment.pth"
  if [ "$("$py" -c 'from importlib.metadata import version; print(version("tinker"))' 2>/dev/null)" != "$version" ]; then
    echo "installing tinker==$version into $dir" >&2
    "$py" -m pip install --disable-pip-version-check --quiet "tinker==$version" >"$dir.tinker-install.log" 2>&1 || return 1
  fi
  echo "$py"
}
