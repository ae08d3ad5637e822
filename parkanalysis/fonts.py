"""Find a font that draws Chinese, and configure matplotlib with it — or fail loudly.

Nothing happens at import time. Package charts draw inside ``matplotlib.rc_context(cjk_rc())``
(:func:`parkanalysis.plots.new_figure`), so they never change the global rcParams;
:func:`use_cjk_font` changes them on purpose, for a whole notebook (``%load_ext parkanalysis``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from parkanalysis.errors import FontError

#: Families tried in order; the first one installed that covers :data:`PROBE_TEXT` wins.
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


@dataclass(frozen=True)
class CJKFont:
    """A font file and the family name matplotlib knows it by."""

    family: str
    path: str


def _covers(path: str, text: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
    except (OSError, RuntimeError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


@lru_cache(maxsize=1)
def find_cjk_font() -> CJKFont:
    """Return the font used for Chinese text in charts.

    ``$PARKANALYSIS_FONT`` (a font file) wins; otherwise the first installed family of
    :data:`PREFERRED_FAMILIES` that draws every character of :data:`PROBE_TEXT`.

    Raises
    ------
    FontError
        When no installed font covers Chinese, with the command that installs one.
    """
    from matplotlib import font_manager

    env_path = os.environ.get(FONT_ENV)
    if env_path:
        if not Path(env_path).is_file():
            raise FontError(f"{FONT_ENV}={env_path} 不是字体文件。请指向 .ttf/.otf/.ttc 文件。")
        font_manager.fontManager.addfont(env_path)
        family = font_manager.FontProperties(fname=env_path).get_name()
        if not _covers(env_path, PROBE_TEXT):
            raise FontError(f"{FONT_ENV}={env_path} ({family}) 不包含中文字形。")
        return CJKFont(family, env_path)

    by_family: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        if entry.style == "normal" and entry.weight in (400, "normal", "regular"):
            by_family.setdefault(entry.name, entry.fname)
    for entry in font_manager.fontManager.ttflist:
        by_family.setdefault(entry.name, entry.fname)
    for family in PREFERRED_FAMILIES:
        path = by_family.get(family)
        if path and _covers(path, PROBE_TEXT):
            return CJKFont(family, path)
    raise FontError(
        "找不到可显示中文的字体,图表会出现方框。请安装 Noto Sans CJK"
        "(Debian/Ubuntu: sudo apt-get install fonts-noto-cjk),"
        f"或设置环境变量 {FONT_ENV}=字体文件路径。"
    )


def cjk_rc() -> dict[str, object]:
    """The rcParams that make matplotlib draw Chinese with :func:`find_cjk_font`.

    For ``matplotlib.rc_context(cjk_rc())``; the Unicode minus is off because several CJK
    fonts lack it.
    """
    font = find_cjk_font()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [font.family, "DejaVu Sans"],
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
