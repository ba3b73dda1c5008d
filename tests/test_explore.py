"""The generative test of the generator (`asyncforge.matrix.explore`): a few seeds run on every
CI run; `asyncforge matrix --explore N` runs more, and the daily canary many. Each seed is a
team's life with a service, every step refused cleanly or checked."""

from pathlib import Path

import pytest

from asyncforge.matrix.explore import Failure, Step, draw, explore, shrink

SEEDS = {
    1: "SQLAlchemy, users, Celery: an owned resource named like a module (refused), JSON and "
    "references, then plain copier update",
    12: "Tortoise, users, Redis and Celery: a plural of its own (--singular), plain copier "
    "update, then Redis turned off",
}
"""Seeds whose sequences walk the paths most likely to break, between them."""
STEPS = 3


@pytest.mark.slow
@pytest.mark.parametrize("seed", list(SEEDS), ids=[f"seed-{seed}" for seed in SEEDS])
def test_a_teams_life_with_the_service_keeps_every_guarantee(
    seed: int, tmp_path: Path, selected_backends: list[str]
) -> None:
    backend = "real" if "real" in selected_backends else "embedded"

    [outcome] = explore([seed], STEPS, backend, workdir=tmp_path)

    assert outcome.failure is None, outcome.report()


def test_a_seed_always_draws_the_same_sequence_and_seeds_differ() -> None:
    releases = ["v0.4.0", "v0.5.0"]
    drawn = [draw(seed, 5, releases) for seed in range(20)]

    assert drawn[3] == draw(3, 5, releases)
    assert len({tuple(steps) for steps in drawn}) == 20
    tried = {step.argv[0] if step.tool == "asyncforge" else step.tool for s in drawn for step in s}
    assert tried == {"new", "add", "update", "copier", "sh"}


class FailsWith:
    """An explorer stand-in: a sequence fails at the step `culprit`, once `needs` came before."""

    def __init__(self, culprit: Step, needs: Step) -> None:
        self.culprit, self.needs, self.replays = culprit, needs, 0

    def run(self, steps: list[Step]) -> Failure | None:
        self.replays += 1
        if self.culprit in steps and self.needs in steps[: steps.index(self.culprit)]:
            return Failure(steps.index(self.culprit), "suite", "it broke")
        return None


def test_a_failure_shrinks_to_the_steps_it_needs() -> None:
    start, needs, culprit = Step(("new", "svc")), Step(("add", "resource", "a")), Step(("x",))
    noise = [Step(("update", ".", "--redis")), Step(("add", "resource", "b"))]
    steps = [start, noise[0], needs, noise[1], culprit, Step(("after",))]
    explorer = FailsWith(culprit, needs)

    shortest = shrink(explorer, steps, Failure(4, "suite", ""))

    assert shortest == [start, needs, culprit]
    assert explorer.replays <= len(steps)
