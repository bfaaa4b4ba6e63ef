-- Property attributes that the EPC does not carry but retrofit modelling needs (eligibility, valuation).
-- One row per property; every attribute is nullable and NULL means "not known" (never "no").
-- Owned by ara_assets.modelling; written through ara_assets.resources.warehouse_attributes.

CREATE TABLE property_attributes (
    property_id          bigint        PRIMARY KEY REFERENCES properties (id) ON DELETE CASCADE,
    -- Listed building (any grade): no wall insulation, no replacement glazing, no PV without consent.
    listed_building      boolean,
    listed_grade         text          CHECK (listed_grade IN ('I', 'II*', 'II', 'A', 'B', 'C')),
    -- In a conservation area: no external wall insulation.
    conservation_area    boolean,
    -- Market value for the value uplift in pounds, and when it was valued.
    property_value_gbp   numeric(14, 2) CHECK (property_value_gbp > 0),
    property_value_date  date,
    tenure               text          CHECK (tenure IN ('social_rent', 'affordable_rent', 'shared_ownership',
                                                         'leasehold', 'market_rent', 'other')),
    -- Where the landlord's figures came from (asset register, valuation report...), free text.
    source               text          CHECK (source IS NULL OR btrim(source) <> ''),
    updated_at           timestamptz   NOT NULL DEFAULT now(),
    CHECK (listed_grade IS NULL OR listed_building IS TRUE),
    CHECK (property_value_date IS NULL OR property_value_gbp IS NOT NULL)
);
