"""SAP 10.2 worksheet, vectorised over a batch of homes (pure: no Dagster, no IO beyond its table files).

Public interface: the worksheet (``calculate``, ``worksheet``, ``INPUT_SCHEMA``, ``prepare_inputs``,
``UnsupportedInput``), and the RdSAP 10 expansion and scoring of register certificates
(``expand_certificates``, ``parse_rdsap_xml``, ``score_certificates``).
"""

from ara_assets.sap10.calculate import OUTPUTS, calculate, worksheet
from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.inputs import INPUT_SCHEMA, prepare_inputs
from ara_assets.sap10.rdsap import expand_certificates, parse_rdsap_xml
from ara_assets.sap10.score import score_certificates

__all__ = [
    "INPUT_SCHEMA",
    "OUTPUTS",
    "UnsupportedInput",
    "calculate",
    "expand_certificates",
    "parse_rdsap_xml",
    "prepare_inputs",
    "score_certificates",
    "worksheet",
]
