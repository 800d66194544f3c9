"""The Jinja environment of the report's HTML: templates in ``planner/report/templates/*.html.j2``.

Every value is escaped on output (autoescaping), and a variable the template names but the caller did not
pass is an error (``StrictUndefined``), so a typo fails at once instead of leaving a blank in the report.
Numbers reach the templates already formatted (:mod:`planner.report.i18n`); the templates hold structure only.
"""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def environment() -> jinja2.Environment:
    """The report's template environment (built once).

    Returns
    -------
    jinja2.Environment
        Loads from the package's ``templates`` folder; autoescapes ``*.html.j2``; ``StrictUndefined``.
    """
    return jinja2.Environment(loader=jinja2.PackageLoader("planner.report", "templates"),
                              autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"),
                                                                  default_for_string=True, default=True),
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def render(name: str, **context: object) -> str:
    """Render template ``name`` (e.g. ``"report.html.j2"``) with ``context``.

    Raises
    ------
    jinja2.UndefinedError
        When the template uses a variable that ``context`` lacks.
    """
    return environment().get_template(name).render(**context)


def render_macro(name: str, macro: str, *args: object) -> str:
    """Call macro ``macro`` of template ``name`` (small fragments such as the map's tooltips)."""
    return str(getattr(environment().get_template(name).module, macro)(*args))
