"""Casework: the person-level schema, synthetic casework and statutory performance measures.

- :mod:`.schema`: the six tables (pandera schemas), needs, settings, identifier columns;
- :mod:`.io`: :class:`Casework`, :func:`read_casework` (identifiers dropped or hashed),
  :func:`write_casework`;
- :mod:`.synth`: :func:`targets_from_tables` and :func:`synth` (calibrated synthetic casework);
- :mod:`.performance`: 20-week timeliness, open assessments, annual reviews, backlog clearance,
  phase transfers, the request funnel, small-count suppression;
- :mod:`.national`: England's shapes used by the generator;
- :mod:`.cli`: ``send-analysis casework synth`` and ``send-analysis casework performance``.
"""

from send_analysis.casework.io import Casework, read_casework, write_casework
from send_analysis.casework.synth import CalibrationTargets, synth, targets_from_tables

__all__ = ["CalibrationTargets", "Casework", "read_casework", "synth", "targets_from_tables",
           "write_casework"]
