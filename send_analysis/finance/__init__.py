"""Finance: placement spend, High Needs Block income, the DSG balance, mitigations, invest-to-save.

Modules:

- :mod:`~send_analysis.finance.inputs`: the LA finance inputs file (load, validate, merge);
- :mod:`~send_analysis.finance.years`: January census years to April-March financial years;
- :mod:`~send_analysis.finance.model`: placements x unit costs against HNB income, draw by draw
  (:class:`~send_analysis.finance.model.DSGProjection`);
- :mod:`~send_analysis.finance.scenarios`: mitigation scenarios (``scenarios/*.yaml``), savings,
  payback and NPV; a package of ``schema``, ``levers``, ``evaluation`` and ``loading`` whose
  public names it re-exports;
- :mod:`~send_analysis.finance.invest_to_save`: a resource proposal's totals and break-even count;
- :mod:`~send_analysis.finance.sensitivity`: tornado and Monte Carlo of the cumulative balance;
- :mod:`~send_analysis.finance.export`: the DSG management plan workbook;
- :mod:`~send_analysis.finance.cli`: ``dsg-plan``, ``scenario``, ``invest-to-save``;
- ``public`` and ``defaults``: public-data readers and per-LA default inputs.
"""
