"""Find a font that draws Chinese, register it with matplotlib — or fail loudly, saying why.

Where the font comes from, in order (:func:`find_cjk_font`):

1. ``$PARKANALYSIS_FONT``, a font file, when set.
2. matplotlib's font list (read from its cache, ``fontlist-*.json``), when it knows a family of
   :data:`PREFERRED_FAMILIES` whose file still exists and draws Chinese. No disk is read
   beyond that one file: this is the path of every process on a healthy machine.
3. Otherwise the files themselves: fontconfig's list of Chinese fonts (``fc-list :lang=zh``),
   then the usual font folders (:func:`font_folders`), both bounded. The font found is
   registered with ``matplotlib.font_manager.fontManager.addfont``, so a cache written before
   the font was installed (by another process, moments earlier) does not hide it.

When nothing draws Chinese, :class:`parkanalysis.errors.FontError` says which case it is: no
Chinese font on the machine (and how to install one), or font files that matplotlib cannot use
(named, with the reason).

Nothing happens at import time. Package charts draw inside ``matplotlib.rc_context(cjk_rc())``
(:func:`parkanalysis.plots.new_figure`), so they never change the global rcParams;
:func:`use_cjk_font` changes them on purpose, for a whole notebook (``%load_ext parkanalysis``).
The font list of :func:`cjk_rc` ends in matplotlib's own DejaVu Sans, so every family named
exists (no 「findfont: Font family … not found」) and a glyph the CJK font lacks is drawn by the
next font instead of warned about.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from parkanalysis.errors import FontError

#: Families tried in order; the first one found that covers :data:`PROBE_TEXT` wins.
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Heiti SC",
    "Noto Sans CJK JP",
)

#: Characters every chart needs: units, report words, full-width punctuation.
PROBE_TEXT = "园区工业总产值税收亩均公顷同比增长万元亿元从业人员土地供应年份(%)，。"

#: Environment variable naming a font file to use instead of the system's.
FONT_ENV = "PARKANALYSIS_FONT"

#: The fallback after the CJK font: shipped with matplotlib, so always present.
FALLBACK_FAMILY = "DejaVu Sans"

#: Font files matplotlib draws text with (TrueType/OpenType outlines, collections included).
OUTLINE_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")

#: Bounds of the search of the files themselves: entries of the font folders looked at, and
#: font files opened (fontconfig's Chinese fonts and folder files together).
WALK_LIMIT = 20_000
OPEN_LIMIT = 48

#: How long ``fc-list`` may take (it may build fontconfig's own cache on a first run).
FC_LIST_TIMEOUT = 20.0

_INSTALL_HINT = (
    "请安装中文字体(Debian/Ubuntu: sudo apt-get install fonts-noto-cjk),"
    f"或设置环境变量 {FONT_ENV}=/path/font.ttc 指向一个中文字体文件(.ttf/.otf/.ttc)。"
)

#: Start of the reason :func:`unusable_reason` gives for a font that opens but lacks Chinese.
MISSING_GLYPHS = "缺少中文字形"

#: File names that suggest a Chinese font: looked at first in the font folders.
_CJK_NAME = re.compile(
    r"cjk|sourcehan|wqy|wenquanyi|hei|song|kai|ming|fallback|yahei|pingfang|simsun|msyh"
    r"|(^|[^a-z])(sc|tc|zh|cn|gb|hans)([^a-z]|$)|[a-z](sc|hans)([-_]|$)"
)
_NOT_REGULAR = re.compile(r"bold|black|heavy|light|thin|medium|semi|demi|extra|italic|mono")


@dataclass(frozen=True)
class CJKFont:
    """A font file and the family name matplotlib knows it by."""

    family: str
    path: str


@dataclass(frozen=True)
class _Face:
    """One face fontconfig lists as drawing Chinese."""

    path: str
    index: int
    families: tuple[str, ...]
    weight: float
    outline: bool
    fontformat: str


def unusable_reason(
    path: str, index: int = 0, text: str = PROBE_TEXT, *, outlines: bool = True
) -> str | None:
    """Why matplotlib cannot draw ``text`` with face ``index`` of the font file ``path``;
    ``None`` when it can: the file opens, maps every character of ``text`` to a glyph and,
    with ``outlines``, the outlines of its first and last characters load (13 ms for a CFF
    font's first glyph; all of them would cost 50 ms).

    Examples
    --------
    >>> import matplotlib.font_manager as fm
    >>> unusable_reason(fm.findfont("DejaVu Sans"), text="Tax 1-5")
    >>> unusable_reason(fm.findfont("DejaVu Sans"), text="园区")
    '缺少中文字形: 园区'
    """
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path, face_index=index)
        missing = "".join(ch for ch in text if font.get_char_index(ord(ch)) == 0)
        if missing:
            return f"{MISSING_GLYPHS}: {missing}"
        if outlines:
            font.set_size(12, 72)
            for ch in {text[:1], text[-1:]} - {""}:
                font.load_char(ord(ch))
    except (OSError, RuntimeError, ValueError) as exc:
        return f"matplotlib 无法读取({type(exc).__name__}: {exc})"
    return None


def font_folders() -> list[Path]:
    """The usual font folders, user's first: ``$XDG_DATA_HOME/fonts`` (~/.local/share/fonts),
    ``~/.fonts``, and ``fonts`` in each ``$XDG_DATA_DIRS`` (/usr/local/share/fonts,
    /usr/share/fonts when unset)."""
    home = Path.home()
    data_home = os.environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    data_dirs = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    folders = [Path(data_home) / "fonts", home / ".fonts"]
    folders += [Path(d) / "fonts" for d in data_dirs.split(":") if d]
    return list(dict.fromkeys(folders))


def _family_rank(names) -> int:
    ranks = [PREFERRED_FAMILIES.index(n) for n in names if n in PREFERRED_FAMILIES]
    return min(ranks, default=len(PREFERRED_FAMILIES))


def _fontconfig_faces() -> list[_Face] | None:
    """Faces ``fc-list :lang=zh`` knows; ``None`` when fontconfig is missing or too slow."""
    fmt = "%{file}\t%{index}\t%{family}\t%{weight}\t%{outline}\t%{fontformat}\n"
    try:
        out = subprocess.run(
            ["fc-list", f"--format={fmt}", ":lang=zh"],
            capture_output=True,
            timeout=FC_LIST_TIMEOUT,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    faces = []
    for line in os.fsdecode(out).splitlines():
        parts = line.split("\t")
        if len(parts) != 6 or not parts[0]:
            continue
        path, index, families, weight, outline, fontformat = parts
        try:
            faces.append(
                _Face(
                    path=path,
                    index=int(index or 0),
                    families=tuple(f.replace("\\", "") for f in re.split(r"(?<!\\),", families)),
                    weight=float(weight or 80),
                    outline=outline != "False",
                    fontformat=fontformat,
                )
            )
        except ValueError:
            continue
    # Preferred family first, then sans-serif and proportional, then the weight nearest
    # Regular (fontconfig's 80).
    faces.sort(
        key=lambda f: (
            _family_rank(f.families),
            any(w in n for n in f.families for w in ("Serif", "Mono")),
            abs(f.weight - 80),
            f.path,
            f.index,
        )
    )
    return faces


def _folder_files(skip: set[str]) -> list[str]:
    """Outline font files in :func:`font_folders` (at most :data:`WALK_LIMIT` entries looked
    at), those named like a Chinese Regular font first."""
    files: list[str] = []
    seen = 0
    for folder in font_folders():
        for dirpath, dirnames, filenames in os.walk(folder):
            seen += len(dirnames) + len(filenames)
            files += [
                os.path.join(dirpath, name)
                for name in filenames
                if name.lower().endswith(OUTLINE_SUFFIXES)
            ]
            if seen > WALK_LIMIT:
                break
        if seen > WALK_LIMIT:
            break

    def rank(path: str) -> tuple[int, int, str]:
        stem = Path(path).stem.lower()
        return (0 if _CJK_NAME.search(stem) else 1, 1 if _NOT_REGULAR.search(stem) else 0, path)

    return sorted((f for f in dict.fromkeys(files) if f not in skip), key=rank)


def _register(path: str) -> CJKFont | str:
    """Add ``path`` to matplotlib's font manager; the font, or why it cannot be used."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    try:
        manager.addfont(path)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        return f"matplotlib 无法读取({type(exc).__name__}: {exc})"
    entries = [e for e in manager.ttflist if e.fname == path]
    entries.sort(key=lambda e: (_family_rank([e.name]), e.style != "normal", e.weight != 400))
    for entry in entries:
        if unusable_reason(path, entry.index) is None:
            return CJKFont(entry.name, path)
    return unusable_reason(path) or MISSING_GLYPHS


def _from_env(path: str) -> CJKFont:
    path = os.path.abspath(path)  # matplotlib keeps the path; a notebook may change folder
    if not Path(path).is_file():
        raise FontError(f"{FONT_ENV}={path} 不是字体文件。请指向 .ttf/.otf/.ttc 文件。")
    reason = unusable_reason(path)
    if reason is None:
        found = _register(path)
        if isinstance(found, CJKFont):
            return found
        reason = found
    if reason.startswith(MISSING_GLYPHS):
        raise FontError(f"{FONT_ENV}={path} 不包含中文字形({reason})。")
    raise FontError(f"{FONT_ENV}={path} 无法使用: {reason}。请指向 .ttf/.otf/.ttc 中文字体文件。")


def _from_cache() -> CJKFont | None:
    """A preferred family matplotlib already lists, whose file exists and draws Chinese."""
    from matplotlib import font_manager

    listed: dict[str, list] = {}
    for entry in font_manager.fontManager.ttflist:
        if entry.name in PREFERRED_FAMILIES:
            listed.setdefault(entry.name, []).append(entry)
    for family in PREFERRED_FAMILIES:
        entries = sorted(
            listed.get(family, ()),
            key=lambda e: (e.style != "normal", e.weight not in (400, "normal", "regular")),
        )
        for entry in entries:
            # matplotlib read this file when it wrote the list: the character map will do
            if os.path.isfile(entry.fname) and not unusable_reason(
                entry.fname, entry.index, outlines=False
            ):
                return CJKFont(family, entry.fname)
    return None


def _from_files() -> CJKFont:
    """Search fontconfig's Chinese fonts, then the font folders (see the module docstring)."""
    from matplotlib import font_manager

    # A stale list may name files since removed; matplotlib would pick such an entry for the
    # family found here (it comes first) and then rebuild its whole list, seconds long.
    manager = font_manager.fontManager
    manager.ttflist = [e for e in manager.ttflist if os.path.isfile(e.fname)]
    unusable: dict[str, str] = {}  # file -> why matplotlib cannot use it
    chinese: set[str] = set()  # those of them fontconfig or their names say are Chinese
    opened = 0
    faces = _fontconfig_faces()
    for face in faces or ():
        if face.path in unusable or opened >= OPEN_LIMIT:
            continue
        if not face.outline or not face.path.lower().endswith(OUTLINE_SUFFIXES):
            unusable[face.path] = (
                f"{face.fontformat or '非轮廓'}字体;matplotlib 只能使用 TrueType/OpenType 轮廓字体"
            )
            chinese.add(face.path)
            continue
        opened += 1
        reason = unusable_reason(face.path, face.index)
        found = _register(face.path) if reason is None else reason
        if isinstance(found, CJKFont):
            return found
        unusable[face.path] = found
        chinese.add(face.path)
    for path in _folder_files(skip={f.path for f in faces or ()}):
        if opened >= OPEN_LIMIT:
            break
        opened += 1
        reason = unusable_reason(path)
        if reason is None:
            found = _register(path)
            if isinstance(found, CJKFont):
                return found
            reason = found
        if not reason.startswith(MISSING_GLYPHS):  # a font without Chinese: not a Chinese font
            unusable[path] = reason
            if _CJK_NAME.search(Path(path).stem.lower()):
                chinese.add(path)
    listing = "\n".join(f"  {path}: {reason}" for path, reason in unusable.items())
    if chinese:
        raise FontError(
            "找到了字体文件,但 matplotlib 无法用它们显示中文,图表会出现方框:\n"
            f"{listing}\n请替换或删除这些文件(来自软件包的,重新安装它,如 Debian/Ubuntu: "
            "sudo apt-get install --reinstall fonts-noto-cjk),或设置环境变量 "
            f"{FONT_ENV}=/path/font.ttc 指向一个可用的中文字体文件(.ttf/.otf/.ttc)。"
        )
    fontconfig = "fc-list :lang=zh" if faces is not None else "fc-list(未安装 fontconfig 或无响应)"
    searched = "、".join([fontconfig, *(str(f) for f in font_folders())])
    others = f"\n另有 matplotlib 无法读取的字体文件:\n{listing}\n" if unusable else ""
    raise FontError(f"本机没有可显示中文的字体(已查找: {searched})。{others}" + _INSTALL_HINT)


@lru_cache(maxsize=1)
def find_cjk_font() -> CJKFont:
    """Return the font used for Chinese text in charts, registered with matplotlib.

    ``$PARKANALYSIS_FONT`` (a font file) wins; then a family of :data:`PREFERRED_FAMILIES`
    that matplotlib's font list knows; then a font found in the files themselves (see the
    module docstring). Once per process.

    Raises
    ------
    FontError
        When no font draws Chinese: either none is installed (with the command that
        installs one) or the font files found cannot be used by matplotlib (named).
    """
    env_path = os.environ.get(FONT_ENV)
    if env_path:
        return _from_env(env_path)
    return _from_cache() or _from_files()


def cjk_rc() -> dict[str, object]:
    """The rcParams that make matplotlib draw Chinese with :func:`find_cjk_font`.

    For ``matplotlib.rc_context(cjk_rc())``; the Unicode minus is off because several CJK
    fonts lack it.
    """
    font = find_cjk_font()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [font.family, FALLBACK_FAMILY],
        "axes.unicode_minus": False,
    }


def use_cjk_font() -> CJKFont:
    """Configure matplotlib to draw Chinese with :func:`find_cjk_font` and return the font.

    Also turns off the Unicode minus sign, which several CJK fonts lack.
    """
    import matplotlib as mpl

    font = find_cjk_font()
    mpl.rcParams.update(cjk_rc())
    return font
