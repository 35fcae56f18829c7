#!/usr/bin/python3
"""The baseline: the pipeline's job done the way most users would, in memory with pandas, scikit-learn and scipy.

  baseline.py train   --data FILE.csv --model-dir DIR [--seed 42]
      read_csv; the same processing as the pipeline (derived fossil_energy_mwh = energy_mwh * (1 - renewable_share),
      month and day-of-week sin/cos, standard scaling, one-hot of region and sector with a dropped reference level);
      a seeded random 80/20 split; LinearRegression; evaluation (RMSE, MAE, R², MAPE, bias) on the test rows;
      the model, scaler, (XᵀX)⁻¹ and the training rows' raw features (the drift reference) pickled to DIR.

  baseline.py predict --batch FILE.csv --model-dir DIR --out PREDICTIONS.csv
      read_csv; the same processing with the fitted scaler and levels; drift tests against the training rows
      (scipy ks_2samp and wasserstein_distance per numeric feature, chi2_contingency per categorical);
      predictions with 90% prediction intervals (t quantile × sqrt(s² (1 + leverage))) written to CSV;
      batch RMSE where the batch has actuals.

Prints one JSON object (phase timings in seconds, metrics) on stdout. Run with /usr/bin/python3 (Debian's
python3-pandas, python3-sklearn, python3-scipy).
"""
import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

NUMERIC = ["temperature_c", "energy_mwh", "renewable_share", "activity_index", "fuel_price_eur_mwh"]
CATEGORICAL = ["region", "sector"]
TARGET = "co2_tonnes"
INTERVAL_LEVEL = 0.9


class Phases:
    """Wall time of each phase, in seconds."""

    def __init__(self):
        self.times = {"imports": time.perf_counter() - T0}
        self.last = time.perf_counter()

    def mark(self, name):
        now = time.perf_counter()
        self.times[name] = now - self.last
        self.last = now


def numeric_features(df):
    """Raw numeric features: the contract's numerics, the derived feature and the calendar terms."""
    x = df[NUMERIC].astype("float64")
    x["fossil_energy_mwh"] = df["energy_mwh"] * (1 - df["renewable_share"])
    month = df["date"].dt.month
    dow = df["date"].dt.dayofweek  # Monday = 0, as isodow - 1
    x["cal_month_sin"] = np.sin(2 * np.pi * (month - 1) / 12)
    x["cal_month_cos"] = np.cos(2 * np.pi * (month - 1) / 12)
    x["cal_dow_sin"] = np.sin(2 * np.pi * dow / 7)
    x["cal_dow_cos"] = np.cos(2 * np.pi * dow / 7)
    return x


def design(df, x_num, scaler, dummy_columns=None):
    """Scaled numerics and one-hot categoricals (first level dropped as the reference)."""
    scaled = pd.DataFrame(scaler.transform(x_num), columns=x_num.columns, index=x_num.index)
    dummies = pd.get_dummies(df[CATEGORICAL], drop_first=dummy_columns is None, dtype="float64")
    if dummy_columns is not None:
        dummies = dummies.reindex(columns=dummy_columns, fill_value=0.0)
    return pd.concat([scaled, dummies], axis=1)


def metrics(y, pred):
    y = np.asarray(y)
    pred = np.asarray(pred)
    return {
        "rmse": float(np.sqrt(mean_squared_error(y, pred))),
        "mae": float(mean_absolute_error(y, pred)),
        "r2": float(r2_score(y, pred)),
        "mape": float(np.mean(np.abs((y - pred) / np.maximum(np.abs(y), 1e-9)))),
        "bias": float(np.mean(pred - y)),
    }


def train(args):
    ph = Phases()
    df = pd.read_csv(args.data, parse_dates=["date"])
    ph.mark("read_csv")
    df = df.dropna(subset=[TARGET])
    x_num = numeric_features(df)
    scaler = StandardScaler().fit(x_num)
    X = design(df, x_num, scaler)
    y = df[TARGET].to_numpy()
    ph.mark("process")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=args.seed)
    ph.mark("split")
    model = LinearRegression().fit(X_train, y_train)
    # For prediction intervals: (XᵀX)⁻¹ of the training design (with the intercept) and the residual variance.
    Xd = np.column_stack([np.ones(len(X_train)), X_train.to_numpy()])
    xtx_inv = np.linalg.pinv(Xd.T @ Xd)
    resid = y_train - model.predict(X_train)
    dof = len(y_train) - Xd.shape[1]
    s2 = float(resid @ resid / dof)
    ph.mark("fit")
    evaluation = metrics(y_test, model.predict(X_test))
    ph.mark("evaluate")
    os.makedirs(args.model_dir, exist_ok=True)
    reference = pd.concat([x_num.loc[X_train.index], df.loc[X_train.index, CATEGORICAL]], axis=1)
    with open(os.path.join(args.model_dir, "model.pkl"), "wb") as f:
        pickle.dump(
            {"model": model, "scaler": scaler, "dummy_columns": list(X.columns[x_num.shape[1]:]), "xtx_inv": xtx_inv,
             "s2": s2, "dof": dof, "reference": reference},
            f,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    ph.mark("save")
    return {"mode": "train", "rows": int(len(df)), "n_train": int(len(y_train)), "n_test": int(len(y_test)),
            "design_columns": int(Xd.shape[1]), "phases": ph.times, "evaluation": evaluation}


def predict(args):
    ph = Phases()
    with open(os.path.join(args.model_dir, "model.pkl"), "rb") as f:
        m = pickle.load(f)
    ph.mark("load_model")
    batch = pd.read_csv(args.batch, parse_dates=["date"])
    ph.mark("read_csv")
    x_num = numeric_features(batch)
    X = design(batch, x_num, m["scaler"], m["dummy_columns"])
    ph.mark("process")
    ref = m["reference"]
    drift = []
    for c in x_num.columns:
        ks = stats.ks_2samp(ref[c], x_num[c])
        w = stats.wasserstein_distance(ref[c], x_num[c])
        sd = ref[c].std()
        drift.append({"feature": c, "ks": float(ks.statistic), "ks_p": float(ks.pvalue),
                      "wasserstein_norm": float(w / sd) if sd > 0 else None})
    for c in CATEGORICAL:
        table = pd.concat([ref[c].value_counts().rename("ref"), batch[c].value_counts().rename("cur")], axis=1).fillna(0)
        chi2, p, _, _ = stats.chi2_contingency(table.to_numpy().T)
        drift.append({"feature": c, "chi2": float(chi2), "chi2_p": float(p)})
    ph.mark("drift")
    pred = m["model"].predict(X)
    Xd = np.column_stack([np.ones(len(X)), X.to_numpy()])
    leverage = np.einsum("ij,jk,ik->i", Xd, m["xtx_inv"], Xd)
    half = stats.t.ppf(0.5 + INTERVAL_LEVEL / 2, m["dof"]) * np.sqrt(m["s2"] * (1 + leverage))
    ph.mark("predict")
    out = pd.DataFrame({"facility_id": batch["facility_id"], "date": batch["date"].dt.strftime("%Y-%m-%d"),
                        "prediction": pred, "prediction_lower": pred - half, "prediction_upper": pred + half})
    out.to_csv(args.out, index=False)
    ph.mark("write_csv")
    result = {"mode": "predict", "rows": int(len(batch)), "phases": ph.times,
              "drifted_ks_p_0_05": sum(1 for d in drift if d.get("ks_p", 1) < 0.05 or d.get("chi2_p", 1) < 0.05),
              "drifted_wasserstein_0_1": sum(1 for d in drift if (d.get("wasserstein_norm") or 0) >= 0.1),
              "drift": drift}
    if TARGET in batch and batch[TARGET].notna().any():
        has = batch[TARGET].notna().to_numpy()
        result["batch"] = metrics(batch.loc[has, TARGET], pred[has])
        result["interval_coverage"] = float(np.mean((batch.loc[has, TARGET] >= out.loc[has, "prediction_lower"])
                                                    & (batch.loc[has, TARGET] <= out.loc[has, "prediction_upper"])))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True)
    t.add_argument("--model-dir", required=True)
    t.add_argument("--seed", type=int, default=42)
    p = sub.add_parser("predict")
    p.add_argument("--batch", required=True)
    p.add_argument("--model-dir", required=True)
    p.add_argument("--out", required=True)
    args = parser.parse_args()
    result = train(args) if args.command == "train" else predict(args)
    result["total_s"] = time.perf_counter() - T0
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
