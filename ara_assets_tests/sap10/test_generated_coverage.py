"""Regression guard: the share of a generated 2,000-home portfolio that scores without refusal, and the
reasons of the refusals that remain (docs/sap10/COVERAGE.md, "Coverage on generated portfolios")."""

from __future__ import annotations

from ara_assets.demo.generate import generate_portfolio
from ara_assets.sap10 import score_certificates

# the remaining, documented refusal causes; a new cause is a regression (or a new generator feature)
# (issue 13: missing Table 12a / Table 32 cells and lodged geometry became approximations, not refusals)
KNOWN_REASONS: tuple[str, ...] = ()


def test_generated_portfolio_scored_share_and_remaining_causes() -> None:
    # 2,000 homes: generator 2.0.0 draws heating estate by estate, so refusal causes (off-peak tariffs)
    # come in clusters and a 500-home sample swings between 0.90 and 0.95 with the seed; at 5,000 homes
    # the share is 0.961 (0.957 with generator 1.0.0)
    docs = [doc for _, doc in generate_portfolio(2000, seed=1).iter_documents()]
    out = score_certificates(docs, normalise_docs=False)
    errors = [e for e in out["error"].to_list() if e is not None]
    share = 1.0 - len(errors) / out.height
    # 0.890 when written (545 certificates); 0.938 once heat networks of unknown distribution type take the
    # Table 12c age-band default (DEVIATIONS C8); 0.950 once the generator keeps a flat's corridor wall
    # inside its heat-loss perimeter; 1.000 once missing table cells and inconsistent lodged geometry are
    # scored with a named approximation (issue 13)
    assert share >= 0.995, share
    unexplained = [e for e in errors if not any(reason in e for reason in KNOWN_REASONS)]
    assert unexplained == []
    scored = out.filter(out["error"].is_null())
    assert scored["sap_rating"].is_nan().sum() == 0
    assert scored["sap_rating_int"].min() >= 1
    # every approximation a score names is described in the registry
    from ara_assets.sap10.approximations import count_homes, registry

    counts = count_homes(scored["approximations"])
    assert counts and set(counts) <= set(registry())
