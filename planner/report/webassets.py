"""Leaflet's script and style sheet, inlined so map.html works offline (USB stick, e-mail, no network).

folium writes ``<script src="https://cdn...">`` links for Leaflet, jQuery, Bootstrap and Font Awesome. The
interactive map uses none of the latter three, so :func:`make_offline` removes every link of every element and
puts Leaflet itself inline, read from the ``xstatic-leaflet`` package (a PyPI package of Leaflet's release
files, installed as a dependency; its version matches the one folium is written for). The style sheet's
images (the layer-switcher icon) become ``data:`` URIs.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import folium
from branca.element import Element


def leaflet_versions() -> tuple[str, str]:
    """(the Leaflet version folium writes its map code for, the version inlined from xstatic-leaflet)."""
    from xstatic.pkg import leaflet as xstatic_leaflet

    url = dict(folium.Map.default_js)["leaflet"]
    linked = re.search(r"leaflet@([0-9.]+)", url)
    return (linked.group(1) if linked else "?"), str(xstatic_leaflet.VERSION)


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's minified script and its style sheet (images inlined as data URIs).

    Returns
    -------
    (str, str)
        JavaScript and CSS text.
    """
    from xstatic.pkg import leaflet as xstatic_leaflet

    folder = Path(xstatic_leaflet.BASE_DIR)
    script = (folder / "leaflet.js").read_text(encoding="utf-8")
    script = re.sub(r"//# sourceMappingURL=\S+", "", script)
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        image = folder / match.group(1)
        if not image.is_file():
            return "none"
        return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\((images/[^)]+\.png)\)", inline, css)
    return script, css


def _elements(root) -> list:
    found, stack = [], [root]
    while stack:
        element = stack.pop()
        found.append(element)
        stack.extend(element._children.values())
    return found


def make_offline(fmap: folium.Map) -> folium.Map:
    """Remove every external script and style link from ``fmap`` and its children; put Leaflet inline.

    Call after every layer has been added. The map is changed in place and returned.
    """
    for element in _elements(fmap):
        if hasattr(element, "default_js"):
            element.default_js = []
            element.default_css = []
    script, css = leaflet_assets()
    header = fmap.get_root().header
    header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    header.add_child(Element(f"<script>{script}</script>"), name="leaflet_js_inline")
    return fmap


EXTERNAL = re.compile(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


def external_references(html: str) -> list[str]:
    """Tags of ``html`` that would load something over the network (empty for a self-contained page)."""
    return [match.group(0) for match in EXTERNAL.finditer(html)]
