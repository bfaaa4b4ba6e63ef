"""Readers of lodged documents into the calculator's shapes.

- ``sap_xml``: SAP-Schema XML (full SAP input) -> one worksheet input row (``read_sap_xml``).
- ``sap_json``: the register's JSON of a full-SAP lodgement -> the SAP XML tree ``sap_xml`` reads.
- ``rdsap_xml``: RdSAP XML -> the register-shaped dict the RdSAP expansion reads (``parse_rdsap_xml``).
"""
