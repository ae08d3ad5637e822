"""Charts draw Chinese with a real CJK font, found whatever matplotlib's cache says.

The end-to-end tests run in subprocesses and kernels whose environment hides the machine's
fonts (:func:`_hidden_fonts`): fontconfig reads a configuration of its own with one folder,
HOME and the XDG folders are temporary, matplotlib's cache folder is fresh. Into that folder a
CJK font is copied — after matplotlib wrote its cache, which therefore lacks it, as on the
machines of issue 27.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from parkanalysis import fonts
from parkanalysis.errors import FontError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

#: What matplotlib says when a family is unknown or a glyph is missing.
FONT_WARNINGS = ("findfont", "Glyph", "missing from font", "FontError")


def test_cjk_font_covers_report_text_without_warnings():
    font = fonts.use_cjk_font()
    assert fonts.unusable_reason(font.path, text="工贸园上半年税收亩均公顷−") is None
    fig, ax = plt.subplots()
    ax.set_title("工贸园 1-5月 税收(万元) 同比增长 -3.2%")
    ax.bar(["一期", "二期"], [3126, -5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would raise here
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def test_a_font_without_chinese_fails_loudly(monkeypatch):
    dejavu = matplotlib.font_manager.findfont("DejaVu Sans")
    monkeypatch.setenv(fonts.FONT_ENV, dejavu)
    fonts.find_cjk_font.cache_clear()
    try:
        with pytest.raises(FontError, match="不包含中文字形"):
            fonts.find_cjk_font()
    finally:
        monkeypatch.delenv(fonts.FONT_ENV)
        fonts.find_cjk_font.cache_clear()


def test_missing_font_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.FONT_ENV, str(tmp_path / "nope.ttf"))
    fonts.find_cjk_font.cache_clear()
    try:
        with pytest.raises(FontError, match=r"nope\.ttf"):
            fonts.find_cjk_font()
    finally:
        monkeypatch.delenv(fonts.FONT_ENV)
        fonts.find_cjk_font.cache_clear()


# -- a machine's fonts hidden, a stale matplotlib cache, a font installed afterwards -------------


def _installed_cjk_font() -> Path:
    """A CJK font file of this machine to copy (``$PARKANALYSIS_FONT`` or fontconfig's)."""
    if os.environ.get(fonts.FONT_ENV):
        return Path(os.environ[fonts.FONT_ENV])
    out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
    files = sorted(
        (Path(line.split(":")[0]) for line in out.splitlines() if line.strip()),
        key=lambda p: ("Sans" not in p.name, "Regular" not in p.name, p.name),
    )
    files = [p for p in files if p.suffix.lower() in (".ttf", ".otf", ".ttc", ".otc")]
    if not files:
        pytest.fail(
            "This machine has no CJK font to install into the test's font folder: "
            "scripts/bootstrap.sh --system installs fonts-noto-cjk, or set PARKANALYSIS_FONT."
        )
    return files[0]


class _Machine:
    """An environment hiding the machine's fonts; ``user_fonts`` is its one font folder."""

    def __init__(self, root: Path):
        self.root = root
        self.home = root / "home"
        self.user_fonts = self.home / ".local" / "share" / "fonts"
        self.mpl = root / "mpl"
        for folder in (self.user_fonts, self.mpl, root / "share", root / "fc-cache"):
            folder.mkdir(parents=True)
        conf = root / "fonts.conf"
        conf.write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            f"<fontconfig><dir>{self.user_fonts}</dir>"
            f"<cachedir>{root / 'fc-cache'}</cachedir></fontconfig>\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if k not in (fonts.FONT_ENV, "MPLBACKEND")}
        env.pop("MPL_IGNORE_SYSTEM_FONTS", None)
        env.update(
            HOME=str(self.home),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            XDG_DATA_DIRS=str(root / "share"),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            MPLCONFIGDIR=str(self.mpl),
            FONTCONFIG_FILE=str(conf),
            PYTHONPATH=str(ROOT),
        )
        self.env = env

    def python(self, code: str, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", code],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
        )

    def write_cache(self, *, system_fonts: bool = False, add: Path | None = None) -> Path:
        """Have matplotlib write its font cache now; return the cache file.

        matplotlib itself scans /usr/share/fonts, whatever fontconfig says: on this machine,
        where the font is installed, a cache without it is written by asking matplotlib to
        ignore the system's fonts (``MPL_IGNORE_SYSTEM_FONTS``) — leaving what a machine
        without fonts has, matplotlib's own. ``add`` is registered and saved with them.
        """
        extra = {} if system_fonts else {"MPL_IGNORE_SYSTEM_FONTS": "1"}
        run = self.python("import matplotlib.font_manager", **extra)  # writes the cache
        caches = list(self.mpl.glob("fontlist-*.json"))
        assert run.returncode == 0 and len(caches) == 1, run.stderr
        if add:
            run = self.python(
                "import matplotlib.font_manager as fm\n"
                f"fm.fontManager.addfont({str(add)!r})\n"
                f"fm.json_dump(fm.fontManager, {str(caches[0])!r})",
                **extra,
            )
            assert run.returncode == 0, run.stderr
        return caches[0]

    def cached_families(self) -> set[str]:
        (cache,) = self.mpl.glob("fontlist-*.json")
        return {entry["name"] for entry in json.loads(cache.read_text())["ttflist"]}

    def find_font(self, **extra_env: str) -> subprocess.CompletedProcess:
        """Run :func:`fonts.use_cjk_font` in a fresh process; stdout: the font file or the
        FontError's message after 「FontError: 」."""
        return self.python(
            "from parkanalysis.errors import FontError\n"
            "from parkanalysis.fonts import use_cjk_font\n"
            "try:\n    print(use_cjk_font().path)\n"
            "except FontError as exc:\n    print('FontError:', exc)",
            **extra_env,
        )


def _machine(root: Path) -> _Machine:
    machine = _Machine(root)
    hidden = subprocess.run(
        ["fc-list", ":lang=zh", "file"], env=machine.env, capture_output=True, text=True
    )
    assert hidden.stdout.strip() == "", "the system's Chinese fonts are visible to fontconfig"
    return machine


@pytest.fixture(scope="module")
def stale_machine(tmp_path_factory) -> tuple[_Machine, Path]:
    """A machine whose matplotlib cache was written before a CJK font was installed."""
    machine = _machine(tmp_path_factory.mktemp("stale"))
    machine.write_cache()
    assert not machine.cached_families() & set(fonts.PREFERRED_FAMILIES)
    source = _installed_cjk_font()
    installed = machine.user_fonts / source.name
    shutil.copyfile(source, installed)  # installed after the cache was written
    return machine, installed


def _clean(text: str) -> bool:
    return not any(w in text for w in FONT_WARNINGS)


@pytest.mark.slow
def test_report_renders_with_a_font_installed_after_the_cache(stale_machine, tmp_path):
    machine, installed = stale_machine
    assert not machine.cached_families() & set(fonts.PREFERRED_FAMILIES)  # still stale
    run = machine.python(
        "import json\nfrom parkanalysis.render import render_report\n"
        f"r = render_report('period', data={str(SAMPLE)!r}, period='2016-05', "
        f"out_dir={str(tmp_path)!r})\n"
        "print(json.dumps({'status': r.status, 'error': r.error, 'problems': r.problems,"
        " 'html': str(r.html_path)}))"
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["status"] == "rendered", result["error"]
    assert result["problems"] == []  # no stderr output (font warnings) in any cell
    assert _clean(run.stderr), run.stderr
    assert "<img" in Path(result["html"]).read_text(encoding="utf-8")  # charts drawn
    assert machine.find_font().stdout.strip() == str(installed)  # the font installed after


@pytest.mark.slow
def test_load_ext_in_a_fresh_kernel_with_a_font_installed_after_the_cache(stale_machine, tmp_path):
    import nbformat
    from helpers import make_notebook
    from nbclient import NotebookClient

    machine, installed = stale_machine
    assert not machine.cached_families() & set(fonts.PREFERRED_FAMILIES)
    path = make_notebook(
        tmp_path,
        "fonts",
        "%load_ext parkanalysis",
        "import io\nimport pandas as pd\n"
        "ax = pd.Series([3126, -5], index=['一期', '二期']).plot.bar("
        "title='工贸园 1-5月 税收(万元) 同比增长 -3.2%')\n"
        "ax.figure.savefig(io.BytesIO(), format='png')",
        "from parkanalysis.fonts import find_cjk_font\nprint(find_cjk_font().path)",
        params="",
    )
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True)
    client.execute(env=machine.env, cwd=str(ROOT))
    outputs = [o for cell in nb.cells[1:] for o in cell.outputs]
    errors = [f"{o['ename']}: {o['evalue']}" for o in outputs if o["output_type"] == "error"]
    stderr = "".join(o["text"] for o in outputs if o.get("name") == "stderr")
    assert errors == []
    assert stderr == "" and _clean(stderr), stderr
    assert nb.cells[-1].outputs[0]["text"].strip() == str(installed)


#: Where a user or a package may install a font, relative to the test machine's root; the
#: first is fontconfig's one folder, the others only the folder search sees.
PLACES = {
    "fontconfig": "home/.local/share/fonts/{name}",
    "home-fonts": "home/.fonts/{name}",
    "data-dirs": "share/fonts/opentype/noto/{name}",
    "plain-name": "home/.fonts/a/b/font.{suffix}",
}


@pytest.mark.parametrize("place", PLACES)
def test_a_font_installed_after_the_cache_anywhere_usual_is_found(tmp_path, place):
    machine = _machine(tmp_path)
    machine.write_cache()
    source = _installed_cjk_font()
    target = tmp_path / PLACES[place].format(name=source.name, suffix=source.suffix[1:])
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    run = machine.python(
        "import io\nfrom parkanalysis.plots import new_figure\n"
        "from parkanalysis.fonts import find_cjk_font\n"
        "fig, ax = new_figure()\nax.set_title('工贸园 1-5月 税收(万元) 同比增长 -3.2%')\n"
        "fig.savefig(io.BytesIO(), format='png')\nprint(find_cjk_font().path)"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(target)
    assert run.stderr == "", run.stderr  # no findfont / missing-glyph warning


def test_no_font_anywhere_says_so_and_how_to_install(tmp_path):
    machine = _machine(tmp_path)
    machine.write_cache()
    latin = machine.user_fonts / "Ornaments.ttf"  # unreadable, and nothing says it is Chinese
    latin.write_bytes(b"\0\1\0\0" + bytes(60))
    run = machine.find_font()
    assert run.returncode == 0, run.stderr
    message = run.stdout
    assert message.startswith("FontError: 本机没有可显示中文的字体"), message
    assert "apt-get install fonts-noto-cjk" in message
    assert f"{fonts.FONT_ENV}=" in message
    assert str(machine.user_fonts) in message  # where it looked
    assert f"另有 matplotlib 无法读取的字体文件:\n  {latin}: " in message  # named, not blamed


@pytest.mark.parametrize("via", ["folder", "env"])
def test_a_font_file_matplotlib_cannot_use_is_named(tmp_path, via):
    machine = _machine(tmp_path)
    machine.write_cache()
    broken = machine.user_fonts / "NotoSansCJK-Regular.ttc"
    broken.write_bytes(_installed_cjk_font().read_bytes()[:2048])  # cut short: corrupt
    run = machine.find_font(**({fonts.FONT_ENV: str(broken)} if via == "env" else {}))
    assert run.returncode == 0, run.stderr
    message = run.stdout
    assert message.startswith("FontError: "), message
    assert str(broken) in message and "无法" in message, message
    assert "本机没有" not in message  # a font is there: the advice is not "install one"


def _recording_fc_list(machine: _Machine) -> tuple[dict[str, str], Path]:
    """PATH with an ``fc-list`` that notes it was run, then runs the real one."""
    real = shutil.which("fc-list")
    assert real, "fontconfig (fc-list) is not installed"
    shims = machine.root / "bin"
    shims.mkdir()
    marker = machine.root / "fc-list-ran"
    shim = shims / "fc-list"
    shim.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{real}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return {"PATH": f"{shims}{os.pathsep}{machine.env['PATH']}"}, marker


def test_a_cached_font_is_used_without_searching(tmp_path):
    machine = _machine(tmp_path)
    machine.write_cache(system_fonts=True)  # matplotlib listed the system's CJK font
    assert machine.cached_families() & set(fonts.PREFERRED_FAMILIES)
    path, ran = _recording_fc_list(machine)
    run = machine.find_font(**path)  # fontconfig and the folders see nothing: only the cache
    assert run.returncode == 0, run.stderr
    assert Path(run.stdout.strip()).is_file(), run.stdout
    assert not ran.exists()  # fontconfig was not asked: no search when the cache knows
    (cache,) = machine.mpl.glob("fontlist-*.json")
    cache.unlink()  # the same machine, matplotlib's cache rebuilt: the search does run
    machine.write_cache()
    assert machine.find_font(**path).stdout.startswith("FontError: 本机没有")
    assert ran.exists()


def test_a_font_moved_after_the_cache_was_written_is_found_without_rebuild(tmp_path):
    machine = _machine(tmp_path)
    first = machine.user_fonts / _installed_cjk_font().name
    shutil.copyfile(_installed_cjk_font(), first)
    cache = machine.write_cache(add=first)
    assert machine.cached_families() & set(fonts.PREFERRED_FAMILIES)
    before = cache.read_bytes()
    moved = machine.home / ".fonts" / first.name
    moved.parent.mkdir()
    first.rename(moved)
    run = machine.python(
        "import io\nfrom parkanalysis.plots import new_figure\n"
        "from parkanalysis.fonts import find_cjk_font\n"
        "fig, ax = new_figure()\nax.set_title('园区税收 同比增长 -3.2%')\n"
        "fig.savefig(io.BytesIO(), format='png')\nprint(find_cjk_font().path)"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(moved)
    assert _clean(run.stderr), run.stderr
    assert cache.read_bytes() == before  # matplotlib did not rebuild its list (seconds)
