"""The decision rules on top of the linkage scores, and reading a proposals file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bansos.core.nik import build_nik
from bansos.registry.reader import FileProblem
from bansos.targeting.linkage import NAME_DIFFERENT, NAME_SAME, NIK_EXACT, Scored
from bansos.targeting.matching import (
    ACCEPT,
    MARGIN,
    REVIEW,
    Proposal,
    Resolution,
    _mark_duplicates,
    decide,
    read_proposals,
)
from tests.registry.factories import write_csv

NAME_CLOSE = NAME_SAME - 4
NAME_WEAK = 1  # e.g. one word in common: the model weighs it against a match
#: Name-level weights as a trained model has them: evidence for a match down to NAME_WEAK.
WEIGHTS = {g: (-1.5 if g <= NAME_WEAK else 4.0 + g) for g in range(NAME_SAME + 1)}
DOB_SAME = 4
HEADER = ["row_id", "nik", "full_name", "birth_date", "sex", "region_code", "kk_number", "source"]


def proposal(row_id: str = "1", *, nik_invalid: bool = False) -> Proposal:
    return Proposal(2, row_id, None, nik_invalid, "Siti Aminah", date(1980, 5, 17), "F",
                    "340301", None)  # fmt: skip


def scored(
    right: int, weight: float, p: float, *, name: int = NAME_SAME, nik: int = NIK_EXACT
) -> Scored:
    return Scored(0, right, weight, p, name, nik, DOB_SAME)


def test_a_clear_best_candidate_with_the_same_nik_and_name_is_exact() -> None:
    r = decide(proposal(), [scored(7, 30.0, 1.0)], set(), WEIGHTS)
    assert (r.status, r.person_id) == ("exact", 7)
    assert "nama=sama" in r.reason and "nik=sama" in r.reason


def test_an_accepted_match_on_other_evidence_is_fuzzy() -> None:
    r = decide(proposal(), [scored(7, 20.0, 0.9999, name=NAME_CLOSE, nik=-1)], set(), WEIGHTS)
    assert (r.status, r.person_id) == ("fuzzy", 7)
    assert "nik=kosong" in r.reason


def test_a_dead_person_is_identified_but_marked_deceased() -> None:
    r = decide(proposal(), [scored(7, 30.0, 1.0)], {7}, WEIGHTS)
    assert (r.status, r.person_id) == ("deceased", 7)


def test_two_close_candidates_go_to_review_with_both() -> None:
    """Twins, or namesakes born the same day in one village: never guessed."""
    cands = [scored(7, 25.0, 1.0), scored(8, 25.0 - MARGIN / 2, 1.0, name=NAME_CLOSE)]
    r = decide(proposal(), cands, set(), WEIGHTS)
    assert r.status == "ambiguous" and r.person_id is None
    assert [c[0] for c in r.candidates] == [7, 8]
    assert r.reason.startswith("kandidat_berdekatan")


def test_a_candidate_clearly_ahead_is_accepted_despite_a_runner_up() -> None:
    cands = [scored(7, 25.0, 1.0), scored(8, 25.0 - MARGIN - 0.1, 1.0, name=NAME_CLOSE)]
    assert decide(proposal(), cands, set(), WEIGHTS).person_id == 7


def test_too_little_evidence_goes_to_review() -> None:
    r = decide(proposal(), [scored(7, 3.0, (ACCEPT + REVIEW) / 2, nik=-1)], set(), WEIGHTS)
    assert r.status == "ambiguous" and r.reason.startswith("bukti_kurang")


def test_nothing_plausible_is_not_found() -> None:
    r = decide(proposal(), [scored(7, -3.0, REVIEW / 2, nik=-1)], set(), WEIGHTS)
    assert (r.status, r.person_id) == ("not_found", None)
    assert decide(proposal(), [], set(), WEIGHTS).status == "not_found"


def test_a_malformed_nik_without_a_match_is_invalid_nik() -> None:
    assert decide(proposal(nik_invalid=True), [], set(), WEIGHTS).status == "invalid_nik"


def test_a_malformed_nik_still_matches_on_the_rest() -> None:
    r = decide(proposal(nik_invalid=True), [scored(7, 20.0, 0.9999, nik=-1)], set(), WEIGHTS)
    assert (r.status, r.person_id) == ("fuzzy", 7)


def test_a_real_nik_with_a_clearly_different_name_is_never_accepted() -> None:
    """A stranger using a relative's or a dead person's identity: the NIK, birth date, sex and
    region all agree, and the probability is as high as it gets."""
    r = decide(proposal(), [scored(7, 40.0, 1.0, name=NAME_DIFFERENT)], set(), WEIGHTS)
    assert r.status == "ambiguous" and r.person_id is None
    assert r.reason.startswith("nik_milik_orang_lain")
    assert r.candidates == [(7, 1.0)]


def test_a_similar_name_the_model_does_not_count_as_agreement_is_not_accepted() -> None:
    """ "Muhammad Pandu" for a dead "Muhammad Yusuf" with his NIK and birth date: one word in
    common is not the same name."""
    r = decide(proposal(), [scored(7, 30.0, 1.0, name=NAME_WEAK)], set(), WEIGHTS)
    assert r.person_id is None and r.reason.startswith("nik_milik_orang_lain")


def test_a_borrowed_nik_resolves_to_the_person_whose_name_it_is() -> None:
    """The NIK of a dead husband with the widow's name and birth date: the widow is the row."""
    cands = [scored(7, 40.0, 1.0, name=NAME_DIFFERENT), scored(9, 28.0, 1.0, nik=0)]
    r = decide(proposal(), cands, set(), WEIGHTS)
    assert (r.status, r.person_id) == ("fuzzy", 9)
    assert "nik_milik_orang_lain" in r.reason


def test_a_person_proposed_twice_names_the_first_row() -> None:
    rs = [Resolution("a", "exact", 7), Resolution("b", "fuzzy", 7), Resolution("c", "exact", 8)]
    _mark_duplicates(rs)
    assert "duplikat" not in rs[0].reason and rs[1].reason.endswith("duplikat_dari=a")
    assert "duplikat" not in rs[2].reason


# -- reading proposals --------------------------------------------------------------------


def test_missing_columns_fail_the_whole_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [{"row_id": "1"}], ["row_id", "full_name"])
    with pytest.raises(FileProblem) as exc:
        read_proposals(path)
    assert exc.value.code == "file.missing_columns"
    assert "nik" in str(exc.value.params["columns"])


def test_bad_rows_are_rejected_or_warned_with_reasons(tmp_path: Path) -> None:
    good = build_nik("340301", date(1980, 5, 17), "F", 1)
    rows = [
        {"row_id": "1", "nik": good, "full_name": "Siti", "birth_date": "1980-05-17",
         "sex": "P", "region_code": "34.03.01"},
        {"row_id": "2", "nik": good, "full_name": "  ", "birth_date": "1980-05-17"},
        {"row_id": "3", "nik": "34O3015705800001", "full_name": "Budi", "birth_date": "31-02-1980",
         "sex": "X", "region_code": "999999", "kk_number": "12"},
        {"row_id": "1", "full_name": "Again"},
        {"row_id": "", "full_name": "No id"},
        {"row_id": "6", "full_name": "=HYPERLINK(\"x\")"},
    ]  # fmt: skip
    file = read_proposals(write_csv(tmp_path / "p.csv", rows, HEADER), today=date(2026, 11, 28))
    assert [r.row_id for r in file.rows] == ["1", "3"]
    first, third = file.rows
    assert (first.nik, first.sex, first.region, first.nik_invalid) == (good, "F", "340301", False)
    assert third.nik is None and third.nik_invalid
    assert (third.birth_date, third.sex, third.region, third.kk) == (None, "", "", None)
    assert file.rejected == [(3, "2"), (5, "1"), (6, ""), (7, "6")]
    codes = {(p.row, p.column): p.code for p in file.problems}
    assert codes[(3, "full_name")] == "value.required"
    assert codes[(4, "nik")].startswith("nik.")
    assert codes[(4, "birth_date")] == "value.date_impossible"
    assert codes[(4, "sex")] == "value.sex"
    assert codes[(4, "region_code")] == "value.region_unknown"
    assert codes[(4, "kk_number")].startswith("kk.")
    assert codes[(5, "row_id")] == "proposal.row_id_repeated"
    assert codes[(6, "row_id")] == "value.required"
    assert codes[(7, "full_name")] == "value.formula"


def test_a_file_with_only_a_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileProblem) as exc:
        read_proposals(write_csv(tmp_path / "p.csv", [], HEADER))
    assert exc.value.code in ("file.no_rows", "file.empty")


def test_the_model_translates_to_spark_sql() -> None:
    """National runs use Splink's Spark backend with the same settings: every level and
    blocking rule must be expressible there (Splink registers jaro_winkler and
    damerau_levenshtein as Spark UDFs from its bundled jar)."""
    from bansos.targeting.linkage import settings

    spark = settings().get_settings("spark")
    sql = [level.sql_condition for c in spark.comparisons for level in c.comparison_levels]
    assert any(s.startswith("jaro_winkler(`name_l`") for s in sql)
    assert any("SUBSTRING(`nik_l`, 13, 4)" in s for s in sql)
    assert not any("list_" in s or "array_length" in s for s in sql)  # DuckDB-only functions
    rules = [b.blocking_rule_sql for b in spark._blocking_rules_to_generate_predictions]
    assert "l.`nik` = r.`nik`" in rules and len(rules) == 8


def test_exact_agreement_u_is_the_share_of_agreeing_pairs() -> None:
    """Two proposals and four registry people, one NIK shared once and one twice: 3 of the
    2 x 3 non-null pairs agree (the null NIK takes no part)."""
    import duckdb

    from bansos.targeting.linkage import exact_agreement_u, features, table

    born = date(1980, 5, 17)
    left = table([features(1, "A", "Siti", born, "F", "340301", ""),
                  features(2, "B", "Budi", born, "M", "340301", "")])  # fmt: skip
    right = table([features(10, "A", "Siti", born, "F", "340301", ""),
                   features(11, "B", "Budi", born, "M", "340301", ""),
                   features(12, "B", "Budi", born, "M", "340301", ""),
                   features(13, "", "Joko", born, "M", "340301", "")])  # fmt: skip
    con = duckdb.connect()
    assert exact_agreement_u(con, left, right, "nik") == 3 / 6
    assert exact_agreement_u(con, left, right, "kk") == 1e-12  # nothing to agree on


def test_a_level_is_recovered_from_its_weight() -> None:
    from bansos.targeting.linkage import UNKNOWN_LEVEL, _level_of_weight

    level = _level_of_weight({2: 16.5, 1: 8.25, 0: -6.0, 3: 0.0})
    assert [level(16.5), level(8.25), level(-6.0)] == [2, 1, 0]
    assert level(0.0) == UNKNOWN_LEVEL and level(None) == UNKNOWN_LEVEL  # null or untrained
    assert level(3.0) == UNKNOWN_LEVEL
    tied = _level_of_weight({1: 4.0, 0: 4.0})
    assert tied(4.0) == UNKNOWN_LEVEL
