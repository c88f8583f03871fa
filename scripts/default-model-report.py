#!/usr/bin/python3
"""Tables for docs/default-model.md from the default model's predictions (scripts/train-default-model.sh).

  default-model-report.py WORK DEST        test-split report (markdown on stdout)
  default-model-report.py --sanity CSV     sanity table of `molprop predict` on tests/fixtures/sanity_molecules.csv

WORK holds test.csv (labels), test-predictions.csv (`molprop predict --properties all`),
test-descriptors.h5 (rdkit2d-v2, for Crippen logP) and all-info.json (which molecules came from
multi-component input); DEST is the shipped model folder (calibration.json).
"""
import csv
import json
import math
import sys

# Sanity margins: a prediction inside its property's domain and farther than this from the
# measured value counts as wrong (tests/inference/default_model_sanity_test.cpp uses the same).
MARGINS = {"logP": 0.7, "logD7.4": 0.7, "logS": 1.0, "mp": 50.0}


def column(header, name):
    """The predicted column of target `name`: "logS (log10(mol/L))" (the label column "logS" of
    the input comes first in the file and is not it)."""
    return next(c for c in header if c.startswith(name + " ("))


def std_column(header, name):
    return next(c for c in header if c.startswith(name + "_std ("))


def rmse(errors):
    return math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else float("nan")


def fmt(v, digits=3):
    return "–" if v != v else f"{v:.{digits}f}"


def test_report(work, dest):
    rows = list(csv.DictReader(open(f"{work}/test-predictions.csv", newline="")))
    header = list(rows[0].keys())
    names = [n for n in csv.DictReader(open(f"{work}/test.csv")).fieldnames if n != "smiles"]
    calibration = json.load(open(f"{dest}/calibration.json"))["targets"]
    info = json.load(open(f"{work}/all-info.json"))
    failed = sum(1 for r in rows if r["error"])
    print(f"Held-out scaffold test split: {len(rows)} molecules ({failed} failed to predict).\n")
    print("| target | test n | RMSE | in domain: RMSE (n) | out of domain: RMSE (n) | within ±1σ | within ±2σ | "
          "domain threshold | σ scale, floor |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    errors_by = {}
    for n in names:
        pc, sc, dc = column(header, n), std_column(header, n), f"{n}_in_domain"
        err, inside, outside, cov1, cov2 = [], [], [], 0, 0
        for r in rows:
            if not r[n] or r["error"]:
                continue
            e = float(r[pc]) - float(r[n])
            s = float(r[sc])
            err.append(e)
            (inside if r[dc] == "yes" else outside).append(e)
            cov1 += abs(e) <= s
            cov2 += abs(e) <= 2 * s
        errors_by[n] = err
        c = calibration.get(n, {})
        rule = "" if c.get("validation", {}).get("threshold_rule") != "fallback" else " (fallback)"
        print(f"| {n} | {len(err)} | **{fmt(rmse(err))}** | {fmt(rmse(inside))} ({len(inside)}) | "
              f"{fmt(rmse(outside))} ({len(outside)}) | {100 * cov1 / max(len(err), 1):.0f}% | "
              f"{100 * cov2 / max(len(err), 1):.0f}% | {c.get('domain_threshold', float('nan')):.2f}{rule} | "
              f"{c.get('spread_scale', 1):.2f}, {c.get('spread_floor', 0):.3f} |")

    # Crippen logP (RDKit's atom contributions) on the same test molecules.
    import h5py
    with h5py.File(f"{work}/test-descriptors.h5", "r") as f:
        dnames = json.loads(f.attrs["descriptor_names"])
        values = f["descriptors"][:]
        smiles = [s.decode() if isinstance(s, bytes) else s for s in f["smiles"][:]]
    crippen = dict(zip(smiles, values[:, dnames.index("CrippenClogP")]))
    print("\nFree baseline on the same molecules: RDKit's Crippen logP (atom contributions).\n")
    print("| target | n | model RMSE | Crippen logP RMSE |")
    print("| --- | ---: | ---: | ---: |")
    for n in ("logP", "logD7.4"):
        pc = column(header, n)
        pairs = [(float(r[pc]) - float(r[n]), float(crippen[r["smiles"]]) - float(r[n]))
                 for r in rows if r[n] and not r["error"] and r["smiles"] in crippen]
        print(f"| {n} | {len(pairs)} | {fmt(rmse([p[0] for p in pairs]))} | {fmt(rmse([p[1] for p in pairs]))} |")

    # Multi-component input (salts, hydrates, mixtures) vs single-component organics.
    print("\nBy kind of input (a test molecule is multi-component when any of its source rows was).\n")
    print("| target | single-component: RMSE (n) | multi-component: RMSE (n) |")
    print("| --- | ---: | ---: |")
    for n in names:
        pc = column(header, n)
        single, multi = [], []
        for r in rows:
            if r[n] and not r["error"]:
                e = float(r[pc]) - float(r[n])
                (multi if info.get(r["smiles"], {}).get("multi_component") else single).append(e)
        print(f"| {n} | {fmt(rmse(single))} ({len(single)}) | {fmt(rmse(multi))} ({len(multi)}) |")

    # Physical consistency of the outputs on every predicted test molecule.
    ok = [r for r in rows if not r["error"]]
    logp, logd, logs, mp = (column(header, n) for n in ("logP", "logD7.4", "logS", "mp"))
    d_above = sum(1 for r in ok if float(r[logd]) > float(r[logp]))
    d_above_05 = sum(1 for r in ok if float(r[logd]) > float(r[logp]) + 0.5)
    measured = [r for r in rows if r["logP"] and r["logD7.4"]]
    m_above = sum(1 for r in measured if float(r["logD7.4"]) > float(r["logP"]) + 0.5)

    def gse(r):  # general solubility equation (Yalkowsky): logS = 0.5 − 0.01 (mp − 25) − logP
        return 0.5 - 0.01 * max(float(r[mp]) - 25.0, 0.0) - float(r[logp])

    gse_gap = [float(r[logs]) - gse(r) for r in ok]
    labelled = [r for r in ok if r["logS"]]
    print("\nPhysical consistency of the model's own outputs on the test molecules.\n")
    print(f"- logD7.4 > logP: {d_above} of {len(ok)} molecules ({100 * d_above / len(ok):.1f}%); by more than 0.5: "
          f"{d_above_05} ({100 * d_above_05 / len(ok):.1f}%). In the measured data, of the {len(measured)} test "
          f"molecules with both labels, {m_above} have logD7.4 > logP + 0.5.")
    print(f"- General solubility equation from the model's logP and melting point vs its logS: RMSE "
          f"{fmt(rmse(gse_gap))}, |gap| > 1.5 log units for {sum(1 for g in gse_gap if abs(g) > 1.5)} of {len(ok)}. "
          f"On the {len(labelled)} test molecules with a measured logS: model logS RMSE "
          f"{fmt(rmse([float(r[logs]) - float(r['logS']) for r in labelled]))}, GSE from the model's logP and mp "
          f"{fmt(rmse([gse(r) - float(r['logS']) for r in labelled]))}.")


def sanity_table(path):
    rows = list(csv.DictReader(open(path, newline="")))
    header = list(rows[0].keys())
    props = [p for p in MARGINS if any(c.startswith(p + " (") for c in header)]
    print("| molecule | " + " | ".join(f"{p} measured | {p} predicted" for p in props) + " |")
    print("| --- | " + " | ".join("---: | ---:" for _ in props) + " |")
    wrong = 0
    for r in rows:
        cells = []
        for p in props:
            pred = float(r[column(header, p)])
            sd = float(r[std_column(header, p)])
            inside = r[f"{p}_in_domain"] == "yes"
            text = f"{pred:.2f} ± {sd:.2f}" + ("" if inside else " (ood)")
            if r[p] and inside and abs(pred - float(r[p])) > MARGINS[p]:
                text = f"**{text}**"
                wrong += 1
            cells += [r[p] or "–", text]
        print(f"| {r['name']} | " + " | ".join(cells) + " |")
    print(f"\n{wrong} in-domain predictions off by more than the margin "
          f"({', '.join(f'{p} {m:g}' for p, m in MARGINS.items())}); (ood) = flagged out of that property's domain.")


if __name__ == "__main__":
    if sys.argv[1] == "--sanity":
        sanity_table(sys.argv[2])
    else:
        test_report(sys.argv[1], sys.argv[2])
