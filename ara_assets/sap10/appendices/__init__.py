"""SAP 10.2 appendices the worksheet sections call into.

``heat_networks`` (Appendix C), ``water_extras`` (Appendices G and H: WWHRS, FGHRS, solar water heating),
``pv`` (Appendix M: photovoltaics and batteries), ``heat_pumps`` (Appendix N), ``tariffs`` (Table 12a:
off-peak tariffs and the high-rate fractions).
"""
