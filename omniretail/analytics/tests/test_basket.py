"""Basket analysis: FP-growth rules counted with single-item consequents, on planted pairs, on
the extract, and through the CLI with malformed files refused by line number."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from omniretail.analytics import basket, extract
from omniretail.core.errors import ValidationFailed


def _planted() -> list[list[str]]:
    # 100 baskets: gift box + gift bag together 20 times, beer + snacks 30 times, noise
    out = [["giftbox", "giftbag"]] * 20 + [["beer", "snacks"]] * 30
    out += [["beer"]] * 10 + [["water"]] * 20 + [["snacks", "water"]] * 10 + [["giftbox"]] * 10
    return out


def test_planted_pairs_come_out_with_high_lift_when_mined():
    result = basket.mine(_planted(), min_support=0.1, min_confidence=0.5)

    rules = {(r.antecedent, r.consequent): r for r in result.rules}
    assert result.transactions == 100
    assert rules[(("giftbag",), "giftbox")].confidence == 1.0
    assert rules[(("giftbag",), "giftbox")].lift == pytest.approx(1 / 0.3)
    assert rules[(("beer",), "snacks")].support == pytest.approx(0.3)
    assert all(len(r.consequent.split(",")) == 1 for r in result.rules)


def test_rules_have_one_item_consequents_and_each_counts_once():
    baskets = [["a", "b", "c"]] * 10

    result = basket.mine(baskets, min_support=0.5, min_confidence=0.5)

    # itemsets {a,b},{a,c},{b,c} give 6 rules; {a,b,c} gives 3 with one-item consequents
    assert len(result.rules) == 9


@pytest.mark.parametrize("support, confidence", [(0, 0.5), (0.5, 1.5), (-1, 0.1)])
def test_thresholds_outside_0_to_1_are_refused(support, confidence):
    with pytest.raises(ValidationFailed):
        basket.mine([["a"]], support, confidence)


def test_cli_prints_rule_count_and_rules_as_json(tmp_path, capsys):
    path = tmp_path / "tx.txt"
    path.write_text("\n".join(",".join(b) for b in _planted()) + "\n", encoding="utf-8")

    call_command(
        "analytics",
        "basket",
        "--transactions",
        str(path),
        "--min-support",
        "0.1",
        "--min-confidence",
        "0.5",
        "--json",
    )

    out = json.loads(capsys.readouterr().out)
    assert out["rule_count"] == len(out["rules"]) > 0
    assert {"antecedent": ["giftbag"], "consequent": "giftbox"}.items() <= out["rules"][
        0
    ].items() or any(
        r["antecedent"] == ["giftbag"] and r["consequent"] == "giftbox" for r in out["rules"]
    )


@pytest.mark.parametrize(
    "content, line",
    [("a,b\n\nc\n", 2), ("a,b\nc,,d\n", 2), (b"a\n\xff\xfe\n", 2)],
)
def test_cli_refuses_malformed_files_with_the_line_number(tmp_path, content, line):
    path = tmp_path / "bad.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=f"line {line}"):
        call_command(
            "analytics",
            "basket",
            "--transactions",
            str(path),
            "--min-support",
            "0.1",
            "--min-confidence",
            "0.5",
        )


def test_cli_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "analytics",
            "basket",
            "--transactions",
            str(tmp_path / "none.txt"),
            "--min-support",
            "0.1",
            "--min-confidence",
            "0.5",
        )


@pytest.mark.django_db
def test_store_baskets_come_from_the_extracted_orders(org, make_sku, sell, analytics_dir):
    beer = make_sku("BEER", price="6.50", stock={"S1": 50})
    nuts = make_sku("NUTS", price="12.00", stock={"S1": 50})
    for _ in range(3):
        sell((beer, 1), (nuts, 1))
    sell((beer, 1))
    extract.run_extract()
    from omniretail.core import clock

    baskets = basket.store_baskets(
        frozenset({org["stores"]["S1"].pk}), clock.today(), clock.today()
    )
    result = basket.mine(baskets, 0.5, 0.5)

    assert len(baskets) == 4
    assert (str(nuts.pk),) in {r.antecedent for r in result.rules}


def _brute_force(baskets, min_support, min_confidence, max_len=4):
    from itertools import combinations

    n = len(baskets)
    sets = [frozenset(b) for b in baskets]
    items = sorted(set().union(*sets))

    def support(itemset):
        return sum(1 for s in sets if itemset <= s) / n

    rules = set()
    for size in range(2, max_len + 1):
        for combo in combinations(items, size):
            full = frozenset(combo)
            sup = support(full)
            if sup < min_support:
                continue
            for consequent in combo:
                antecedent = full - {consequent}
                if sup / support(antecedent) >= min_confidence:
                    rules.add((tuple(sorted(antecedent)), consequent))
    return rules


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    baskets=st.lists(
        st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4), min_size=1, max_size=25
    ),
    # thresholds no ratio of counts ≤ 25 can equal, so float rounding cannot decide a rule
    min_support=st.sampled_from([0.11, 0.21, 0.31]),
    min_confidence=st.sampled_from([0.33, 0.61, 0.89]),
)
def test_rule_count_equals_brute_force_single_consequent_rules(
    baskets, min_support, min_confidence
):
    result = basket.mine(baskets, min_support, min_confidence)

    got = {(r.antecedent, r.consequent) for r in result.rules}
    assert got == _brute_force(baskets, min_support, min_confidence)
    assert len(result.rules) == len(got)
