"""The matcher end to end: Splink trained on a synthetic population with known truth, the hard
cases planted in it, and match runs kept in the database with their review queue (both
engines)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bansos.auth.service import Actor
from bansos.core.crypto import FieldCipher
from bansos.core.nik import build_kk, build_nik
from bansos.programs import service as programs
from bansos.programs.definition import read_file
from bansos.registry import service as registry
from bansos.registry.service import MatchRecord
from bansos.registry.synth import generate
from bansos.targeting import matches, matching
from bansos.targeting import service as targeting
from bansos.targeting.matches import MatchProblem
from bansos.targeting.models import Candidate, MatchResult
from bansos.transparency.models import AuditEvent
from tests.registry.factories import person, write_csv

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEADER = ["row_id", "nik", "full_name", "birth_date", "sex", "region_code", "kk_number", "source"]
TODAY = date(2026, 11, 28)
R = "320924"  # the first district of the population below (Sundanese names)
KK_TWINS = build_kk(R, date(2019, 3, 4), 8801)
KK_WIDOW = build_kk(R, date(2018, 6, 7), 8802)


@dataclass
class Planted:
    """People added to the synthetic registry for the hard cases, by name."""

    ids: dict[str, int]
    niks: dict[str, str]


def _planted(next_id: int) -> tuple[list[MatchRecord], Planted]:
    born_twins, born_husband, born_widow = date(1994, 8, 21), date(1950, 2, 3), date(1956, 9, 28)
    people = [
        ("rina", "Rina Wulandari", born_twins, "F", KK_TWINS, False, 4501),
        ("rini", "Rini Wulandari", born_twins, "F", KK_TWINS, False, 4502),
        ("sukiman", "Sukiman", born_husband, "M", KK_WIDOW, True, 4503),
        ("painem", "Painem", born_widow, "F", KK_WIDOW, False, 4504),
        ("tua", "Tua Simanjuntak", date(1970, 1, 30), "M", KK_WIDOW.replace("8802", "8803"),
         False, 4505),
        ("joko", "Muhammad Joko Santoso", date(1975, 4, 9), "M", KK_WIDOW.replace("8802", "8804"),
         False, 4506),
    ]  # fmt: skip
    records, ids, niks = [], {}, {}
    for i, (key, name, born, sex, kk, dead, serial) in enumerate(people):
        nik = build_nik(R, born, sex, serial)
        records.append(MatchRecord(next_id + i, nik, kk, name, born, sex, R, 10**6 + i, dead))
        ids[key], niks[key] = next_id + i, nik
    return records, Planted(ids, niks)


def _hard_rows(p: Planted) -> list[dict[str, str]]:
    """Each row: what a list says, and (in ``expect``) who it really is."""
    n = p.niks
    return [
        # a twin proposed without a NIK: the other twin (same day, same KK) must not be taken
        {"row_id": "h-twin", "full_name": "RINA WULANDARI", "birth_date": "1994-08-21",
         "sex": "P", "region_code": R, "kk_number": KK_TWINS},
        # the dead husband's NIK with the widow's name and birth date: the widow is the row
        {"row_id": "h-widow", "nik": n["sukiman"], "full_name": "Painem",
         "birth_date": "1956-09-28", "sex": "P", "region_code": R, "kk_number": KK_WIDOW},
        # a stranger with a dead man's NIK, birth date, sex and region
        {"row_id": "h-stranger", "nik": n["sukiman"], "full_name": "Bambang Hermawan",
         "birth_date": "1950-02-03", "sex": "L", "region_code": R},
        # name order, NIK right
        {"row_id": "h-order", "nik": n["tua"], "full_name": "Simanjuntak Tua",
         "birth_date": "1970-01-30", "sex": "L", "region_code": R},
        # old spelling and titles, day and month swapped, no NIK
        {"row_id": "h-spelling", "full_name": "H. Moch. Djoko Santoso",
         "birth_date": "1975-09-04", "sex": "L", "region_code": R},
        # the dead husband himself, correctly written
        {"row_id": "h-dead", "nik": n["sukiman"], "full_name": "SUKIMAN",
         "birth_date": "1950-02-03", "sex": "L", "region_code": R},
    ]  # fmt: skip


def _civil_records(path: Path) -> list[MatchRecord]:
    out = []
    hids: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=1):
            hid = hids.setdefault(row["kk_number"], len(hids) + 1)
            out.append(MatchRecord(i, row["nik"], row["kk_number"], row["full_name"],
                                   date.fromisoformat(row["birth_date"]), row["sex"],
                                   row["region_code"], hid, bool(row["death_date"])))  # fmt: skip
    return out


@dataclass
class Run:
    file: matching.ProposalFile
    outcome: matching.Outcome
    truth: dict[str, str]
    planted: Planted
    by_row: dict[str, matching.Resolution]
    niks: dict[int, str]
    registry: list[MatchRecord]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("match")
    generate(tmp, households=2400, seed=11, districts=(R, "340301", "121309"), today=TODAY)
    civil = _civil_records(tmp / "civil.csv")
    extra, planted = _planted(len(civil) + 1)
    with (tmp / "proposals.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows += _hard_rows(planted)
    file = matching.read_proposals(write_csv(tmp / "all.csv", rows, HEADER), today=TODAY)
    outcome = matching.match(file.rows, [civil, extra])
    with (tmp / "truth.csv").open(encoding="utf-8") as fh:
        truth = {r["row_id"]: r["true_nik"] for r in csv.DictReader(fh)}
    by_row = {r.row_id: r for r in outcome.resolutions}
    return Run(file, outcome, truth, planted, by_row, outcome.niks, civil + extra)


def test_the_model_is_trained_from_the_data_and_kept(run: Run) -> None:
    model = run.outcome.model
    assert model["link_type"] == "link_only"
    names = [c["output_column_name"] for c in model["comparisons"]]
    assert names == ["name", "dob", "sex", "region", "kk", "nik"]
    exact_name = model["comparisons"][0]["comparison_levels"][1]
    assert exact_name["m_probability"] > 0.5 > exact_name["u_probability"]
    assert 0 < model["probability_two_random_records_match"] < 0.01


def test_synthetic_rows_resolve_with_high_precision_and_recall(run: Run) -> None:
    tp = fp = fn = 0
    for row_id, true_nik in run.truth.items():
        r = run.by_row[row_id]
        got = run.niks.get(r.person_id, "") if r.person_id is not None else ""
        if got:
            tp += got == true_nik
            fp += got != true_nik
        if true_nik and got != true_nik:
            fn += 1
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.99, (precision, fp)
    assert recall >= 0.95, (recall, fn)
    review = sum(r.status == "ambiguous" for r in run.outcome.resolutions)
    assert review / len(run.outcome.resolutions) < 0.05


def test_every_status_has_its_meaning(run: Run) -> None:
    for row_id, r in run.by_row.items():
        assert r.status in ("exact", "fuzzy", "ambiguous", "not_found", "deceased", "invalid_nik")
        assert (r.person_id is not None) == (r.status in ("exact", "fuzzy", "deceased")), row_id
        if r.status == "exact":
            assert "nama=sama" in r.reason and "nik=sama" in r.reason


def test_a_twin_is_never_taken_for_the_other(run: Run) -> None:
    r = run.by_row["h-twin"]
    assert r.person_id != run.planted.ids["rini"]
    assert r.person_id == run.planted.ids["rina"] or r.status == "ambiguous"


def test_a_borrowed_nik_of_the_dead_is_not_accepted(run: Run) -> None:
    widow = run.by_row["h-widow"]
    assert widow.person_id != run.planted.ids["sukiman"]
    assert widow.person_id == run.planted.ids["painem"] or widow.status == "ambiguous"
    stranger = run.by_row["h-stranger"]
    assert stranger.person_id is None
    assert stranger.status in ("ambiguous", "not_found")
    assert "nik_milik_orang_lain" in stranger.reason


def test_name_order_old_spelling_titles_and_swapped_dates_still_match(run: Run) -> None:
    assert run.by_row["h-order"].person_id == run.planted.ids["tua"]
    spelling = run.by_row["h-spelling"]
    assert (spelling.status, spelling.person_id) == ("fuzzy", run.planted.ids["joko"])
    assert "lahir=tukar_hari_bulan" in spelling.reason


def test_a_dead_person_proposed_is_reported_deceased(run: Run) -> None:
    dead = run.by_row["h-dead"]
    assert (dead.status, dead.person_id) == ("deceased", run.planted.ids["sukiman"])


def test_a_saved_model_gives_the_same_answers(run: Run) -> None:
    again = matching.match(run.file.rows, [run.registry], model=run.outcome.model)
    assert [(r.person_id, r.status) for r in again.resolutions] == [
        (r.person_id, r.status) for r in run.outcome.resolutions
    ]


# -- match runs in the database (both engines) -----------------------------------------------

OPERATOR = Actor("siti", "operator")
OFFICER = Actor("asep", "field_officer")
APPROVER = Actor("budi", "approver")
D = "340301"


@pytest.fixture
def small_registry(tmp_path: Path, factory: sessionmaker[Session], cipher: FieldCipher) -> None:
    """Sri and her husband; twins Dewi and Dewa with their mother; a widow whose husband has
    died; two namesakes born the same day; and a family in another district."""
    civil = [
        person(1, kk_serial=1, name="Sri Wahyuni", sex="F", born=date(1982, 3, 14)),
        person(2, kk_serial=1, name="Slamet Riyadi", born=date(1979, 7, 1),
               relationship="spouse"),
        person(3, kk_serial=2, name="Dewi Lestari", sex="F", born=date(2001, 6, 5),
               relationship="child"),
        person(4, kk_serial=2, name="Dewa Lestari", born=date(2001, 6, 5), relationship="child"),
        person(5, kk_serial=2, name="Sumarni", sex="F", born=date(1970, 1, 20)),
        person(6, kk_serial=3, name="Karto Wiryo", born=date(1948, 12, 2), death="2025-02-01"),
        person(7, kk_serial=3, name="Tukinem", sex="F", born=date(1952, 10, 10),
               relationship="spouse"),
        person(8, kk_serial=4, name="Ujang Suparman", region="320405", nik_region="320405"),
        person(9, kk_serial=5, name="Siti Rahayu", sex="F", born=date(1985, 4, 4)),
        person(10, kk_serial=6, name="Siti Rahayu", sex="F", born=date(1985, 4, 4)),
    ]  # fmt: skip
    opts = registry.ImportOptions("t", tmp_path / "r.csv", tmp_path / "w.csv", today=TODAY)
    registry.import_civil(factory, write_csv(tmp_path / "civil.csv", civil), cipher, opts)
    social = [{"kk_number": r["kk_number"], "welfare_decile": "2"} for r in civil]
    path = write_csv(tmp_path / "social.csv", social, ["kk_number", "welfare_decile"])
    registry.import_social(factory, path, cipher, opts)


def _nik(serial: int) -> str:
    rows = {1: (date(1982, 3, 14), "F"), 2: (date(1979, 7, 1), "M"), 6: (date(1948, 12, 2), "M"),
            8: (date(1980, 5, 17), "M")}  # fmt: skip
    born, sex = rows[serial]
    return build_nik("320405" if serial == 8 else D, born, sex, serial)


def _proposals(tmp_path: Path) -> Path:
    rows = [
        {"row_id": "1", "nik": _nik(1), "full_name": "SRI WAHYUNI", "birth_date": "1982-03-14",
         "sex": "P", "region_code": D},
        {"row_id": "2", "nik": _nik(2), "full_name": "Slamet Riyadi", "birth_date": "1979-07-01",
         "sex": "L", "region_code": D},
        {"row_id": "3", "full_name": "Dewi Lestari", "birth_date": "2001-06-05", "sex": "P",
         "region_code": D},
        {"row_id": "4", "nik": _nik(6), "full_name": "Karto Wiryo", "birth_date": "1948-12-02",
         "sex": "L", "region_code": D},
        {"row_id": "5", "nik": _nik(6), "full_name": "Tukinem", "birth_date": "1948-12-02",
         "sex": "P", "region_code": D},
        {"row_id": "6", "nik": _nik(8), "full_name": "Ujang Suparman", "birth_date": "1980-05-17",
         "sex": "L", "region_code": "320405"},
        {"row_id": "7", "nik": "3403O1", "full_name": "Orang Tidak Ada", "birth_date": "1990-01-01",
         "sex": "L", "region_code": D},
        {"row_id": "8", "full_name": " ", "region_code": D},
        {"row_id": "9", "full_name": "Siti Rahayu", "birth_date": "1985-04-04", "sex": "P",
         "region_code": D},
    ]  # fmt: skip
    return write_csv(tmp_path / "usulan.csv", rows, HEADER)


@pytest.fixture
def saved_run(
    run: Run, tmp_path: Path, db: Session, cipher: FieldCipher, small_registry: None
) -> matches.RunReport:
    # The model trained on the synthetic population above: a registry of eight people is too
    # small to train one, which is also how a district would reuse a province's model.
    return matches.run_match(db, cipher, _proposals(tmp_path), OPERATOR,
                             out_path=tmp_path / "resolved.csv",
                             rejects_path=tmp_path / "rejects.csv",
                             model=run.outcome.model)  # fmt: skip


def _results(db: Session, run_id: int) -> dict[str, MatchResult]:
    rows = db.scalars(select(MatchResult).where(MatchResult.run_id == run_id))
    return {r.row_id: r for r in rows}


def test_a_run_is_kept_with_its_model_results_and_files(
    saved_run: matches.RunReport, db: Session, tmp_path: Path
) -> None:
    run = saved_run.run
    assert run.rows == 9 and json.loads(run.model)["link_type"] == "link_only"
    results = _results(db, run.id)
    assert {k: v.status for k, v in results.items()} == {
        "1": "exact", "2": "exact", "3": results["3"].status, "4": "deceased",
        "5": results["5"].status, "6": "exact", "7": "invalid_nik", "9": "ambiguous",
    }  # fmt: skip
    assert results["9"].review_state == "pending"
    # the dead husband's NIK and birth date with the widow's name: stopped, and said why
    assert results["5"].status in ("ambiguous", "not_found") and results["5"].person_id is None
    assert "nik_milik_orang_lain" in results["5"].reason
    assert results["3"].status in ("fuzzy", "ambiguous")  # a twin without a NIK
    with (tmp_path / "resolved.csv").open(encoding="utf-8") as fh:
        resolved = list(csv.DictReader(fh))
    assert [r["row_id"] for r in resolved] == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    assert resolved[0]["nik"] == _nik(1) and resolved[0]["status"] == "exact"
    assert resolved[4]["nik"] == "" and resolved[7]["status"] == "not_found"
    assert resolved[7]["reason"] == "ditolak_baris_9"
    assert (tmp_path / "resolved.csv").stat().st_mode & 0o077 == 0
    with (tmp_path / "rejects.csv").open(encoding="utf-8") as fh:
        rejects = {(r["row"], r["code"]) for r in csv.DictReader(fh)}
    assert ("9", "value.required") in rejects and ("8", "nik.not_digits") in rejects
    assert "3403O1" not in (tmp_path / "rejects.csv").read_text(encoding="utf-8")  # masked
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "targeting.match_run")).one()
    assert event.details["exact"] == 3 and event.details["rejected"] == 1


def test_the_review_queue_shows_candidates_masked_and_takes_a_decision(
    saved_run: matches.RunReport, db: Session
) -> None:
    run_id = saved_run.run.id
    queue = matches.review_queue(db, run_id)
    namesakes = next(item for item in queue if item.row_id == "9")
    assert namesakes.reason.startswith("kandidat_berdekatan")
    people = [c.person for c in namesakes.candidates]
    assert [p.full_name for p in people if p] == ["Siti Rahayu", "Siti Rahayu"]
    assert all(p is not None and "*" in p.nik_masked for p in people)
    chosen = namesakes.candidates[1].person_id
    with pytest.raises(MatchProblem) as exc:
        matches.review(db, run_id, "9", chosen, "ok", APPROVER)
    assert exc.value.code == "auth.forbidden"
    with pytest.raises(MatchProblem) as exc:
        matches.review(db, run_id, "9", 999_999, "dicek", OFFICER)
    assert exc.value.code == "match.not_a_candidate"
    with pytest.raises(MatchProblem) as exc:
        matches.review(db, run_id, "9", chosen, "  ", OFFICER)
    assert exc.value.code == "targeting.reason_required"
    done = matches.review(db, run_id, "9", chosen, "KK dicek di rumah", OFFICER)
    assert (done.status, done.review_state, done.reviewed_by) == ("fuzzy", "accepted", "asep")
    assert done.person_id == chosen
    assert all(item.row_id != "9" for item in matches.review_queue(db, run_id))
    assert chosen in matches.matched_people(db, run_id)
    with pytest.raises(MatchProblem) as exc:
        matches.review(db, run_id, "9", None, "lagi", OFFICER)
    assert exc.value.code == "match.not_pending"
    with pytest.raises(MatchProblem) as exc:
        matches.review(db, run_id, "nope", None, "x", OFFICER)
    assert exc.value.code == "match.row_not_found"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "targeting.match_reviewed"))
    assert event.one().details["note"] == "KK dicek di rumah"


def test_only_roles_that_may_run_a_match_do(
    db: Session, cipher: FieldCipher, tmp_path: Path
) -> None:
    with pytest.raises(MatchProblem) as exc:
        matches.run_match(db, cipher, tmp_path / "x.csv", OFFICER, out_path=tmp_path / "o.csv",
                          rejects_path=tmp_path / "r.csv")  # fmt: skip
    assert exc.value.code == "auth.forbidden"


def test_a_list_from_a_run_has_one_entry_per_household_and_the_reasons(
    saved_run: matches.RunReport, db: Session
) -> None:
    data: dict[str, Any] = read_file(EXAMPLES / "sembako.toml")
    data["area"] = ["3403"]  # Gunungkidul only: Ujang (Cileunyi) lives outside
    programs.load(db, data, "siti")
    cl = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR, match_run=saved_run.run.id)
    rows = db.scalars(select(Candidate).where(Candidate.list_id == cl.id)).all()
    reasons = sorted(c.reason for c in rows)
    # Sri and Slamet (two rows, one household): one entry; the dead Karto's household:
    # excluded; Ujang: outside the area; the twin's household only if row 3 was accepted.
    expected = ["", "excluded.out_of_area", "excluded.proposed_deceased"]
    if _results(db, saved_run.run.id)["3"].status == "fuzzy":
        expected = ["", "", "excluded.out_of_area", "excluded.proposed_deceased"]
    assert reasons == expected
    assert cl.match_run_id == saved_run.run.id
