"""SAP 10.2 worksheet, vectorised over a batch of homes (pure: no Dagster, no IO beyond its table files).

Public interface: ``calculate``, ``worksheet``, ``INPUT_SCHEMA``, ``UnsupportedInput``.
"""

from ara_assets.sap10.calculate import OUTPUTS, calculate, worksheet
from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.inputs import INPUT_SCHEMA, prepare_inputs

__all__ = ["INPUT_SCHEMA", "OUTPUTS", "UnsupportedInput", "calculate", "prepare_inputs", "worksheet"]

# RdSAP 10 expansion and scoring of register certificates (appended by the RdSAP expansion)
from ara_assets.sap10.rdsap import expand_certificates, parse_rdsap_xml  # noqa: E402
from ara_assets.sap10.score import score_certificates  # noqa: E402

__all__ += ["expand_certificates", "parse_rdsap_xml", "score_certificates"]
