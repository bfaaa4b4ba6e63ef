"""The RdSAP 10 expansion: register certificates (JSON or RdSAP XML) -> SAP 10.2 worksheet inputs."""

from ara_assets.sap10.rdsap.batch import EXTRA_COLUMNS, ExpansionError, expand_certificates, expand_collect
from ara_assets.sap10.rdsap.certificate import expand_certificate
from ara_assets.sap10.readers.rdsap_xml import parse_rdsap_xml

__all__ = [
    "EXTRA_COLUMNS",
    "ExpansionError",
    "expand_certificate",
    "expand_certificates",
    "expand_collect",
    "parse_rdsap_xml",
]
