"""Civil-registry import and sync, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import dataclasses
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bansos.core.crypto import FieldCipher
from bansos.registry import civil
from bansos.registry import service as registry
from bansos.registry.importer import ImportReport
from bansos.registry.models import Household, ImportRun, Person
from bansos.registry.reader import FileProblem
from bansos.transparency.models import AuditEvent
from tests.registry.factories import (
    CIVIL_HEADER,
    DISTRICT,
    OTHER_DISTRICT,
    kk,
    person,
    write_csv,
)

TODAY = date(2026, 11, 28)


def run(
    factory: sessionmaker[Session], cipher: FieldCipher, path: Path, chunk: int = 1000
) -> ImportReport:
    opts = registry.ImportOptions(
        actor="tester",
        rejects_path=path.with_suffix(".rejects.csv"),
        warnings_path=path.with_suffix(".warnings.csv"),
        chunk_rows=chunk,
        today=TODAY,
    )
    return registry.import_civil(factory, path, cipher, opts)


def problems(path: Path | None) -> list[dict[str, str]]:
    assert path is not None
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def family(kk_serial: int, first_serial: int) -> list[dict[str, str]]:
    return [
        person(first_serial, kk_serial=kk_serial),
        person(first_serial + 1, kk_serial=kk_serial, sex="F", relationship="spouse",
               born=date(1983, 2, 3)),
        person(first_serial + 2, kk_serial=kk_serial, relationship="child", born=date(2010, 7, 9)),
    ]  # fmt: skip


def test_import_stores_people_and_households_encrypted(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    rows = family(1, 1) + family(2, 11)
    report = run(factory, cipher, write_csv(tmp_path / "civil.csv", rows))
    assert (report.rows_read, report.added, report.rejected) == (6, 6, 0)
    assert count(db, Person) == 6
    assert count(db, Household) == 2
    head = db.scalars(select(Person).where(Person.full_name == "Warga 1")).one()
    nik = rows[0]["nik"]
    assert nik.encode() not in head.nik_enc
    assert cipher.decrypt(head.nik_enc, b"nik") == nik
    assert head.nik_mask == nik[:4] + "********" + nik[-4:]
    household = db.get_one(Household, head.household_id)
    assert cipher.decrypt(household.kk_enc, b"kk") == kk(1)
    members = db.scalars(select(Person.full_name).where(Person.household_id == household.id))
    assert sorted(members) == ["Warga 1", "Warga 2", "Warga 3"]
    run_row = db.get_one(ImportRun, report.run_id)
    assert (run_row.status, run_row.added, run_row.actor) == ("done", 6, "tester")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "registry.import_civil")).one()
    assert event.details["added"] == 6
    assert nik not in str(event.details)


def test_reimport_unchanged_writes_nothing(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    path = write_csv(tmp_path / "civil.csv", family(1, 1))
    run(factory, cipher, path)
    before = {p.id: p.updated_at for p in db.scalars(select(Person))}
    again = run(factory, cipher, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    db.expire_all()
    assert {p.id: p.updated_at for p in db.scalars(select(Person))} == before


def test_sync_updates_deaths_moves_and_additions(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    first = family(1, 1) + family(2, 11)
    run(factory, cipher, write_csv(tmp_path / "v1.csv", first))
    second = [dict(r) for r in first]
    second[0]["full_name"] = "Warga Satu"  # corrected name
    second[1]["death_date"] = "2026-03-01"  # died
    second[2]["kk_number"] = kk(3)  # the child starts a family of its own
    second[2]["relationship"] = "head"
    second[3]["region_code"] = OTHER_DISTRICT  # head of family 2 moved
    second.append(person(21, kk_serial=2, relationship="child", born=date(2024, 1, 1)))
    report = run(factory, cipher, write_csv(tmp_path / "v2.csv", second))
    assert (report.added, report.updated, report.unchanged) == (1, 4, 2)
    assert report.newly_deceased == 1
    assert count(db, Household) == 3
    child = db.scalars(select(Person).where(Person.full_name == "Warga 3")).one()
    new_household = db.get_one(Household, child.household_id)
    assert cipher.decrypt(new_household.kk_enc, b"kk") == kk(3)
    head2 = db.scalars(select(Person).where(Person.full_name == "Warga 11")).one()
    assert db.get_one(Household, head2.household_id).region_code == OTHER_DISTRICT
    spouse = db.scalars(select(Person).where(Person.full_name == "Warga 2")).one()
    assert spouse.death_date == date(2026, 3, 1)
    assert count(db, Person) == 7


def test_bad_rows_go_to_rejects_and_the_rest_is_imported(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    good = family(1, 1)
    bad_nik = person(31, kk_serial=4) | {"nik": "34030117058O0031"}
    short_nik = person(32, kk_serial=4) | {"nik": "340301170580"}
    impossible = person(33, kk_serial=4) | {"birth_date": "1980-02-30"}
    unknown_region = person(34, kk_serial=4) | {"region_code": "999999"}
    formula = person(35, kk_serial=4) | {"full_name": "=cmd|' /C calc'!A0"}
    huge = person(36, kk_serial=4) | {"address": "x" * 10_000_000}
    future_death = person(37, kk_serial=4) | {"death_date": "2030-01-01"}
    bad_sex = person(38, kk_serial=4) | {"sex": "X"}
    duplicate = dict(good[0])
    rows = [*good, bad_nik, short_nik, impossible, unknown_region, formula, huge,
            future_death, bad_sex, duplicate]  # fmt: skip
    path = write_csv(tmp_path / "civil.csv", rows)
    report = run(factory, cipher, path, chunk=2)  # duplicates are found across chunks too
    assert report.added == 3
    assert report.rejected == 9
    found = {(p["row"], p["column"], p["code"]) for p in problems(report.rejects_path)}
    assert found == {
        ("5", "nik", "nik.not_digits"),
        ("6", "nik", "nik.length"),
        ("7", "birth_date", "value.date_impossible"),
        ("8", "region_code", "value.region_unknown"),
        ("9", "full_name", "value.formula"),
        ("10", "", "row.field_too_large"),
        ("11", "death_date", "value.date_future"),
        ("12", "sex", "value.sex"),
        ("13", "nik", "nik.duplicate_in_file"),
    }
    text = report.rejects_path.read_text(encoding="utf-8") if report.rejects_path else ""
    assert "'=cmd" in text  # escaped: inert in a spreadsheet
    assert good[0]["nik"] not in text  # NIKs are masked in the rejects file
    reasons = problems(report.rejects_path)[0]
    assert (
        reasons["reason_id"]
        and reasons["reason_en"]
        and reasons["reason_id"] != reasons["reason_en"]
    )
    assert count(db, Person) == 3


def test_nik_disagreeing_with_row_is_imported_with_a_flag(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    wrong_date = person(1) | {"birth_date": "1980-05-18"}
    wrong_sex = person(2, kk_serial=2) | {"sex": "F"}
    moved = person(3, kk_serial=3, nik_region=OTHER_DISTRICT)  # NIK issued elsewhere: normal
    report = run(factory, cipher, write_csv(tmp_path / "civil.csv", [wrong_date, wrong_sex, moved]))
    assert (report.added, report.rejected, report.warnings) == (3, 0, 2)
    flags = {n: f for n, f in db.execute(select(Person.full_name, Person.quality_flags))}
    assert flags == {
        "Warga 1": civil.FLAG_NIK_BIRTH_DATE,
        "Warga 2": civil.FLAG_NIK_SEX,
        "Warga 3": "",
    }
    codes = sorted(p["code"] for p in problems(report.warnings_path))
    assert codes == ["quality.nik_birth_date", "quality.nik_sex"]


def test_dukcapil_headers_values_and_semicolons(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    header = ["NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL",
              "KODE_WILAYAH", "ALAMAT", "JENIS_PKRJN", "TGL_KEMATIAN"]  # fmt: skip
    p = person(1)
    s = person(2, sex="F", relationship="spouse", born=date(1983, 2, 3))
    rows = [
        dict(zip(header, [p["nik"], p["kk_number"], "SUPARNO", "GUNUNGKIDUL", "17-05-1980",
                          "LAKI-LAKI", "KEPALA KELUARGA", "34.03.01", "-", "PETANI", ""],
                 strict=True)),
        dict(zip(header, [s["nik"], s["kk_number"], "SUMIATI", "GUNUNGKIDUL", "03/02/1983",
                          "PEREMPUAN", "ISTRI", "340301", "", "", ""], strict=True)),
    ]  # fmt: skip
    path = write_csv(tmp_path / "dukcapil.csv", rows, header, delimiter=";")
    report = run(factory, cipher, path)
    assert (report.added, report.rejected) == (2, 0)
    got = [tuple(r) for r in db.execute(
        select(Person.full_name, Person.sex, Person.relationship, Person.birth_date,
               Person.region_code, Person.address).order_by(Person.full_name))]  # fmt: skip
    assert got == [
        ("SUMIATI", "F", "spouse", date(1983, 2, 3), DISTRICT, ""),
        ("SUPARNO", "M", "head", date(1980, 5, 17), DISTRICT, "-"),
    ]


def test_utf8_bom_and_latin1_files(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    bom = write_csv(tmp_path / "bom.csv", [person(1, name="Ñoman Café")], encoding="utf-8-sig")
    assert run(factory, cipher, bom).added == 1
    latin = write_csv(tmp_path / "latin.csv", [person(2, kk_serial=2, name="José Andrés")],
                      encoding="cp1252")  # fmt: skip
    report = run(factory, cipher, latin)
    assert report.added == 1
    names = set(db.scalars(select(Person.full_name)))
    assert names == {"Ñoman Café", "José Andrés"}
    assert [p["code"] for p in problems(report.warnings_path)] == ["quality.encoding_fallback"]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file.empty"),
        (b"\n\n", "file.empty"),
        (",".join(CIVIL_HEADER).encode() + b"\n", "file.no_rows"),
        (b"nik,kk_number,full_name\n3403011705800001,3403013101150001,A\n", "file.missing_columns"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, "file.binary"),
        ("nik,kk_number\n".encode("utf-16"), "file.encoding_unsupported"),
        (b"nik,nik,kk_number\n", "file.duplicate_column"),
    ],
)
def test_unreadable_files_import_nothing(
    tmp_path: Path,
    factory: sessionmaker[Session],
    db: Session,
    cipher: FieldCipher,
    content: bytes,
    code: str,
) -> None:
    run(factory, cipher, write_csv(tmp_path / "before.csv", family(1, 1)))
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FileProblem) as caught:
        run(factory, cipher, path)
    assert caught.value.code == code
    assert count(db, Person) == 3


def test_missing_columns_are_named(
    tmp_path: Path, factory: sessionmaker[Session], cipher: FieldCipher
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("nik,full_name\n3403011705800001,A\n", encoding="utf-8")
    with pytest.raises(FileProblem) as caught:
        run(factory, cipher, path)
    assert caught.value.params["columns"] == (
        "kk_number, birth_date, sex, relationship, region_code"
    )
    assert "kk_number" in caught.value.messages()["id"]


def test_failed_file_is_recorded_as_a_failed_run(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(FileProblem):
        run(factory, cipher, path)
    failed = db.scalars(select(ImportRun)).one()
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.startswith("file.empty")


def test_parquet_import(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    rows = family(1, 1)
    table = pa.table(
        {
            **{h: [r[h] for r in rows] for h in CIVIL_HEADER if h not in ("birth_date",)},
            "birth_date": [date.fromisoformat(r["birth_date"]) for r in rows],
        }
    )
    path = tmp_path / "civil.parquet"
    pq.write_table(table, path)
    report = run(factory, cipher, path)
    assert (report.added, report.rejected) == (3, 0)
    assert sorted(db.scalars(select(Person.birth_date))) == sorted(
        date.fromisoformat(r["birth_date"]) for r in rows
    )


def test_a_failing_chunk_commits_nothing_and_a_rerun_completes(
    tmp_path: Path,
    factory: sessionmaker[Session],
    db: Session,
    cipher: FieldCipher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = family(1, 1) + family(2, 11) + family(3, 21)
    path = write_csv(tmp_path / "civil.csv", rows)
    real = civil.upsert_chunk
    calls = {"n": 0}

    def flaky(
        session: Session, records: list[civil.CivilRecord], c: FieldCipher, *rest: object
    ) -> object:
        calls["n"] += 1
        result = real(session, records, c, *rest)  # type: ignore[arg-type]
        if calls["n"] == 2:
            session.flush()  # the rows are written in the transaction...
            raise RuntimeError("disk full")  # ...and then the chunk fails
        return result

    monkeypatch.setattr(civil, "upsert_chunk", flaky)
    with pytest.raises(RuntimeError):
        run(factory, cipher, path, chunk=3)
    assert count(db, Person) == 3  # the first chunk only: the second rolled back whole
    failed = db.scalars(select(ImportRun)).one()
    assert (failed.status, failed.added, failed.rows_read) == ("failed", 3, 3)
    monkeypatch.setattr(civil, "upsert_chunk", real)
    again = run(factory, cipher, path, chunk=3)
    assert (again.added, again.unchanged) == (6, 3)
    assert count(db, Person) == 9


def test_report_counts_are_consistent(
    tmp_path: Path, factory: sessionmaker[Session], cipher: FieldCipher
) -> None:
    rows = [*family(1, 1), person(40, kk_serial=5) | {"sex": "?"}]
    report = run(factory, cipher, write_csv(tmp_path / "civil.csv", rows))
    fields = dataclasses.asdict(report)
    assert fields["rows_read"] == report.accepted + report.rejected == 4


def test_same_data_spelled_differently_is_unchanged(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    rows = family(1, 1)
    run(factory, cipher, write_csv(tmp_path / "v1.csv", rows))
    respelled = [r | {"sex": "LAKI-LAKI" if r["sex"] == "M" else "PEREMPUAN",
                      "birth_date": date.fromisoformat(r["birth_date"]).strftime("%d-%m-%Y")}
                 for r in rows]  # fmt: skip
    first = run(factory, cipher, write_csv(tmp_path / "v2.csv", respelled))
    assert (first.added, first.updated, first.unchanged) == (0, 0, 3)
    again = run(factory, cipher, write_csv(tmp_path / "v3.csv", respelled))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)


def test_duplicates_are_caught_on_the_reimport_fast_path(
    tmp_path: Path, factory: sessionmaker[Session], cipher: FieldCipher
) -> None:
    rows = family(1, 1)
    run(factory, cipher, write_csv(tmp_path / "v1.csv", rows))
    report = run(factory, cipher, write_csv(tmp_path / "v2.csv", [*rows, rows[0]]), chunk=2)
    assert (report.unchanged, report.rejected) == (3, 1)
    assert [(p["row"], p["code"]) for p in problems(report.rejects_path)] == [
        ("5", "nik.duplicate_in_file")
    ]
