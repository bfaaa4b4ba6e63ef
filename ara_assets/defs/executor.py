"""The executor of Ara's runs: in-process unless a run's config asks for a process per step.

A process per step costs seconds each (Dagster 1.13 measured when the wiring was chosen: ~2.5 s of spawn and
code load per step) and our steps are vectorised; parallelism comes from running portfolios side by side.
So runs execute in one process by default. A run that wants one process per step (memory isolation of the
steps on a big host) says so in its run config, Dagster's own selector of `multi_or_in_process_executor`:

    execution:
      config:
        multiprocess:
          max_concurrent: 4

That is Dagster's executor with only its default turned round (Dagster's default is multiprocess), so the
launchpad, `dagster job launch --config`, schedules and sensors choose per run; no environment variable is
read. Where runs go (one container per run on ECS or Kubernetes) is the instance's run launcher, in
deploy/*/dagster.yaml.
"""

import dagster as dg

_DAGSTER_SELECTOR = dg.multi_or_in_process_executor

in_process_by_default = dg.ExecutorDefinition(
    name="in_process_by_default",
    config_schema=dg.Field(
        _DAGSTER_SELECTOR.config_schema.config_type,
        default_value={"in_process": {}},
        description="in_process (the default) or multiprocess, with Dagster's options for each.",
    ),
    requirements=_DAGSTER_SELECTOR.get_requirements,
    executor_creation_fn=_DAGSTER_SELECTOR.executor_creation_fn,
    description="Steps run in the run's own process unless the run config selects multiprocess.",
)
