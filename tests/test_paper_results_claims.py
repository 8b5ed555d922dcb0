"""The paper's claims, structured (tools/paper/results.py): the grammar on sentences, then real papers:
other systems' numbers are not claims, top-1/top-5 and the split survive, the dataset is the row's own,
results tables give the paper's own rows, and the row marked ``main`` is the paper's model."""

from __future__ import annotations

import pytest
from mlintern.tools.paper.results import _matches

# ----------------------------------------------------------------------------- grammar


def found(text):
    return [(m.group("v"), metric) for m, metric in _matches(text)]


def test_top_k_and_the_words_between_stay_in_the_metric():
    assert found("Our net has a single-model top-5 validation error of 4.49%.") == [("4.49", "top-5 error")]
    assert found("we achieved top-1 and top-5 error rates of 37.5% and 17.0% on the test data") == [
        ("37.5", "top-1 error"),
        ("17.0", "top-5 error"),
    ]
    assert found("top-1 and top-5 test set accuracies of 62.5% and 83.0%") == [
        ("62.5", "top-1 accuracy"),
        ("83.0", "top-5 accuracy"),
    ]


def test_settling_values_and_overall_scores_are_read():
    assert found("The test error rate stabilizes after around ten passes at 0.95%.") == [("0.95", "error")]
    assert found("the test error rate dropped to 0.8% with distortions") == [("0.8", "error")]
    assert found("We achieve an overall score of 72.8 on the benchmark") == [("72.8", "score")]


# ----------------------------------------------------------------------------- real papers


@pytest.fixture(scope="module")
def claims(shared_dir):
    from mlintern.tools.paper.build import build_spec
    from mlintern.tools.paper.document import read_pdf

    cache: dict[str, list[dict]] = {}

    def get(name: str) -> list[dict]:
        if name not in cache:
            pdf = shared_dir / "papers" / f"{name}.pdf"
            cache[name] = build_spec(read_pdf(pdf), paper_id=name, source=str(pdf))["results"]
        return cache[name]

    return get


def main_of(results):
    mains = [r for r in results if r["main"]]
    assert len(mains) == 1, mains
    return mains[0]


def test_other_systems_numbers_are_not_claims(claims):
    # "The best Fast R-CNN model achieves a mAP of 71.8%" (a cited system), "The latter reports ...",
    # "For comparison, a phrase-based SMT system achieves ...", "4.51% vs 4.62%" (the second is theirs)
    assert 71.8 not in [r["value"] for r in claims("yolo")]
    assert 4.94 not in [r["value"] for r in claims("batchnorm")]
    assert 33.3 not in [r["value"] for r in claims("seq2seq")]
    assert 26.2 not in [r["value"] for r in claims("alexnet")]
    assert 4.62 not in [r["value"] for r in claims("densenet")]


def test_top5_and_split_are_kept(claims):
    row = next(r for r in claims("resnet") if r["value"] == 4.49)
    assert row["metric"] == "top-5 error" and row["split"] == "val"
    main = main_of(claims("batchnorm"))
    assert (main["metric"], main["value"], main["split"]) == ("top-5 error", 4.9, "val")


def test_main_claim_is_the_papers_model_not_a_baseline(claims):
    lenet = main_of(claims("lenet"))
    assert lenet["value"] < 1.0 and lenet["split"] == "test"  # not the linear classifier's 12%
    assert 12.0 not in [r["value"] for r in claims("lenet")]
    yolo = main_of(claims("yolo"))
    # "YOLO pushes mAP to 63.4% while ...": the sentence names no dataset, so none is attached (unstated)
    assert yolo["metric"] == "mAP" and yolo["dataset"] is None
    alexnet = main_of(claims("alexnet"))
    assert (alexnet["metric"], alexnet["value"], alexnet["split"]) == ("top-1 error", 37.5, "test")


def test_each_row_carries_its_own_dataset(claims):
    by_value = {r["value"]: r for r in claims("gpt1")}
    assert by_value[18.4]["dataset"] == "BooksCorpus"  # "perplexity of 18.4 on this corpus"
    assert by_value[91.3]["dataset"] == "SST-2"  # "91.3% accuracy on SST-2"
    assert by_value[72.8]["dataset"] == "GLUE" and by_value[72.8]["main"]
    assert main_of(claims("densenet"))["dataset"] == "CIFAR-10"  # "3.46% on C10+"


def test_a_dataset_is_attached_only_where_the_claim_names_it(claims):
    """A wrong dataset is worse than none: it makes a claim look comparable with a run on that data."""
    gpipe = {r["value"]: r["dataset"] for r in claims("gpipe")}
    # "CIFAR-10 error rate is reduced to 1% and CIFAR-100 error rate to 8.7%": each value its own name
    assert (gpipe[1.0], gpipe[8.7]) == ("CIFAR-10", "CIFAR-100")
    assert gpipe[97.0] is None  # "84.4% top-1 and 97% top-5 validation accuracy": no dataset named
    # the paper's main dataset is not attached to numbers that do not name it: Places365 errors in an
    # ImageNet paper, translation BLEU in a speech paper, a model's name is no dataset
    assert all(r["dataset"] is None for r in claims("senet"))
    whisper = claims("whisper")
    assert all(r["dataset"] in (None, "LibriSpeech") for r in whisper)
    assert next(r for r in whisper if r["value"] == 29.1)["dataset"] is None
    assert next(r for r in whisper if r["value"] == 80.3)["dataset"] is None  # "the best Whisper model"
    assert not any(r["dataset"] == "GLUE" for r in claims("lora"))  # WikiSQL / MNLI rows, not GLUE
    # pre-training data is not the evaluation data; the longer, known name wins
    mae = next(r for r in claims("mae") if r["value"] == 87.8)
    assert mae["dataset"] == "ImageNet-1K"
    assert {r["value"]: r["dataset"] for r in claims("transformer")}[41.0] == "WMT 2014"


def test_results_tables_give_the_papers_own_rows(claims):
    mnv2 = claims("mobilenetv2")
    main = main_of(mnv2)
    assert (main["metric"], main["value"], main["dataset"]) == ("top-1 accuracy", 72.0, "ImageNet")
    assert main["table"]
    assert "MobileNetV2" in main["quote"] and "72.0" in main["quote"]
    assert not {70.6, 71.5, 73.7, 74.0} & {r["value"] for r in mnv2}  # MobileNetV1, ShuffleNet, NasNet rows
    llama = claims("llama")
    assert llama and all(r["table"] for r in llama)
    assert not {43.5, 55.4, 57.0, 64.1} & {r["value"] for r in llama}  # Gopher's and Chinchilla's rows
    trivia = [r for r in llama if r["dataset"] == "TriviaQA"]
    assert trivia and all(r["split"] == "val" and r["setting"].endswith("-shot") for r in trivia)
    assert {r["value"] for r in trivia} == {68.2, 71.6, 72.6, 73.0}  # the largest model's row, not Gopher's


def test_found_on_the_newer_papers_general_rules(claims):
    # the value's own clause names its dataset: "87.7% accuracy on MNLI and 82.1% F1 on SQuAD v2.0"
    assert next(r for r in claims("gmlp") if r["value"] == 87.7)["dataset"] == "MNLI"
    # a range of model sizes in the abstract: the headline is its top end, not the smallest model
    assert main_of(claims("convnextv2"))["value"] == 88.9
    # the name the paper gives its title's model ("Retentive Network (RetNet)") labels its table rows
    main = main_of(claims("retnet"))
    assert main["metric"] == "perplexity" and main["table"] and main["quote"].startswith("RetNet")


def test_a_results_table_stored_as_one_run_of_text_gives_the_papers_row(claims):
    # "Model MNIST TFD DBN [3] 138 ± 2 1909 ± 66 ... Adversarial nets 225 ± 2 2057 ± 26" under a
    # log-likelihood caption: the paper's row (the title's noun phrase), one value per dataset column
    gan = claims("gan")
    main = main_of(gan)
    assert (main["metric"], main["value"], main["dataset"]) == ("log-likelihood", 225.0, "MNIST")
    assert {r["value"] for r in gan} == {225.0, 2057.0}  # not the DBN / CAE / GSN baselines' rows


def test_a_cost_in_accuracy_is_a_margin_not_a_result():
    from mlintern.tools.paper.results import _MARGIN_BEFORE

    sentence = "The variant gains further speedup, albeit at the cost of sacrificing test accuracy of 1.54%."
    (m, _), *_ = _matches(sentence)
    assert _MARGIN_BEFORE.search(sentence[: m.start()])
    level = "Our model reaches a test accuracy of 91.5%."
    (m, _), *_ = _matches(level)
    assert not _MARGIN_BEFORE.search(level[: m.start()])
