"""Social-registry import: deciles and typed attributes per KK, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bansos.core.crypto import FieldCipher
from bansos.registry import service as registry
from bansos.registry.importer import ImportReport
from bansos.registry.models import Household, HouseholdAttributeDef
from bansos.registry.reader import FileProblem
from bansos.registry.social import infer_type
from tests.registry.factories import kk, person, write_csv

TODAY = date(2026, 11, 28)
SOCIAL = ["kk_number", "welfare_decile", "monthly_income", "has_disabled_member", "roof_type"]


def _opts(path: Path) -> registry.ImportOptions:
    return registry.ImportOptions(
        actor="tester",
        rejects_path=path.with_suffix(".rejects.csv"),
        warnings_path=path.with_suffix(".warnings.csv"),
        chunk_rows=2,
        today=TODAY,
    )


def social(factory: sessionmaker[Session], cipher: FieldCipher, path: Path) -> ImportReport:
    return registry.import_social(factory, path, cipher, _opts(path))


@pytest.fixture
def three_families(tmp_path: Path, factory: sessionmaker[Session], cipher: FieldCipher) -> None:
    rows = [person(1, kk_serial=1), person(2, kk_serial=2), person(3, kk_serial=3)]
    path = write_csv(tmp_path / "civil.csv", rows)
    registry.import_civil(factory, path, cipher, _opts(path))


def households(db: Session, cipher: FieldCipher) -> dict[str, Household]:
    return {cipher.decrypt(h.kk_enc, b"kk"): h for h in db.scalars(select(Household))}


def rejects(report: ImportReport) -> set[tuple[str, str, str]]:
    assert report.rejects_path is not None
    with report.rejects_path.open(encoding="utf-8") as fh:
        return {(r["row"], r["column"], r["code"]) for r in csv.DictReader(fh)}


@pytest.mark.usefixtures("three_families")
def test_deciles_and_typed_attributes(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    rows = [
        {"kk_number": kk(1), "welfare_decile": "2", "monthly_income": "850.000",
         "has_disabled_member": "ya", "roof_type": "seng"},
        {"kk_number": kk(2), "welfare_decile": "7", "monthly_income": "4200000",
         "has_disabled_member": "false", "roof_type": ""},
    ]  # fmt: skip
    report = social(factory, cipher, write_csv(tmp_path / "social.csv", rows, SOCIAL))
    assert (report.added, report.updated, report.rejected) == (2, 0, 0)
    found = households(db, cipher)
    assert found[kk(1)].welfare_decile == 2
    assert found[kk(1)].attributes == {
        "monthly_income": 850000, "has_disabled_member": True, "roof_type": "seng"
    }  # fmt: skip
    assert found[kk(2)].attributes["roof_type"] is None  # empty means unknown, not ""
    assert found[kk(3)].welfare_decile is None
    types = {d.name: d.type for d in db.scalars(select(HouseholdAttributeDef))}
    assert types == {"monthly_income": "int", "has_disabled_member": "bool", "roof_type": "text"}
    again = social(factory, cipher, write_csv(tmp_path / "social2.csv", rows, SOCIAL))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    rows[1]["welfare_decile"] = "6"
    changed = social(factory, cipher, write_csv(tmp_path / "social3.csv", rows, SOCIAL))
    assert (changed.updated, changed.unchanged) == (1, 1)


@pytest.mark.usefixtures("three_families")
def test_bad_rows_and_unknown_families_are_rejected(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    rows = [
        {"kk_number": kk(1), "welfare_decile": "11"},
        {"kk_number": kk(2), "welfare_decile": "3", "monthly_income": "banyak"},
        {"kk_number": kk(99), "welfare_decile": "1"},  # not in the civil registry
        {"kk_number": "12345", "welfare_decile": "1"},
        {"kk_number": kk(3), "welfare_decile": "4", "has_disabled_member": "mungkin"},
        {"kk_number": kk(2), "welfare_decile": "5"},
    ]
    report = social(factory, cipher, write_csv(tmp_path / "social.csv", rows, SOCIAL))
    assert rejects(report) == {
        ("2", "welfare_decile", "value.decile"),
        ("3", "monthly_income", "value.not_integer"),
        ("4", "kk_number", "kk.not_in_civil_registry"),
        ("5", "kk_number", "kk.length"),
        ("6", "has_disabled_member", "value.not_boolean"),
    }
    assert report.added == 1
    assert households(db, cipher)[kk(2)].welfare_decile == 5


@pytest.mark.usefixtures("three_families")
def test_new_columns_get_an_inferred_type_that_later_files_must_respect(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    header = ["kk_number", "welfare_decile", "jumlah_ternak", "punya_kip"]
    first = [
        {"kk_number": kk(1), "welfare_decile": "1", "jumlah_ternak": "3", "punya_kip": "tidak"},
        {"kk_number": kk(2), "welfare_decile": "2", "jumlah_ternak": "", "punya_kip": "ya"},
    ]
    social(factory, cipher, write_csv(tmp_path / "a.csv", first, header))
    types = {d.name: d.type for d in db.scalars(select(HouseholdAttributeDef))}
    assert types == {"jumlah_ternak": "int", "punya_kip": "bool"}
    later = [{"kk_number": kk(3), "welfare_decile": "3", "jumlah_ternak": "dua", "punya_kip": "ya"}]
    report = social(factory, cipher, write_csv(tmp_path / "b.csv", later, header))
    assert rejects(report) == {("2", "jumlah_ternak", "value.not_integer")}


def test_missing_decile_column_is_a_file_problem(
    tmp_path: Path, factory: sessionmaker[Session], cipher: FieldCipher
) -> None:
    path = tmp_path / "s.csv"
    path.write_text("kk_number,monthly_income\n3403013101150001,1\n", encoding="utf-8")
    with pytest.raises(FileProblem) as caught:
        social(factory, cipher, path)
    assert caught.value.code == "file.missing_columns"


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["1", "0", ""], "bool"),
        (["12", "3400000", "1.500.000"], "int"),
        (["2020-01-02", "03-04-2021"], "date"),
        (["genteng", "3"], "text"),
        (["1.5"], "text"),  # a decimal, not 15
        (["1.500.000", "12.30"], "text"),
        ([""], "text"),
    ],
)
def test_infer_type(values: list[str], kind: str) -> None:
    assert infer_type(values) == kind
