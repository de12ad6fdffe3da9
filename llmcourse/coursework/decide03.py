"""Decision exercise 03.4: choose the agent's step budget, judged on the dev tasks.

Every model call of an agent costs time and tokens; the step budget (`max_steps`) caps how many a task may use.
Notebook 03 runs the tuned agent on every task with the course's default budget (`agents.MAX_STEPS`) and writes,
per task, whether it succeeded and how many steps it took (results/items/03_agents.json). Decoding is greedy, so
the same agent under a smaller budget b takes the same steps until it hits b: a task succeeds under b when it
succeeded in at most b steps, and it costs min(steps, b) model calls. `budget_table` computes both for every b.

The learner picks a budget. It passes when its dev success is within TOLERANCE of the best budget's and it costs
no more model calls per task than the cheapest budget that is (a bigger budget that buys nothing only pays for
loops). Test tasks are never used here; the notebook reports them for the chosen budget afterwards.
"""
from __future__ import annotations

from .checks import exercise, expect

TOLERANCE = 0.02  # dev success a budget may lose against the best budget (one dev task is about 0.04)


def task_rows(split: str | None = None) -> list[dict]:
    """The committed per-task rows of notebook 03's tuned agent (id, split, template, success, steps)."""
    from ..results import load_items

    rows = load_items("03_agents")
    return [r for r in rows if split is None or r["split"] == split]


def item_rows(tasks: list[dict], ev) -> list[dict]:
    """Per-task rows of an agent's run_eval for results/items/03_agents.json."""
    from ..domain import split_of

    return [{"id": t["id"], "split": split_of(t["id"]), "template": t["template"], "success": bool(r["success"]),
             "steps": int(r["steps"])} for t, r in zip(tasks, ev.rows.to_dict("records"))]


def budget_table(rows: list[dict], max_steps: int | None = None):
    """For every budget b = 1..max_steps: success rate and mean model calls per task under that budget."""
    import pandas as pd

    from ..agents import MAX_STEPS

    top = max_steps or MAX_STEPS
    return pd.DataFrame({"success": [sum(r["success"] and r["steps"] <= b for r in rows) / len(rows) for b in range(1, top + 1)],
                         "model calls per task": [sum(min(r["steps"], b) for r in rows) / len(rows) for b in range(1, top + 1)]},
                        index=pd.Index(range(1, top + 1), name="step budget"))


def cheapest_good_budget(table) -> int:
    """The smallest budget whose success is within TOLERANCE of the best budget's."""
    best = table["success"].max()
    return int(table.index[table["success"] >= best - TOLERANCE - 1e-9][0])


@exercise("03.4", "choose the agent's step budget",
          "Write my_step_budget() returning an int from 1 to agents.MAX_STEPS: the step budget you would ship for the "
          "tuned agent, chosen on the dev tasks only. The check passes when its dev success is within "
          f"{TOLERANCE} of the best budget's and it costs no more model calls per task than needed for that.",
          hints=("A task that succeeds needs at least one tool call and one answer. How many steps do the successful "
                 "dev tasks take, and what do the failed ones do with the steps left?",
                 "budget_table(task_rows('dev')) lists success and model calls per task for every budget: success can "
                 "only grow with the budget, and so can the cost.",
                 "Pick the smallest budget whose dev success is within the tolerance of the table's best success."))
def _check_03_4(my_step_budget):
    from ..agents import MAX_STEPS

    budget = my_step_budget() if callable(my_step_budget) else my_step_budget
    expect(isinstance(budget, int) and 1 <= budget <= MAX_STEPS,
           f"my_step_budget() returned {budget!r}: expected an int from 1 to {MAX_STEPS}")
    table = budget_table(task_rows("dev"))
    good = cheapest_good_budget(table)
    best, mine = table["success"].max(), table.loc[budget]
    print(f"dev tasks: budget {budget} gives success {mine['success']:.3f} at {mine['model calls per task']:.2f} model "
          f"calls per task; the best budget's success is {best:.3f}")
    expect(mine["success"] >= best - TOLERANCE - 1e-9,
           f"budget {budget}: dev success {mine['success']:.3f}, more than {TOLERANCE} below the best ({best:.3f})")
    expect(mine["model calls per task"] <= table.loc[good, "model calls per task"] + 1e-9,
           f"budget {budget}: {mine['model calls per task']:.2f} model calls per dev task, but a smaller budget reaches "
           f"the same success for {table.loc[good, 'model calls per task']:.2f}")
