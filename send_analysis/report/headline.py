"""The pack's headline: every headline figure for one LA, computed as the pages compute them
(:func:`compute_headline`), for the summary (``index.html``) and ``pack.json``.

The figures themselves, their keys and their words are in :mod:`send_analysis.report.figures`
(re-exported here for the callers of the old names).
"""

from __future__ import annotations

from send_analysis.data.tables import Tables
from send_analysis.report.figures import (  # noqa: F401  (re-exported)
    DEMAND_HORIZON,
    FINANCE_DRAWS,
    HEADLINE_KEYS,
    PAGE_OF,
    PUBLIC,
    benchmark_figure,
    biggest_cost_growth,
    claims_figure,
    dsg_figures,
    dsg_source,
    figure_text,
    forecast_figure,
    mark,
    overview_figures,
    rule_figures,
)

# ---- the summary's figures, computed as the pages compute them --------------------------------


def compute_headline(la_code: str, as_of_year: int, tables: Tables | None = None,
                     inputs_file: str | None = None, pages: set[str] | None = None,
                     ) -> tuple[dict[str, dict | None], dict[str, str]]:
    """Every headline figure for one LA, as the pages compute them (same parameters, seeds and
    draws), from ``tables`` (default :meth:`Tables.default`). ``pages``: only the figures of these
    pages (file names), plus the overview's, which are cheap and always given. Returns (figures by
    key, reasons for figures not computed)."""
    from send_analysis.errors import SendAnalysisError

    tables = tables or Tables.default()

    figures: dict[str, dict | None] = {}
    notes: dict[str, str] = {}

    def attempt(keys: tuple[str, ...], fn) -> None:
        if pages is not None and PAGE_OF[keys[0]] not in pages and PAGE_OF[keys[0]] != "01_overview.html":
            return
        try:
            figures.update(fn())
        except (SendAnalysisError, FileNotFoundError, KeyError, ValueError) as exc:
            for k in keys:
                figures[k] = None
                notes[k] = f"{type(exc).__name__}: {exc}"

    attempt(("plans_latest", "new_plans_last_year", "pct_within_20_weeks"),
            lambda: overview_figures(_overview(la_code, as_of_year, tables)))
    attempt(("plans_forecast_5y",),
            lambda: {"plans_forecast_5y": _forecast(la_code, as_of_year, tables, inputs_file)})
    attempt(("dsg_balance_latest", "dsg_balance_writeoff_base", "dsg_balance_override_end",
             "dsg_balance_end_unmitigated"),
            lambda: _dsg(la_code, as_of_year, tables, inputs_file))
    attempt(("plans_per_10k_0_25",), lambda: {"plans_per_10k_0_25": _benchmark(la_code, as_of_year, tables)})
    attempt(("claims_reproduced",), lambda: {"claims_reproduced": _claims(la_code, tables)})
    if "claims_reproduced" in figures and figures["claims_reproduced"] is None \
            and "claims_reproduced" not in notes:
        notes["claims_reproduced"] = "no claims file under claims/ names this LA"
    ordered = {k: figures[k] for k in HEADLINE_KEYS if k in figures}
    for k, fig in ordered.items():
        if fig is not None:
            fig["page"] = PAGE_OF[k]
    return ordered, notes


def headline_record(la_code: str, as_of_year: int, processed: str | None = None,
                    inputs_file: str | None = None, pages: list[str] | None = None) -> dict:
    """The summary's record of one LA as plain JSON values: the latest January and its plans,
    and :func:`compute_headline`'s figures and notes. A batch worker asks its warm kernel for it
    after the LA's pages, so the figures reuse what the pages computed (the placement paths, the
    national tables) instead of computing them again in another process.

    Its arguments are JSON values (the worker passes them to the kernel as text), so the tables
    come as their folder, ``processed`` (``None``: the default), from which it makes the
    :class:`~send_analysis.data.tables.Tables`."""
    from send_analysis.overview import headline
    from send_analysis.report import finite_json

    tables = Tables.at(processed)
    h = headline(la_code, as_of_year, tables)
    figures, notes = compute_headline(la_code, as_of_year, tables, inputs_file,
                                      pages=None if pages is None else set(pages))
    return finite_json({"latest_year": int(h.latest_year), "latest_plans": int(h.latest_plans),
                        "headline": figures, "headline_notes": notes})


def _overview(la_code: str, as_of_year: int, tables: Tables):
    from send_analysis.overview import headline

    return headline(la_code, as_of_year, tables)


def _forecast(la_code: str, as_of_year: int, tables: Tables,
              inputs_file: str | None = None) -> dict:
    from send_analysis.demand import default_panel, forecast
    from send_analysis.finance.inputs import own_census_tables

    tables, own = own_census_tables(la_code, inputs_file, tables)  # the LA's own Januarys
    panel = default_panel(tables)
    as_of = min(max([int(as_of_year), *own]), panel.last_year)
    fig = forecast_figure(forecast(la_code, horizon=DEMAND_HORIZON, as_of=as_of, panel=panel))
    if own and fig["origin"] in own:
        fig["source"] = "the LA's own inputs"
    return fig


def _dsg(la_code: str, as_of_year: int, tables: Tables, inputs_file: str | None) -> dict:
    from send_analysis.finance import model
    from send_analysis.finance import scenarios as sc
    from send_analysis.finance.resolve import resolve_inputs
    from send_analysis.finance.rules import rule_balances

    inputs, source = resolve_inputs(la_code, inputs_file, tables)
    paths = model.placement_paths(inputs, horizon=model.horizon_for(inputs, as_of_year),
                                  n_draws=FINANCE_DRAWS, as_of=as_of_year, tables=tables)
    projection = model.project_dsg(inputs, paths)
    files = [*sc.default_scenario_files(), *(inputs.get("mitigations") or [])]
    scenarios, _ = sc.load_applicable(files, inputs, paths)
    results = sc.compare(inputs, paths, scenarios)
    best = results[-1] if results else None
    return {**dsg_figures(inputs, source, projection, best),
            **rule_figures(source, rule_balances(projection, inputs),
                           None if best is None else rule_balances(best.mitigated, inputs),
                           None if best is None else best.name)}


def _benchmark(la_code: str, as_of_year: int, tables: Tables) -> dict:
    from send_analysis.benchmark import compare

    year = int(as_of_year)
    neighbours, nb_source = compare.default_neighbours(la_code, year)
    bench = compare.benchmark(la_code, year, neighbours=neighbours, tables=tables)
    return benchmark_figure(bench, nb_source, year)


def _claims(la_code: str, tables: Tables) -> dict | None:
    from send_analysis.benchmark import claims as cl
    from send_analysis.benchmark import narrative
    from send_analysis.paths import project_root

    path = cl.default_claims_file(la_code, project_root() / "claims")
    if path is None:
        return None
    header, claims = cl.load_claims(path, set(tables.get("la_lookup")["la_code"]))
    results = cl.check_claims(claims, header.get("as_of"), tables)
    return claims_figure(narrative.verdict_counts(cl.results_frame(results)),
                         str(header.get("report", path.name)))
