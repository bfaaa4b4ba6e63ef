"""The EPC register's domestic certificate: model, parser, code tables and field paths (pure: no IO).

``parse_certificate`` turns a ``GET /api/certificate`` response into a ``Certificate``;
``to_register_json`` writes it back in the register's shape; ``normalise_register_json`` gives that
normalised shape straight from the document (the same dict, without building the model); the field-path
helpers address single fields of that shape for landlord overrides.
"""

from ara_assets.epc.codes import UnknownCodeError, codes_for, label
from ara_assets.epc.model import (
    BuildingPart,
    Certificate,
    ElementRating,
    FloorDimension,
    Improvement,
    MainHeatingDetail,
    SapEnergySource,
    SapHeating,
    SapWindow,
)
from ara_assets.epc.normalise import normalise_register_json
from ara_assets.epc.parser import CertificateValidationError, parse_certificate, to_register_json
from ara_assets.epc.paths import get_field_path, is_known_field_path, set_field_path
from ara_assets.epc.types import pad_index

__all__ = [
    "BuildingPart",
    "Certificate",
    "CertificateValidationError",
    "ElementRating",
    "FloorDimension",
    "Improvement",
    "MainHeatingDetail",
    "SapEnergySource",
    "SapHeating",
    "SapWindow",
    "UnknownCodeError",
    "codes_for",
    "get_field_path",
    "is_known_field_path",
    "label",
    "normalise_register_json",
    "pad_index",
    "parse_certificate",
    "set_field_path",
    "to_register_json",
]
