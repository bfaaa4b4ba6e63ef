"""EPCs predicted from comparable homes, and anomaly flags on lodged certificates (pure).

- `features`: the certificate components compared between homes, and where a home is (postcode, street,
  district, area) and what it is known to be from its address;
- `neighbours`: the weighted comparable homes of each target (nearness x likeness), vectorised in polars;
- `predict`: a register-shaped predicted document per target, each field with a confidence and the
  neighbours it came from;
- `anomalies`: lodged fields that contradict a strong consensus of near, alike neighbours (flagged only);
- `validate`: leave-one-out over the homes with certificates, SAP compared with the calculated SAP of
  the real certificate.

See docs/adr/0018-predicted-epc.md.
"""
