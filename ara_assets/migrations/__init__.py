"""The numbered SQL migrations of the warehouse (``NNNN_name.sql``), shipped as package data so that an
installed wheel can migrate its database (read with ``importlib.resources`` by
``ara_assets.resources.warehouse.migrations``)."""
