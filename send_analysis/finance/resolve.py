"""An LA's finance inputs: the public defaults with the LA's own file merged over them.

The layer above both the schema (:mod:`send_analysis.finance.inputs`: load, validate, merge) and
the public defaults (:mod:`send_analysis.finance.defaults`); it imports both and neither imports
it, so the two stay free of each other.
"""

from __future__ import annotations

from pathlib import Path

from send_analysis.data.tables import Tables
from send_analysis.errors import ConfigError, SendAnalysisError
from send_analysis.finance.defaults import default_inputs
from send_analysis.finance.inputs import (
    load_inputs,
    mark_own_figures,
    merge_inputs,
    own_part,
    validate_inputs,
)
from send_analysis.finance.own_year import apply_own_year


def resolve_inputs(la_code: str, inputs_file: str | Path | None = None,
                   tables: Tables | None = None) -> tuple[dict, str]:
    """The inputs for an LA: public defaults (from ``tables``, default :meth:`Tables.default`,
    and the public finance files), with the LA's own file merged over them if given.

    Returns ``(inputs, description of where they came from)``. When the public defaults cannot
    be built (tables not built, LA without public figures) an LA's *complete* file is used on its
    own; without a file the error is raised. The result is validated as complete.

    Only the file's figures that differ from the public default (or that its ``sources`` name)
    are the LA's own (:func:`~send_analysis.finance.inputs.own_part`): the unedited
    ``finance-inputs`` file changes nothing and labels nothing the LA's. A file without
    ``la_code`` is for ``la_code``. The LA's own latest year (``plans``, ``outturn``, an opening
    balance at a later 31 March, ``monitoring``) then moves the start of the projection
    (:func:`~send_analysis.finance.own_year.apply_own_year`).
    """
    user = load_inputs(inputs_file, partial=True) if inputs_file is not None else None
    if user is not None and user.get("la_code") is not None and str(user["la_code"]) != str(la_code):
        raise ConfigError(f"file {inputs_file}: key 'la_code': the file is for LA {user['la_code']}, "
                          f"not LA {la_code}")
    default: dict | None = None
    default_error: Exception | None = None
    try:
        default = default_inputs(str(la_code), tables)
    except (SendAnalysisError, FileNotFoundError) as exc:
        default_error = exc
    if inputs_file is None:
        if default is None:
            raise ConfigError(f"no inputs file given and the public defaults for LA {la_code} "
                              f"could not be built: {default_error}")
        default = apply_own_year(default, {}, default, "public defaults", tables)  # sources only
        return validate_inputs(default, source=f"public defaults for LA {la_code}"), \
            f"public defaults for LA {la_code}"
    user = {**user, "la_code": str(la_code)}  # a partial file without la_code is for this LA
    if default is None:
        return validate_inputs(user, source=str(inputs_file)), f"{inputs_file} (public defaults unavailable)"
    user = own_part(user, default)
    merged = mark_own_figures(merge_inputs(default, user), user, inputs_file)
    merged = apply_own_year(merged, user, default, str(inputs_file), tables)
    return (validate_inputs(merged, source=f"{inputs_file} merged over the public defaults"),
            f"{inputs_file} merged over public defaults for LA {la_code}")
