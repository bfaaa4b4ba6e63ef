"""The SAP 10.2 worksheet sections, one module per section.

``dimensions`` (1)-(5), ``ventilation`` (6a)-(25), ``heat_loss`` (26)-(40), ``water_heating`` (42)-(65),
``internal_gains`` (66)-(73), ``solar_gains`` (74)-(84), ``mean_temperature`` (85)-(93), ``space_heating``
(94)-(99), ``cooling`` (100)-(108), ``energy_requirements`` (201)-(232), ``generation`` (63b), (234), (235a),
``fuel_costs`` (240)-(258), ``emissions`` (261)-(287). ``calculate.SECTIONS`` runs them in this order, with
the heat networks (Appendix C) and photovoltaics (Appendix M) of ``appendices`` after the energy
requirements. Each reads earlier lines from the ``Sheet`` and writes its own under their line numbers.
(Named ``sections`` rather than ``worksheet`` so the package does not shadow the ``worksheet`` function that
``ara_assets.sap10`` exports.)
"""
