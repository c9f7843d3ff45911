"""What every browser test asks of a page: axe-core finds nothing serious, the page does not
scroll sideways, and the keyboard focus can be seen (its ring at least 3:1 against the page)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
AXE = (
    Path(__file__).resolve().parents[1]
    / "var"
    / "node"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def axe_problems(page: Page, *, also: tuple[str, ...] = ()) -> list[str]:
    """Serious and critical axe-core violations of the page as it is now, and those of the rules
    named in `also` whatever their impact (e.g. "region": every piece of content in a landmark)."""
    assert AXE.exists(), "axe-core is missing: run `make system-deps`"
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical") or v["id"] in also
    ]


def sideways_scroll(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when it fits)."""
    width: int = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None
    return max(0, width - viewport["width"])


def check_page(page: Page, name: str, *, also: tuple[str, ...] = ()) -> None:
    assert axe_problems(page, also=also) == [], name
    assert sideways_scroll(page) == 0, f"{name}: scrolls sideways"


# The focused element's outline colour against the background behind it, as WCAG computes it.
_FOCUS_CONTRAST = """
() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) return 0;
  const rgb = text => text.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const background = node => {
    for (; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const luminance = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const a = luminance(rgb(style.outlineColor));
  const b = luminance(background(element.parentElement));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def focus_contrast(page: Page) -> float:
    """The contrast ratio of the focus ring of the element that has the focus now."""
    return float(page.evaluate(_FOCUS_CONTRAST))
