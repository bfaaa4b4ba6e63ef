-- 0008: retrofit plans (issue 5): per property and scenario, the optimised package of each phase, the
-- measures in install order with their exact attribution, and the portfolio budget allocation over them.
-- Written by the phase_plans asset in one transaction per run: the portfolio's rows are deleted (cascade)
-- and rewritten together. Columns follow ara_assets.modelling.plans.PHASE_SCHEMA / MEASURE_SCHEMA.

CREATE TABLE plans (
    portfolio_id      bigint       NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    scenario          text         NOT NULL,
    property_id       bigint       NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    -- the scenario snapshot the run pinned (scenarios.version at the start of the run)
    scenario_version  integer,
    phases            integer      NOT NULL CHECK (phases >= 1),
    total_cost_gbp    double precision NOT NULL CHECK (total_cost_gbp >= 0),
    reaches_every_target boolean   NOT NULL,
    score_error       text,
    computed_at       timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (portfolio_id, scenario, property_id)
);

CREATE TABLE plan_phases (
    portfolio_id      bigint       NOT NULL,
    scenario          text         NOT NULL,
    property_id       bigint       NOT NULL,
    phase             integer      NOT NULL CHECK (phase >= 1),
    phase_name        text         NOT NULL,
    goal              text         NOT NULL,
    goal_kind         text         NOT NULL CHECK (goal_kind IN ('band', 'sap', 'co2_cut', 'bill_cut')),
    target_year       integer,
    budget_gbp        double precision,
    package           text[]       NOT NULL DEFAULT '{}',
    cost_gbp          double precision NOT NULL CHECK (cost_gbp >= 0),
    cost_to_date_gbp  double precision NOT NULL CHECK (cost_to_date_gbp >= 0),
    reaches_target    boolean      NOT NULL,
    goal_metric_before double precision,
    goal_metric_after double precision,
    sap_before        double precision,
    sap_after         double precision,
    sap_int_after     bigint,
    band_before       text CHECK (band_before IN ('A', 'B', 'C', 'D', 'E', 'F', 'G')),
    band_after        text CHECK (band_after IN ('A', 'B', 'C', 'D', 'E', 'F', 'G')),
    co2_before_t      double precision,
    co2_after_t       double precision,
    primary_energy_before_kwh_m2 double precision,
    primary_energy_after_kwh_m2  double precision,
    bill_before_gbp   double precision,
    bill_after_gbp    double precision,
    band_at_start     text CHECK (band_at_start IN ('A', 'B', 'C', 'D', 'E', 'F', 'G')),
    heat_pump_fabric_ok_after boolean,
    property_value_gbp double precision,
    value_uplift_pct  double precision,
    value_uplift_gbp  double precision,
    score_error       text,
    PRIMARY KEY (portfolio_id, scenario, property_id, phase),
    FOREIGN KEY (portfolio_id, scenario, property_id)
        REFERENCES plans (portfolio_id, scenario, property_id) ON DELETE CASCADE
);

CREATE TABLE plan_measures (
    portfolio_id      bigint       NOT NULL,
    scenario          text         NOT NULL,
    property_id       bigint       NOT NULL,
    phase             integer      NOT NULL,
    install_order     integer      NOT NULL CHECK (install_order >= 1),
    option_id         text         NOT NULL,
    measure_type      text         NOT NULL,
    quantity          double precision,
    cost_gbp          double precision NOT NULL CHECK (cost_gbp >= 0),
    delta_sap         double precision,
    delta_co2_t       double precision,
    delta_primary_energy_kwh_m2 double precision,
    delta_bill_gbp    double precision,
    PRIMARY KEY (portfolio_id, scenario, property_id, phase, install_order),
    FOREIGN KEY (portfolio_id, scenario, property_id, phase)
        REFERENCES plan_phases (portfolio_id, scenario, property_id, phase) ON DELETE CASCADE
);

-- The portfolio budget allocation (HiGHS MILP, ara_assets.modelling.allocation) over the plans: which
-- home does which phase in which year within the yearly budget. One run row per (portfolio, scenario).
CREATE TABLE plan_allocation_runs (
    portfolio_id      bigint       NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    scenario          text         NOT NULL,
    scenario_version  integer,
    yearly_budget_gbp double precision NOT NULL CHECK (yearly_budget_gbp >= 0),
    start_year        integer      NOT NULL,
    targets_reached   integer      NOT NULL,
    upper_bound       integer      NOT NULL,
    greedy_targets_reached integer NOT NULL,
    status            text         NOT NULL,
    computed_at       timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (portfolio_id, scenario)
);

CREATE TABLE plan_allocations (
    portfolio_id      bigint       NOT NULL,
    scenario          text         NOT NULL,
    property_id       bigint       NOT NULL,
    phase             integer      NOT NULL,
    year              integer      NOT NULL,
    cost_gbp          double precision NOT NULL CHECK (cost_gbp >= 0),
    reaches_target    boolean      NOT NULL,
    PRIMARY KEY (portfolio_id, scenario, property_id, phase),
    FOREIGN KEY (portfolio_id, scenario) REFERENCES plan_allocation_runs (portfolio_id, scenario) ON DELETE CASCADE,
    FOREIGN KEY (portfolio_id, scenario, property_id, phase)
        REFERENCES plan_phases (portfolio_id, scenario, property_id, phase) ON DELETE CASCADE
);

CREATE INDEX plan_phases_by_portfolio ON plan_phases (portfolio_id, scenario, phase);
