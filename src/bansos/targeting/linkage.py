"""The record-linkage model that scores proposal rows against civil-registry people, with Splink.

Splink does the statistics (a Fellegi-Sunter model whose m and u parameters are estimated from
the data, u by random sampling and m by expectation maximisation) and the pair generation; this
module says which columns are compared and how, which pairs are worth comparing (blocking), and
how the parameters are trained. Every comparison level is one Splink knows how to write for
Spark SQL as well as DuckDB, so the model saved with a run (``model_json``) can be loaded by a
``SparkAPI`` linker for a national run (docs/scaling.md).

Columns (same on both sides): ``name`` (normalised, see ``names``), ``name_key`` (Indonesian
phonetic key), ``name_sorted`` (words sorted: name order), ``core`` (the distinctive words,
sorted), ``first_key``/``last_key`` (keys of the first and last words), ``tokens`` (the
distinctive words as a list: without those shared by too many names, such as Muhammad, Siti or
the Balinese birth-order names), ``dob`` and its parts, ``sex``, ``region`` (district) with
``regency`` and ``province``, ``kk`` and ``nik``.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from bansos.targeting.names import name_key, normalize_name, sorted_name

COLUMNS = (
    "unique_id", "nik", "name", "name_key", "name_sorted", "core", "first_key", "last_key",
    "tokens", "dob", "dob_y", "dob_m", "dob_d", "sex", "region", "regency", "province", "kk",
)  # fmt: skip
_SCHEMA = pa.schema(
    [("unique_id", pa.int64())]
    + [(c, pa.list_(pa.string()) if c == "tokens" else pa.string()) for c in COLUMNS[1:]]
)

#: Words shared by too many names to say anything when two names share them: Balinese birth
#: order and caste names, Muslim name prefixes, Batak and other honorific prefixes.
COMMON_WORDS = frozenset((
    "i", "ni", "luh", "wayan", "made", "nyoman", "ketut", "putu", "kadek", "komang", "gede",
    "nengah", "ida", "bagus", "ayu", "gusti", "anak", "agung", "muhammad", "siti", "nur",
    "abdul", "ahmad", "dewi", "sri", "tri", "dwi", "eka",
))  # fmt: skip
#: Gamma (comparison level) of ``name`` meaning "clearly a different name": the else level.
NAME_DIFFERENT = 0
#: Gamma of ``nik`` meaning the NIKs are equal (null -1, else 0, one edit outside the serial 1,
#: exact 2).
NIK_EXACT = 2


def features(
    uid: int, nik: str, name: str, dob: date | None, sex: str, region: str, kk: str
) -> tuple[Any, ...]:
    """One input row in the column order of ``COLUMNS``; empty values become NULL."""
    norm = normalize_name(name)
    words = [w for w in norm.split() if w not in COMMON_WORDS]
    key = name_key(norm)
    keys = key.split()
    d = dob.isoformat() if dob is not None else None
    return (
        uid,
        nik or None,
        norm or None,
        key or None,
        sorted_name(norm) or None,
        " ".join(sorted(words)) or None,
        keys[0] if keys else None,
        keys[-1] if len(keys) > 1 else None,
        words or None,
        d,
        d[:4] if d else None,
        d[5:7] if d else None,
        d[8:10] if d else None,
        sex or None,
        region or None,
        region[:4] if region else None,
        region[:2] if region else None,
        kk or None,
    )


def table(rows: Iterable[tuple[Any, ...]]) -> pa.Table:
    """Rows made by ``features`` as an Arrow table (columnar: what DuckDB and Spark read)."""
    cols: list[list[Any]] = [[] for _ in COLUMNS]
    appends = [c.append for c in cols]
    for row in rows:
        for append, value in zip(appends, row, strict=True):
            append(value)
    return pa.table(cols, schema=_SCHEMA)


def _name_levels() -> list[tuple[str, Any]]:
    """The name comparison, most specific first, each with the label used in reasons."""
    return [
        ("sama", cll.ExactMatchLevel("name")),
        ("bunyi_sama", cll.ExactMatchLevel("name_key")),
        ("inti_sama", cll.ExactMatchLevel("core")),
        ("urutan_beda", cll.ExactMatchLevel("name_sorted")),
        ("jw95", cll.JaroWinklerLevel("name", 0.95)),
        ("satu_huruf", cll.DamerauLevenshteinLevel("name", 1)),
        ("inti_mirip", cll.JaroWinklerLevel("core", 0.92)),
        ("bunyi_mirip", cll.JaroWinklerLevel("name_key", 0.92)),
        ("urutan_mirip", cll.JaroWinklerLevel("name_sorted", 0.9)),
        ("dua_kata_sama", cll.ArrayIntersectLevel("tokens", 2)),
        ("bagian_nama", cll.ArraySubsetLevel("tokens")),
        ("inti_jw85", cll.JaroWinklerLevel("core", 0.85)),
        ("satu_kata_sama", cll.ArrayIntersectLevel("tokens", 1)),
        ("beda", cll.ElseLevel()),
    ]


#: Reason label of each gamma (comparison level) of the name comparison.
NAME_LABELS = {len(_name_levels()) - 1 - i: label for i, (label, _) in enumerate(_name_levels())}
#: Gamma of "the same normalised name".
NAME_SAME = len(_name_levels()) - 1


def settings() -> SettingsCreator:
    """The model: comparisons from most to least specific, and the blocking rules."""
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[cll.NullLevel("name"), *(level for _, level in _name_levels())],
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel(
                "dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r",
                label_for_charts="Day and month swapped",
            ),
            cll.DamerauLevenshteinLevel("dob", 1),
            cll.ExactMatchLevel("dob_y"),
            cll.ElseLevel(),
        ],
    )
    region = cl.CustomComparison(
        output_column_name="region",
        comparison_levels=[
            cll.NullLevel("region"),
            cll.ExactMatchLevel("region"),
            cll.ExactMatchLevel("regency"),
            cll.ExactMatchLevel("province"),
            cll.ElseLevel(),
        ],
    )
    # NIK = district (6) + birth date code (6) + serial (4). People of one district born on one
    # day differ only in the serial, and the district and date are compared on their own: so
    # one digit apart counts only when the serial agrees (a typo in the rest), else the NIK is
    # taken as someone else's.
    nik = cl.CustomComparison(
        output_column_name="nik",
        comparison_levels=[
            cll.NullLevel("nik"),
            cll.ExactMatchLevel("nik"),
            cll.And(
                cll.DamerauLevenshteinLevel("nik", 1),
                cll.ExactMatchLevel(ColumnExpression("nik").substr(13, 4)),
            ),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[name, dob, cl.ExactMatch("sex"), region, cl.ExactMatch("kk"), nik],
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("kk"),
            block_on("region", "dob"),
            block_on("first_key", "dob"),
            block_on("last_key", "dob"),
            block_on("region", "first_key", "dob_y"),
            block_on("region", "name_sorted"),
            CustomRule(
                "l.region = r.region AND l.dob_y = r.dob_y AND l.dob_m = r.dob_d "
                "AND l.dob_d = r.dob_m"
            ),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=True,  # keeps the gamma (level) columns
    )


def level_weights(model: dict[str, Any], comparison: str) -> dict[int, float]:
    """Gamma -> match weight of the non-null levels of one comparison of a saved model
    (untrained levels weigh 0, as Splink treats them)."""
    found = next(c for c in model["comparisons"] if c["output_column_name"] == comparison)
    levels = [lv for lv in found["comparison_levels"] if not lv.get("is_null_level")]
    out: dict[int, float] = {}
    for gamma, level in zip(range(len(levels) - 1, -1, -1), levels, strict=True):
        m, u = level.get("m_probability"), level.get("u_probability")
        out[gamma] = math.log2(m / u) if m and u else 0.0
    return out


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate pair: proposal row, registry person, and how the two compare."""

    left: int
    right: int
    weight: float
    probability: float
    gamma_name: int
    gamma_nik: int
    gamma_dob: int


class Model:
    """One linkage run: both tables in an in-memory DuckDB, a model trained on them."""

    def __init__(
        self,
        proposals: pa.Table,
        registry: pa.Table,
        *,
        model: dict[str, Any] | None = None,
        threads: int = 2,
        seed: int = 1,
    ) -> None:
        """``model``: parameters saved by an earlier run (``model_json``), else untrained."""
        con = duckdb.connect(":memory:", config={"threads": threads})
        # In-memory only: a spill file would hold names and NIKs in clear on disk.
        con.execute("SET temp_directory = ''")
        self.con = con
        self.seed = seed
        api = DuckDBAPI(connection=con)
        left = api.register(proposals, dataset_display_name="proposals")
        right = api.register(registry, dataset_display_name="registry")
        self._registry = right.physical_name
        self.linker = Linker([left, right], model or settings(), log_level=None)
        logging.getLogger("splink").setLevel(logging.ERROR)

    def train(self) -> None:
        """Prior from near-certain pairs, u by random sampling, m by EM in three sessions
        (each leaves the compared columns of its blocking rule out of its estimates)."""
        t = self.linker.training
        t.estimate_probability_two_random_records_match(
            [
                "l.nik = r.nik AND l.dob = r.dob AND l.name_key = r.name_key",
                "l.region = r.region AND l.dob = r.dob AND l.name = r.name",
            ],
            recall=0.9,
        )
        t.estimate_u_using_random_sampling(max_pairs=2e6, seed=self.seed)
        for rule in (block_on("nik"), block_on("region", "dob"), block_on("name_key")):
            t.estimate_parameters_using_expectation_maximisation(rule)

    def name_weights(self) -> dict[int, float]:
        """Match weight (log2 m/u) of each level of the name comparison, by gamma: positive
        when the trained model takes that much name agreement as evidence *for* a match."""
        return level_weights(self.model_json(), "name")

    def model_json(self) -> dict[str, Any]:
        saved: dict[str, Any] = self.linker.misc.save_model_to_json()
        return saved

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.model_json(), indent=1), encoding="utf-8")

    def predict(self) -> list[Scored]:
        """Every candidate pair the blocking rules produce (a few per row), however unlikely:
        a NIK that belongs to someone with another name is worth reporting."""
        df = self.linker.inference.predict()
        # Table names here are Splink's own, never input.
        cols = "unique_id_l, unique_id_r, match_weight, match_probability, gamma_name, gamma_nik"
        rel = self.con.sql(f"SELECT {cols}, gamma_dob FROM {df.physical_name}")  # noqa: S608
        out = [Scored(*row) for row in rel.fetchall()]
        df.drop_table_from_database_and_remove_from_cache()
        return out

    def niks(self, ids: Iterable[int]) -> dict[int, str]:
        """The NIK of each registry person in ``ids``."""
        wanted = pa.table({"id": pa.array(sorted(set(ids)), pa.int64())})
        self.con.register("wanted", wanted)
        rows = self.con.sql(
            f"SELECT r.unique_id, r.nik FROM {self._registry} r "  # noqa: S608
            "JOIN wanted w ON r.unique_id = w.id"
        ).fetchall()
        self.con.unregister("wanted")
        return {uid: nik for uid, nik in rows}

    def close(self) -> None:
        self.con.close()
