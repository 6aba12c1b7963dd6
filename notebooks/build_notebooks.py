"""Write the analyst notebooks of this folder from the cells below (stored without outputs).

The notebooks are generated so that they can be reviewed as code: edit the cells here and
run ``python notebooks/build_notebooks.py``; ``tests/notebooks`` executes every notebook and
checks that the stored files carry no outputs and match this script.

Every notebook finds the bundled scenario from the working folder (the repository or its
``notebooks/`` folder) or, failing that, next to the installed package, and writes only
into a temporary folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = '''\
from missionfinance.notebook import *  # mf, plot, pd, SCENARIO, REAL, WORK; money-friendly displays
'''


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip("\n"))


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(text.strip("\n"))


# ----------------------------------------------------------------------------- 01
QUICKSTART = [
    md("""
# 01 · Quick start: mission alignment of the Spending Review and an example allocation

This notebook answers three questions with the data bundled in `scenarios/`:

1. **How much of the Spending Review 2025 capital settlement and of recent procurement lines up
   with the five missions?** We tag the SR25 capital DEL table (Table 5.4) and a Contracts
   Finder OCDS release with the shipped UK rules.
2. **How much of departmental spending do the rules assess at all?** We tag HM Treasury's
   Country and Regional Analysis (CRA) 2018 database, 105,675 lines, and read the coverage.
3. **What would the example mission pipeline fund under SR25 control totals?** We run the
   example allocation for 2026-27 to 2029-30 and read the result.

All money is in £ million; financial years are written `2026-27`.
"""),
    code(SETUP),
    md("""
## The missions and the tagging rules

The built-in catalogue holds the five missions with their Plan for Change milestones. Each
mission has a fixed colour that every figure uses.
"""),
    code("""
missions = mf.MissionSet.load("builtin:uk")
missions
"""),
    code("""
rules = mf.RuleSet.load("builtin:uk", missions=missions)
rules
"""),
    md("""
## 1. Tag the SR25 capital DEL table

Each line of SR25 Table 5.4 is one department's capital DEL in one year. A rule attributes a
share of a line to a mission and records why; with `net` attribution a line's shares add to at
most 100%.
"""),
    code("""
sr25 = mf.read_lines(REAL / "sr25_table_5_4_cdel.csv")
sr25_tags = mf.tag(sr25, rules, attribution="net")
sr25_tags
"""),
    md("""
Capital DEL attributed to each mission in the SR25 years (£m). A rule may attribute only part
of a line (a weight below 1), so part of an assessed line is attributed to no mission; a line
that no rule assesses is *not assessed*, never "no impact".
"""),
    code("""
years = ["2026-27", "2027-28", "2028-29", "2029-30"]
attributed = sr25_tags.by_mission("year").reindex(columns=years)
not_assessed = sr25_tags.lines[sr25_tags.lines["status"] == "not_assessed"]
total = sr25.groupby("year")["amount"].sum().reindex(years)
unassessed = not_assessed.groupby("year")["amount"].sum().reindex(years, fill_value=0.0)
attributed.loc["(assessed, not attributed)"] = total - unassessed - attributed.sum()
attributed.loc["(not assessed)"] = unassessed
attributed.loc["total CDEL"] = total
attributed.round(0)
"""),
    code("""
plot.alignment_by_mission(sr25_tags, missions)
"""),
    md("""
The same rules read procurement: the Contracts Finder OCDS release (amounts converted to £m).
"""),
    code("""
contracts = mf.read_lines(REAL / "contracts-finder-2025.release-package.json")
contract_tags = mf.tag(contracts, rules)
print(contract_tags.summary_text())
"""),
    md("""
## 2. How much of departmental spending do the rules assess?

The CRA database splits identifiable spending by department, function (COFOG) and region.
Coverage partitions each department's money by line status: favourable, unfavourable, mixed,
neutral (assessed, no mission) and not assessed.
"""),
    code("""
cra = mf.read_lines(REAL / "cra_2018_database.csv.gz")
cra_tags = mf.tag(cra, rules)
cra_tags
"""),
    code("""
plot.coverage_by_department(cra_tags, top=15)
"""),
    md("""
The departments with the most money that no rule assesses yet: the places to write rules next.
"""),
    code("""
cov = cra_tags.coverage
gaps = cov[cov["dimension"] == "department"].nlargest(8, "not_assessed")
pd.DataFrame({"department": gaps["group"], "lines": gaps["lines"], "amount £m": gaps["amount"],
              "not assessed £m": gaps["not_assessed"],
              "assessed %": (100 * gaps["assessed_share"]).round(0)})
"""),
    md("""
Every tag says which rule made it and why. Here is the largest favourable CRA line explained:
"""),
    code("""
largest = cra_tags.tags.loc[cra_tags.tags["amount_attributed"].idxmax(), "line_id"]
print(cra_tags.explain(largest))
"""),
    md("""
## 3. Run the example allocation

The example scenario allocates grants, loans, equity and guarantees across an illustrative
pipeline of 260 mission projects, under CDEL, FT and RDEL control totals derived from SR25 and
a guarantee exposure limit. The scenario's own display shows its control totals.
"""),
    code("""
scenario = mf.Scenario.load(SCENARIO)
scenario
"""),
    code("""
run = scenario.run()
run
"""),
    md("""
### Reading the result

The headline figures: the objective (mission value), public cash committed (grants, loans,
equity) and, apart, the guarantees issued (contingent exposure, not cash), private investment
mobilised (and how much of it is additional), the leverage per £ of cash, and the economic
cost beside the budget scored.
"""),
    code("""
pd.Series(run.allocation.summary, name="value").to_frame()
"""),
    code("""
run.allocation.missions
"""),
    code("""
plot.allocation_by_mission(run)
"""),
    code("""
plot.private_by_mission(run)
"""),
    code("""
plot.budget_use(run)
"""),
    code("""
plot.flow(run)
"""),
    md("""
Which limits bind, and what £1m more of each would buy (the shadow prices, in words):
"""),
    code("""
prices = run.allocation.shadow_prices()          # shared limits only; a DataArray
prices.where(prices["binding"], drop=True).to_dataframe()[["shadow_price", "explanation"]].head(8)
"""),
    code("""
plot.shadow_prices(run)
"""),
    md("""
And why some projects were not funded:
"""),
    code("""
projects = run.allocation.projects
unfunded = projects[~projects["funded"]].sort_values("best_gain", ascending=False)
unfunded[["project_id", "name", "department", "missions", "capacity", "value_needed",
          "leverage_needed", "why_not"]].head(5)
"""),
    md("""
### Write the report

`run.write` writes the full report folder (CSV, HTML, XLSX and the manifest) atomically. Here
it goes to a temporary folder.
"""),
    code("""
out = run.write(WORK / "sr25-example")
sorted(p.name for p in out.iterdir())
"""),
]

# ----------------------------------------------------------------------------- 02
SCENARIOS = [
    md("""
# 02 · Spending-review scenarios: envelopes, mission weights and £1bn more CDEL

A spending review asks the same questions many times over with different numbers. A *sweep*
solves many variants of one scenario and compares them. This notebook:

1. scales the CDEL and FT envelopes of the example scenario up and down;
2. changes the weight the objective puts on each mission;
3. asks what an extra £1bn of CDEL over 2026-27 to 2029-30 would buy, and compares the answer
   with what the shadow prices predicted.

Sweeps here are small (at most 9 variants, 2 worker processes) so the notebook runs in seconds.
"""),
    code(SETUP),
    code("""
scenario = mf.Scenario.load(SCENARIO)
base = scenario.run()
scenario
"""),
    md("""
## 1. Budget envelopes

Each variant scales the CDEL (capital grants) and FT (loans and equity) control totals of every
year by a factor: 0.8 is a 20% cut, 1.2 a 20% uplift.
"""),
    code("""
envelopes = scenario.sweep(vary={"budget.CDEL*": [0.8, 1.0, 1.2], "budget.FT*": [0.8, 1.0, 1.2]},
                           workers=2)
envelopes
"""),
    code("""
plot.sweep_comparison(envelopes, "value")
"""),
    md("""
The efficient frontier: the variants for which no other variant gives more mission value for
less public finance. Variants off the frontier spend more for the same or less value.
"""),
    code("""
plot.frontier(envelopes, x="public_total", y="objective")
"""),
    code("""
envelopes.frontier("public_total", "objective")[["variant", "public_total", "private_total", "objective"]]
"""),
    md("""
## 2. Mission weights

By default every mission weighs 1 in the objective. Raising the weight on health or on safer
streets tells the optimiser to prefer those projects; the sweep shows what that costs the
other missions.
"""),
    code("""
weights = scenario.sweep(vary={"objective.weights.health": [1.0, 3.0, 10.0],
                               "objective.weights.safer-streets": [1.0, 10.0]}, workers=2)
weights
"""),
    md("""
The sweep reports each mission's value *with its weight*. Dividing by the weight gives the
mission money itself (public finance plus additional private investment attributed to the
mission, £m), so the variants compare like for like.
"""),
    code("""
money = weights.table.copy()
for m in scenario.missions.ids:
    key = f"objective.weights.{m}"
    weight = money[key] if key in money else scenario.weights.get(m, 1.0)
    money[f"value.{m}"] = money[f"value.{m}"] / weight
money[["variant", "public_total", "private_total"] + [f"value.{m}" for m in scenario.missions.ids]]
"""),
    code("""
plot.sweep_comparison(money, "value")
"""),
    md("""
The trade-off between the growth and health missions: more of both is better, so both axes are
maximised here. Every variant on the line is a defensible choice; the weights say which.
"""),
    code("""
plot.frontier(money, x="value.health", y="value.growth", minimise_x=False)
"""),
    md("""
## 3. What would £1bn more CDEL buy?

The shadow price of each year's CDEL control total says what the *first* extra £1m would add.
An extra £1bn is large, so the answer may be less than 1,000 × the shadow price: the next best
projects are worth less. We solve it exactly: £250m more in each of the four years, against
£1bn of FT in the same shape for comparison.
"""),
    code("""
duals = base.allocation.constraints.set_index("name")["dual"]
cdel_price = duals[[f"budget[CDEL,{y}]" for y in scenario.years]]
cdel_price.rename("mission value per £1m more CDEL").to_frame()
"""),
    code("""
def extra(control, total):
    per_year = total / len(scenario.years)
    return tuple((f"budget.{control}.{y}", "=", v + per_year)
                 for y, v in scenario.budget[control].items())


variants = [
    mf.Variant("SR25 example", ()),
    mf.Variant("+£1bn CDEL", extra("CDEL", 1000.0)),
    mf.Variant("+£1bn FT", extra("FT", 1000.0)),
]
extra_money = scenario.sweep(variants=variants, workers=2)
table = extra_money.table.set_index("variant")[["objective", "public_total", "private_total"]]
table.loc["+£1bn CDEL minus example"] = table.loc["+£1bn CDEL"] - table.loc["SR25 example"]
table.loc["+£1bn FT minus example"] = table.loc["+£1bn FT"] - table.loc["SR25 example"]
table
"""),
    code("""
gain = table.loc["+£1bn CDEL minus example", "objective"]
predicted = 250.0 * cdel_price.sum()
print(f"£1bn more CDEL adds {gain:,.0f} of mission value; the shadow prices predicted "
      f"{predicted:,.0f} ({gain / predicted:.0%} of the first-£1m rate holds over the whole £1bn).")
"""),
    md("""
The sweep's files (`variants.csv`, `frontier.csv`, `comparison.svg`, `manifest.json`) can be
written for the record, here to a temporary folder:
"""),
    code("""
folder = extra_money.write(WORK / "extra-cdel")
sorted(p.name for p in folder.iterdir())
"""),
]

# ----------------------------------------------------------------------------- 03
GUARANTEES = [
    md("""
# 03 · Guarantees and risk: grants against guarantees, exposure, risk limits and leverage

A grant scores in full against CDEL. A guarantee scores nothing at issue: only its expected
loss (probability of default × loss given default) is charged to RDEL, and its face value counts
against the guarantee exposure limit. This notebook asks:

1. what a pound of each instrument costs in budget and what it mobilises;
2. how much the example allocation relies on the exposure limit;
3. what an expected-loss budget or a CVaR risk appetite changes;
4. how sensitive the answer is to the leverage assumed for guarantees.

The scenario is changed in memory (`Scenario.with_changes`, checked like the file itself);
nothing is written to disk.
"""),
    code(SETUP),
    code("""
scenario = mf.Scenario.load(SCENARIO)
run = scenario.run()
run
"""),
    md("""
## 1. Grants against guarantees, per pound

Budget cost per control comes from the allocation's `budget_cost`; private money from the
allocation. For each instrument: public finance committed, the budget it used, the private
money it mobilised and two leverage ratios: per £ committed and per £ of budget used.
"""),
    code("""
ds = run.allocation.dataset
budget_used = (ds["budget_cost"].sum(["project", "year"]).to_pandas().T)  # instrument × control
alloc = run.allocation.allocation
per_instrument = alloc.groupby("instrument")[["public", "private"]].sum()
per_instrument = per_instrument.join(budget_used.add_prefix("used_"))
per_instrument["budget_used"] = budget_used.sum(axis=1)
per_instrument["private_per_public"] = per_instrument["private"] / per_instrument["public"]
per_instrument["private_per_budget"] = per_instrument["private"] / per_instrument["budget_used"]
per_instrument
"""),
    code("""
plot.allocation_by_year(run)
"""),
    md("""
## 2. Exposure: how far do guarantees carry the allocation?

The exposure stock at each year end against its limit:
"""),
    code("""
plot.exposure(run)
"""),
    md("""
Scaling the exposure limit from none (0) to double shows what the guarantee headroom is worth:
how much less public finance is committed without guarantees, and how the leverage changes.
"""),
    code("""
exposure_sweep = scenario.sweep(vary={"exposure*": [0.0, 0.5, 1.0, 2.0]}, workers=2)
exposure_sweep.table[["variant", "status", "objective", "public_total", "private_total", "leverage"]]
"""),
    md("""
Each point is one exposure limit; the slope between points is the private money each extra £
of guaranteed finance brings.
"""),
    code("""
plot.frontier(exposure_sweep, x="public_total", y="private_total")
"""),
    md("""
## 3. Risk limits

Two ways to cap the risk the Exchequer takes on loans, equity and guarantees
(keys documented in `docs/model.md`):

- `risk.expected_loss_limit`: the total expected loss (£m) over the horizon;
- `risk.cvar`: the conditional value at risk of losses at level `alpha` over simulated default
  scenarios (a one-factor Gaussian copula with correlation `rho`, seeded, so the answer is
  reproducible) must stay under `limit` (£m).
"""),
    code("""
expected_loss = float(ds["budget_cost"].sel(control="RDEL").sum())  # pd × lgd of each £
print(f"Expected loss charged to RDEL in the example: £{expected_loss:,.1f}m")

capped = scenario.with_changes(risk={"expected_loss_limit": 300.0}).run()
cvar = scenario.with_changes(risk={"cvar": {"alpha": 0.95, "limit": 1500.0,
                                            "scenarios": 200, "rho": 0.2}}).run()
pd.DataFrame({name: r.allocation.summary for name, r in
              [("example", run), ("expected loss ≤ £300m", capped), ("CVaR95 ≤ £1.5bn", cvar)]}
             ).loc[["status", "objective", "public_total", "private_total", "leverage"]]
"""),
    code("""
risk_rows = cvar.allocation.constraints
risk_rows[risk_rows["family"].isin(["cvar", "expected_loss"])][["name", "lhs", "rhs", "explanation"]]
"""),
    code("""
plot.shadow_prices(cvar)
"""),
    md("""
How the mission value responds as the CVaR limit is tightened:
"""),
    code("""
cvar_scenario = scenario.with_changes(risk={"cvar": {"alpha": 0.95, "limit": 1500.0,
                                                     "scenarios": 200}})
cvar_sweep = cvar_scenario.sweep(vary={"risk.cvar.limit": [500.0, 1000.0, 1500.0, 2500.0]},
                                 workers=2)
cvar_sweep.table[["variant", "status", "objective", "public_total", "private_total"]]
"""),
    code("""
plot.sweep_comparison(cvar_sweep, "value")
"""),
    md("""
## 4. Leverage

Private money mobilised per £ of public finance, by mission and instrument:
"""),
    code("""
lev = run.allocation.leverage
lev.pivot_table(index="mission", columns="instrument", values="leverage", observed=False).reindex(
    list(scenario.missions.ids))
"""),
    code("""
plot.private_by_mission(run)
"""),
    md("""
The guarantee leverage in the pipeline is lending per £ of cover, 1 / cover share, and an
estimate. Full cover (leverage 1: the state carries the whole loan), or assuming only
two-thirds of the private money is additional, tests how much the allocation leans on it:
"""),
    code("""
sensitivity = scenario.sweep(
    variants=[mf.Variant("as assumed", ()),
              mf.Variant("full guarantee cover", (("pipeline.leverage_guarantee", "=", 1.0),)),
              mf.Variant("additionality 0.67", (("pipeline.additionality", "=", 0.67),))],
    workers=2,
)
sensitivity.table[["variant", "objective", "public_total", "private_total", "leverage"]]
"""),
]

# ----------------------------------------------------------------------------- 04
AUDIT = [
    md("""
# 04 · Audit: regenerate and verify a report, explain a tag and an allocation decision

An auditor receives a report folder and asks: do these files follow from the scenario and its
inputs, byte for byte? And for any number: where does it come from? This notebook

1. runs the example scenario and writes its report folder (to a temporary folder);
2. verifies the folder: `verify` re-runs the scenario and compares every file;
3. edits one number in `allocation.csv`, as a careless or dishonest hand might, and shows that
   verification names the file;
4. explains one tag and one allocation decision.
"""),
    code(SETUP),
    code("""
import hashlib
import json
import shutil
"""),
    md("""
## 1. Run and write the report

The scenario and its data are copied into the temporary folder first, so that the report
folder and its inputs travel together, as they would when sent to an auditor.
"""),
    code("""
bundle = WORK / "bundle"
shutil.copytree(mf.example_path().parent, bundle)
scenario = mf.Scenario.load(bundle / "sr25-example.toml")
run = scenario.run()
out = run.write(bundle / "report")
sorted(p.name for p in out.iterdir())
"""),
    md("""
The manifest records the SHA-256 of the scenario, of every input and of every output, with the
package and solver versions.
"""),
    code("""
manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
pd.DataFrame(manifest["outputs"]).T
"""),
    code("""
pipeline = bundle / "data" / "pipeline.csv"
print("pipeline.csv SHA-256 now:", hashlib.sha256(pipeline.read_bytes()).hexdigest())
print(json.dumps(manifest["inputs"], indent=1)[:600])
"""),
    md("""
## 2. Verify

`mf.verify` checks that the inputs still have their recorded hashes, re-runs the scenario and
compares every output file with the one in the folder.
"""),
    code("""
check = mf.verify(out)
print(check)
"""),
    code("""
pd.DataFrame([{"file": f.name, "status": f.status, "detail": f.detail} for f in check.files])
"""),
    md("""
## 3. An edited number is caught

Raise the first allocation by £1m in `allocation.csv` and verify again: the file is reported as
different, with the first differing line, and as edited since the run (its SHA-256 no longer
matches the manifest).
"""),
    code("""
allocation_csv = out / "allocation.csv"
lines = allocation_csv.read_text(encoding="utf-8").splitlines(keepends=True)
fields = lines[1].rstrip("\\n").split(",")
fields[3] = f"{float(fields[3]) + 1.0:.6f}"
lines[1] = ",".join(fields) + "\\n"
allocation_csv.write_text("".join(lines), encoding="utf-8")

tampered = mf.verify(out)
print("passes:", tampered.ok)
[(f.name, f.status, f.edited, f.detail) for f in tampered.files if f.name == "allocation.csv"]
"""),
    md("""
## 4. Explain a tag

Why is a pipeline project attributed to its missions? Every rule that matched (or was vetoed)
is listed, with what matched and why the winner won.
"""),
    code("""
funded = run.allocation.projects.query("funded").sort_values("public", ascending=False)
project_id = funded["project_id"].iloc[0]
print(run.pipeline_tags.explain(project_id))
"""),
    md("""
The same for a line of the SR25 baseline:
"""),
    code("""
baseline_ids = run.baseline.tags["line_id"].astype(str)
sr_line = baseline_ids[baseline_ids.str.startswith("SR25") & baseline_ids.str.endswith("2026-27")].iloc[0]
print(run.baseline.explain(sr_line))
"""),
    md("""
## 5. Explain an allocation decision

What did the largest project receive, by instrument and year, and which limits shaped it?
`value_per_pound` is its mission value per £ (its tag weights times the objective weights) and
`best_gain` what its best unused option would add per £1m at the solution's shadow prices.
"""),
    code("""
alloc = run.allocation.allocation
alloc[alloc["project_id"] == project_id]
"""),
    code("""
run.allocation.projects.set_index("project_id").loc[project_id]
"""),
    code("""
binding = run.allocation.binding()
binding[~binding["family"].isin(plot.PROJECT_FAMILIES)][["name", "explanation"]].head(6)
"""),
    md("""
And a project that was *not* funded: the model says how far it fell short, in its own terms.
"""),
    code("""
unfunded = run.allocation.projects.query("not funded")
unfunded[["project_id", "capacity", "value_per_pound", "why_not"]].head(3)
"""),
]

# ----------------------------------------------------------------------------- 05
OUTCOMES = [
    md("""
# 05 · Does the strategy add up? Missions as outcomes

Missions are defined by outcomes — 1.5 million homes, 95% clean power, 92% of patients
treated within 18 weeks, 13,000 more neighbourhood police roles, 75% of five-year-olds
school-ready — not by money. This notebook asks of the example allocation:

1. **Will it put each milestone on track, and by when?** Baseline, business as usual (BAU),
   the allocation's contribution with delivery lags, against the target path.
2. **What would an allocation steered by outcomes do instead?** The objective
   `mission_progress` balances the missions by progress towards their milestones.
3. **How sure are we?** 1,000 draws of the uncertain yields, leverage and additionality.

Baselines and BAU paths are official statistics (sources in the table below); most project
yields are illustrative unit costs (`scenarios/data/SOURCES.md`). Money is in £ million.
"""),
    code(SETUP),
    code("""
scenario = mf.Scenario.load(SCENARIO)
run = scenario.run()
gaps = run.outcomes.gaps
for sentence in gaps["words"]:
    print(sentence)
"""),
    md("""
## 1. On track? The example allocation (objective `mission_value`)

Each chart shows the target path, BAU and the path with this allocation. The example
allocation maximises £ of investment attributed to missions, so it follows leverage, not
outcomes.
"""),
    code("""
colours = scenario.missions.colours
for row in gaps.itertuples():
    display(plot.milestone_trajectory(run.outcomes, row.milestone, colours[row.mission],
                                      title=f"{row.milestone} (by {row.deadline})",
                                      deadline=row.deadline))
"""),
    code("""
run.outcomes.gaps[["milestone", "deadline", "unit", "bau", "projected", "target", "gap",
                   "margin_rate", "more_public"]]
"""),
    md("""
Where the figures come from: the latest official statistic for each milestone, the BAU
assumption and the linear link from what projects deliver (MW, pathways, children) to the
milestone's unit.
"""),
    code("""
pd.DataFrame([{"milestone": m.id, "baseline": m.baseline, "year": m.baseline_year,
               "source": m.baseline_source, "bau": m.bau_source}
              for m in scenario.outcomes.data.tracked])
"""),
    md("""
## 2. Steering by outcomes: `mission_progress`

Progress is what the allocation adds at the deadline over the distance from BAU to the
target (1 = met); progress past a target is worth a tenth, so a met milestone is not
over-funded. The shadow price of each milestone row says what one more unit is worth.
"""),
    code("""
progress = scenario.with_changes({"objective.kind": "mission_progress"}).run()
compare = pd.DataFrame({"mission_value": run.outcomes.gaps.set_index("milestone")["projected"],
                        "mission_progress": progress.outcomes.gaps.set_index("milestone")["projected"],
                        "target": gaps.set_index("milestone")["target"]})
compare
"""),
    code("""
for sentence in progress.outcomes.gaps["shadow_price_words"]:
    print(sentence)
"""),
    md("""
## 3. How sure are we? 1,000 draws

Each uncertain input is a factor on the value given; the allocation is fixed (no
re-optimisation) and evaluated for every draw at once. The band is the 10th–90th percentile.
"""),
    code("""
sim = scenario.simulate(1000, run=progress)
pd.Series(sim.probability, name="probability of meeting the milestone")
"""),
    code("""
row = sim.gaps.set_index("milestone").loc["clean-power-2030"]
plot.milestone_trajectory(sim, "clean-power-2030", colours["clean-energy"],
                          title="clean-power-2030: 10–90% of 1,000 draws", deadline=row.deadline)
"""),
    code("""
plot.tornado(sim.sensitivity, "rtt-18-weeks", "% of patients",
             title="What moves the 18-week milestone most")
"""),
    md("""
Both allocations leave every milestone short: a capital pipeline of this size moves these
national outcomes by a few points at most. The gap table's `more_public` says how much more
would close each gap at the margin, when the pipeline has the room.
"""),
]

# ----------------------------------------------------------------------------- 06
FISCAL = [
    md("""
# 06 · Patient finance and the fiscal rules

A grant is spent; a loan or an equity stake comes back. This notebook shows what that means
for the two debt measures the UK's fiscal framework steers by — public sector net debt
(**PSND**) and public sector net financial liabilities (**PSNFL**, the investment rule's
target since the October 2024 Budget) — and for the current budget (the stability rule).

1. The same money committed as grants, or as loans and equity: year by year effect on PSNB,
   the current deficit, PSND and PSNFL, and the economic cost.
2. The example allocation's money out and back, and its fiscal impact.
3. What a PSNFL cap and recycling of receipts change in the optimal allocation.

Treatments and sources: docs/model.md, "Cash flows and the fiscal aggregates".
"""),
    code(SETUP),
    code("""
from missionfinance import fiscal
from missionfinance.cashflows import DEFAULT_TERMS, economic_cost, schedule
"""),
    md("""
## 1. The same budget, grant-heavy or loan- and equity-heavy

Take the example's pipeline and commit £1bn in 2026-27: once all as capital grants, once
half as loans and half as equity (the default terms: 10-year loans at 4% with two years of
grace, 7-year equity holds at 1.5×), spread over the same projects.
"""),
    code("""
scenario = mf.Scenario.load(SCENARIO)
pipeline = scenario.read_pipeline()
projects = pipeline["project_id"].head(20)
each = 1000.0 / len(projects)

def committed(split):
    rows = [{"project_id": p, "instrument": i, "year": "2026-27", "amount": each * share}
            for p in projects for i, share in split.items()]
    return pd.DataFrame(rows)

mixes = {"grant-heavy": {"grant": 1.0}, "loan/equity-heavy": {"loan": 0.5, "equity": 0.5}}
flows = {name: schedule(committed(split), DEFAULT_TERMS, scenario.years, pipeline)
         for name, split in mixes.items()}
effects = {name: fiscal.fiscal_summary(fiscal.fiscal_effects(cf)).set_index("year")
           for name, cf in flows.items()}
pd.concat(effects, axis=1).head(12)
"""),
    md("""
Both raise PSND by £1bn at issue. Only the grants raise PSNFL: a loan or equity stake is a
financial asset netted off. As loans repay and stakes are sold, PSND falls back, and interest
and dividends lower the current deficit; expected losses (the pipeline's default
probabilities) show in PSNFL when they happen.
"""),
    code("""
compare = pd.DataFrame({
    (name, measure): table[measure] for name, table in effects.items() for measure in ("psnd", "psnfl")
}).fillna(0.0)
ax = compare.plot(figsize=(8, 3.5), marker="o")
ax.set_ylabel("£m effect at year end")
ax.figure
"""),
    code("""
pd.DataFrame({name: [economic_cost(cf, by=()).iloc[0]] for name, cf in flows.items()},
             index=["economic cost, £m PV (Green Book 3.5%)"])
"""),
    md("""
## 2. The example allocation: money out, money back

Every run writes `cashflows.csv` and `fiscal.csv`; the same frames are one call away.
"""),
    code("""
run = scenario.run()
alloc = run.allocation.allocation
cf = fiscal.allocation_cashflows(run, alloc)
plot.money_out_and_back(fiscal.money_out_and_back(cf))
"""),
    code("""
fiscal.cost_by_instrument(cf)
"""),
    code("""
fiscal.fiscal_summary(fiscal.fiscal_effects(cf)).head(8)
"""),
    md("""
## 3. Steering by the fiscal rules

A cap on the allocation's PSNFL effect (`[fiscal.psnfl]`, here 70% of the base allocation's
effect in each year) takes money out of grants, which score in PSNFL; FT already binds in the
example, so the financial transactions can only be re-mixed (towards equity, whose budget
and risk charges now compare better), and total public cash falls. Recycling
(`[recycling] control = "FT"`) lets receipts fund later years. Both are linear constraints
of the same LP, with shadow prices in words.
"""),
    code("""
def mix(run):
    a = run.allocation.allocation
    return a.groupby("instrument")["public"].sum()

psnfl_now = fiscal.fiscal_summary(fiscal.fiscal_effects(cf)).set_index("year")["psnfl"]
cap = {y: 0.7 * float(psnfl_now[y]) for y in scenario.years}
capped = mf.Scenario.from_dict({**scenario.config, "fiscal": {"psnfl": cap}}, scenario.path).run()
recycled = mf.Scenario.from_dict({**scenario.config, "recycling": {"control": "FT"}},
                                 scenario.path).run()
pd.DataFrame({"base": mix(run), "PSNFL capped at 70%": mix(capped),
              "recycling into FT": mix(recycled)}).fillna(0.0)
"""),
    code("""
rows = capped.allocation.constraints
rows[rows["family"] == "fiscal"][["name", "binding", "explanation"]]
"""),
    code("""
rows = recycled.allocation.constraints
rows[rows["family"] == "recycling"][["name", "explanation"]]
"""),
]

NOTEBOOKS = {
    "01-quickstart.ipynb": QUICKSTART,
    "02-spending-review-scenarios.ipynb": SCENARIOS,
    "03-guarantees-and-risk.ipynb": GUARANTEES,
    "04-audit.ipynb": AUDIT,
    "05-does-the-strategy-add-up.ipynb": OUTCOMES,
    "06-patient-finance-and-the-fiscal-rules.ipynb": FISCAL,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` (no outputs, python3 kernel)."""
    nb = new_notebook(cells=NOTEBOOKS[name])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"{name.split('-')[0]}-{k:02d}"
    return nb


def text(name: str) -> str:
    """The stored text of notebook ``name``."""
    return nbformat.writes(build(name)) + "\n"


def main(folder: Path = HERE) -> int:
    for name in NOTEBOOKS:
        (folder / name).write_text(text(name), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
