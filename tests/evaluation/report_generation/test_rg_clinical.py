"""Clinical efficacy on hand-made report pairs (expected counts worked out in the comments)."""

from __future__ import annotations

import pytest

from medvlp.evaluation.report_generation.clinical import clinical_efficacy

REFERENCES = ["Large right pleural effusion. Cardiomegaly.", "No pneumothorax. Mild pulmonary edema.", "Normal chest."]
GENERATED = ["Right pleural effusion. No cardiomegaly.", "Mild pulmonary edema and a pneumothorax.", "Normal chest."]
# reference positives: {effusion, cardiomegaly}, {edema}, {No Finding}
# generated positives: {effusion}, {edema, pneumothorax}, {No Finding}
# TP = effusion, edema, No Finding = 3; FP = pneumothorax = 1; FN = cardiomegaly (negated) = 1


def test_micro_and_macro_scores() -> None:
    ce = clinical_efficacy(REFERENCES, GENERATED, ["s1", "s2", "s3"], n_resamples=0)
    assert ce.metrics["ce_micro_precision"] == pytest.approx(3 / 4)
    assert ce.metrics["ce_micro_recall"] == pytest.approx(3 / 4)
    assert ce.metrics["ce_micro_f1"] == pytest.approx(3 / 4)
    # macro over the 14 observations: effusion, edema and No Finding score 1, every other 0
    assert ce.metrics["ce_macro_f1"] == pytest.approx(3 / 14)
    assert ce.metrics["ce_macro_precision"] == pytest.approx(3 / 14)
    rows = {r["finding"]: r for r in ce.per_finding}
    assert len(rows) == 14
    assert rows["Pleural Effusion"]["f1"] == 1.0
    assert rows["Cardiomegaly"]["recall"] == 0.0 and rows["Cardiomegaly"]["n_reference_positive"] == 1
    assert rows["Pneumothorax"]["precision"] == 0.0 and rows["Pneumothorax"]["n_generated_positive"] == 1


def test_fluent_but_wrong_report_scores_zero_findings() -> None:
    ce = clinical_efficacy(["Large left pneumothorax."], ["No pneumothorax."], ["s1"], n_resamples=0)
    # the generated report shares words but states no finding; "No Finding" is positive in it instead
    assert ce.metrics["ce_micro_recall"] == 0.0
    assert ce.metrics["ce_micro_f1"] == 0.0


def test_bootstrap_intervals_bracket_the_estimate() -> None:
    refs, gens = REFERENCES * 4, GENERATED * 4
    ce = clinical_efficacy(refs, gens, [f"s{i}" for i in range(12)], n_resamples=200)
    low, high = ce.ci["ce_micro_f1"]
    assert low is not None and high is not None
    assert low <= ce.metrics["ce_micro_f1"] <= high and low < high


@pytest.mark.parametrize("density", [0.0, 0.05, 0.3, 0.9])
def test_counted_scores_equal_sklearn(density: float) -> None:
    """The bootstrap's count-based precision/recall/F1 agree with sklearn's, empty columns included."""
    import numpy as np
    from sklearn.metrics import precision_recall_fscore_support

    from medvlp.evaluation.report_generation.clinical import efficacy_values

    rng = np.random.default_rng(int(density * 100))
    truth = rng.random((40, 14)) < density
    pred = rng.random((40, 14)) < density
    truth[:, 3] = pred[:, 3] = False  # a finding absent from both sides
    pred[:, 5] = False  # one never generated
    truth[:, 7] = False  # one never in the references
    ours = efficacy_values(truth, pred)
    for average in ("micro", "macro"):
        p, r, f, _ = precision_recall_fscore_support(truth, pred, average=average, zero_division=0)
        assert ours[f"ce_{average}_precision"] == pytest.approx(p)
        assert ours[f"ce_{average}_recall"] == pytest.approx(r)
        assert ours[f"ce_{average}_f1"] == pytest.approx(f)
