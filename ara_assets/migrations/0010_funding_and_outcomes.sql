-- 0010: grants, net cost and why a target is missed on each plan phase (issue 14); what the landlord knows
-- about each home widened to the tenures the funding schemes name and the gas grid.
-- Written by the phase_plans asset in its one transaction (ara_assets.resources.warehouse_plans).

ALTER TABLE plan_phases
    ADD COLUMN grant_gbp double precision NOT NULL DEFAULT 0 CHECK (grant_gbp >= 0),
    ADD COLUMN net_cost_gbp double precision,
    -- a cost-cap scheme (MEES) applies and the plan cannot reach its band within the cap
    ADD COLUMN mees_exemption boolean,
    -- why the phase's target is missed (ara_assets.modelling.reasons); NULL when it is reached
    ADD COLUMN miss_reason text CHECK (miss_reason IN ('not_modelled', 'no_eligible_measure', 'budget_limit',
                                                       'max_achievable_below_target')),
    ADD COLUMN miss_detail text,
    ADD COLUMN reachable_within_budget double precision,
    ADD COLUMN best_achievable double precision,
    ADD CHECK (NOT (reaches_target AND miss_reason IS NOT NULL));

-- One row per home, phase and grant scheme that pays something (ara_assets.modelling.funding.GRANT_SCHEMA).
CREATE TABLE plan_grants (
    portfolio_id      bigint       NOT NULL,
    scenario          text         NOT NULL,
    property_id       bigint       NOT NULL,
    phase             integer      NOT NULL,
    scheme            text         NOT NULL,
    grant_gbp         double precision NOT NULL CHECK (grant_gbp > 0),
    uplift            boolean      NOT NULL DEFAULT false,
    PRIMARY KEY (portfolio_id, scenario, property_id, phase, scheme),
    FOREIGN KEY (portfolio_id, scenario, property_id, phase)
        REFERENCES plan_phases (portfolio_id, scenario, property_id, phase) ON DELETE CASCADE
);

ALTER TABLE property_attributes DROP CONSTRAINT IF EXISTS property_attributes_tenure_check;
ALTER TABLE property_attributes
    ADD CONSTRAINT property_attributes_tenure_check CHECK (tenure IN (
        'social_rent', 'affordable_rent', 'shared_ownership', 'leasehold', 'market_rent', 'other',
        'private_rented', 'owner_occupied')),
    -- on the mains gas grid (a funding rule: low-carbon heat uplift for homes on the grid)
    ADD COLUMN on_gas_grid boolean;
