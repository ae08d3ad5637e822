#!/usr/bin/env bash
# Create/refresh the project's virtual environment and the system packages the tests need.
# Idempotent and quiet when nothing changed. Usage: scripts/bootstrap.sh [--system]
#   --system   also install what the test suite exercises (Debian packages, each only when
#              missing): Chromium (browser tests, PDF), poppler-utils (reading the PDFs),
#              LibreOffice Writer (the DOCX conversion check); a CJK font is always needed
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
want_system=0
[ "${1:-}" = "--system" ] && want_system=1

# 1. Python >= 3.11
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "parkanalysis needs Python >= 3.11; '$PYTHON' is $("$PYTHON" --version 2>&1)." >&2
  echo "Set PYTHON=/path/to/python3.11 and run again." >&2
  exit 2
fi

# 2. System packages: a CJK font always (charts); with --system, what the tests run.
# Under CI=true the tests fail (not skip) when one of these is missing (tests/helpers.py).
has() { command -v "$1" >/dev/null 2>&1; }
need_apt=()
fonts=$(fc-list 2>/dev/null || true)
need_font=0
if ! grep -qiE 'Noto Sans CJK|WenQuanYi|Source Han Sans' <<<"$fonts"; then
  need_font=1
  need_apt+=(fonts-noto-cjk fontconfig)
fi
if [ "$want_system" = 1 ]; then
  # Chromium as the package finds it (parkanalysis/report/writers/pdf.py): PARKANALYSIS_CHROMIUM,
  # else one of its names on PATH
  if ! { [ -n "${PARKANALYSIS_CHROMIUM:-}" ] && [ -f "$PARKANALYSIS_CHROMIUM" ]; } &&
     ! has chromium && ! has chromium-browser && ! has google-chrome && ! has google-chrome-stable; then
    need_apt+=(chromium)
  fi
  for tool in pdfinfo pdftotext pdfimages pdftoppm; do  # tests read the PDF reports
    has "$tool" || { need_apt+=(poppler-utils); break; }
  done
  # the DOCX check converts the Word report with LibreOffice (soffice; libreoffice on some systems)
  has soffice || has libreoffice || need_apt+=(libreoffice-writer-nogui)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages: ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "Missing system packages: ${need_apt[*]}" >&2
    echo "Install them with your package manager (Debian/Ubuntu: sudo apt-get install ${need_apt[*]})." >&2
    if [ "$need_font" = 1 ]; then
      echo "Instead of a font package, PARKANALYSIS_FONT may name a font file that covers Chinese (.ttf/.otf/.ttc)." >&2
      [ -n "${PARKANALYSIS_FONT:-}" ] || exit 2
    fi
    if [ ${#need_apt[@]} -gt $((2 * need_font)) ]; then  # some the tests need
      if [ "${CI:-}" = true ]; then
        echo "CI=true: the test suite must run them all; stopping." >&2
        exit 2
      fi
      echo "The tests that need them will be skipped, each saying what is missing." >&2
    fi
  fi
fi

# 3. The virtual environment, refreshed when pyproject.toml changes.
stamp="$VENV/.installed"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing parkanalysis and its dependencies into $VENV ..."
  log="$VENV/install.log"
  : >"$log"
  # uv resolves and installs the same pins as pip in seconds rather than minutes (a fresh
  # clone on a busy 2-core machine spent three minutes here). It does not read pip's
  # configuration, so pip's index-url is passed on; if uv cannot be had or fails, pip does
  # the install as before. PARKANALYSIS_INSTALLER=pip skips uv.
  installed=0
  if [ "${PARKANALYSIS_INSTALLER:-uv}" = uv ] &&
     "$VENV/bin/python" -m pip install --quiet "uv>=0.5" >>"$log" 2>&1; then
    index=${PIP_INDEX_URL:-$("$VENV/bin/python" -m pip config get global.index-url 2>/dev/null || true)}
    uv_env=()
    [ -n "$index" ] && uv_env=("UV_INDEX_URL=$index")
    if env "${uv_env[@]}" "$VENV/bin/python" -m uv pip install \
         --python "$VENV/bin/python" -e ".[test,dask,lab]" >>"$log" 2>&1; then
      installed=1
    else
      echo "uv could not install the dependencies (see $log); trying pip ..." >&2
    fi
  fi
  if [ "$installed" = 0 ]; then
    if ! { "$VENV/bin/python" -m pip install --upgrade pip &&
           "$VENV/bin/python" -m pip install -e ".[test,dask,lab]"; } >>"$log" 2>&1; then
      tail -n 40 "$log" >&2
      echo "Installing the Python dependencies failed; full log: $log" >&2
      exit 1
    fi
  fi
  touch "$stamp"
  rm -f "$VENV/.bytecode"
fi

# 4. Bytecode. pip writes .pyc files at install time, uv does not, and an editable install of
# the package is never compiled. Where PYTHONDONTWRITEBYTECODE is set (CI images, Docker),
# nothing would ever write them: every process the package starts (CLI, batch worker, each
# kernel) would compile pandas, matplotlib, IPython and the package again: a kernel's imports
# take 6.8 s of CPU from source against 1.5 s from .pyc files (benchmarks/startup.py).
# compileall skips files whose .pyc is up to date; the libraries' own test suites (a third of
# the files) are left out. tests/test_project.py checks the result.
if [ ! -f "$VENV/.bytecode" ]; then
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
  "$VENV/bin/python" -m compileall -q -j 0 -x '/(tests?|testing)/' "$site" >/dev/null 2>&1 || true
  touch "$VENV/.bytecode"
fi
"$VENV/bin/python" -m compileall -q parkanalysis >/dev/null
