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

import bisect
import itertools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from bansos.targeting.names import COMMON_WORDS, name_key, normalize_name, sorted_name

COLUMNS = (
    "unique_id", "nik", "name", "name_key", "name_sorted", "core", "first_key", "last_key",
    "tokens", "dob", "dob_y", "dob_m", "dob_d", "sex", "region", "regency", "province", "kk",
)  # fmt: skip
_SCHEMA = pa.schema(
    [("unique_id", pa.int64())]
    + [(c, pa.list_(pa.string()) if c == "tokens" else pa.string()) for c in COLUMNS[1:]]
)

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


def table(rows: Iterable[tuple[Any, ...]], *, batch: int = 50_000) -> pa.Table:
    """Rows made by ``features`` as an Arrow table (columnar: what DuckDB and Spark read),
    converted a batch at a time so that a million rows never sit in Python lists at once."""
    batches = []
    it = iter(rows)
    while True:
        chunk = list(itertools.islice(it, batch))
        if not chunk:
            break
        columns = [list(col) for col in zip(*chunk, strict=True)]
        batches.append(pa.record_batch(columns, schema=_SCHEMA))
    return pa.Table.from_batches(batches, schema=_SCHEMA)


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


def _exact(column: str, u: dict[str, float] | None) -> Any:
    """An exact-match level; with ``u`` known for the column, that u, fixed (see
    ``exact_agreement_u``)."""
    level = cll.ExactMatchLevel(column)
    if u and column in u:
        level.configure(u_probability=u[column], fix_u_probability=True)
    return level


def settings(u: dict[str, float] | None = None) -> SettingsCreator:
    """The model: comparisons from most to least specific, and the blocking rules. ``u``:
    agreement probabilities of the exact NIK and KK levels computed from the data."""
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
            _exact("nik", u),
            cll.And(
                cll.DamerauLevenshteinLevel("nik", 1),
                cll.ExactMatchLevel(ColumnExpression("nik").substr(13, 4)),
            ),
            cll.ElseLevel(),
        ],
    )
    kk = cl.CustomComparison(
        output_column_name="kk",
        comparison_levels=[cll.NullLevel("kk"), _exact("kk", u), cll.ElseLevel()],
    )
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[name, dob, cl.ExactMatch("sex"), region, kk, nik],
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
        # Per-comparison match weights (mw_*) rather than the matching columns: the pairs table
        # stays narrow (a million pairs with every name and NIK twice would take gigabytes),
        # and a level is recovered from its weight (``Model.predict``).
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    )


def level_weights(model: dict[str, Any], comparison: str) -> dict[int, float]:
    """Gamma -> match weight of the non-null levels of one comparison of a saved model, as
    Splink computes it (probabilities clamped at 1e-300; untrained levels weigh 0)."""
    found = next(c for c in model["comparisons"] if c["output_column_name"] == comparison)
    levels = [lv for lv in found["comparison_levels"] if not lv.get("is_null_level")]
    out: dict[int, float] = {}
    for gamma, level in zip(range(len(levels) - 1, -1, -1), levels, strict=True):
        m, u = level.get("m_probability"), level.get("u_probability")
        if m is None or u is None:
            out[gamma] = 0.0
        else:
            out[gamma] = math.log2(max(m, 1e-300) / max(u, 1e-300))
    return out


#: The level given to a weight that no trained level has (a null comparison, or an untrained
#: level): for names, "not an agreement".
UNKNOWN_LEVEL = -1


def _level_of_weight(weights: dict[int, float]) -> Any:
    """A function from a per-comparison match weight (as Splink writes it into mw_*) back to
    the gamma of the level; ties (untrained levels weigh 0) go to ``UNKNOWN_LEVEL``."""
    by_weight: dict[float, int] = {}
    for gamma, w in weights.items():
        if w != 0.0:
            by_weight[w] = gamma if w not in by_weight else UNKNOWN_LEVEL
    keys = sorted(by_weight)

    def level(mw: float | None) -> int:
        if mw is None or mw == 0.0:
            return UNKNOWN_LEVEL
        i = bisect.bisect_left(keys, mw)
        for j in (i - 1, i):
            if 0 <= j < len(keys) and abs(keys[j] - mw) <= 1e-9 * max(1.0, abs(mw)):
                return by_weight[keys[j]]
        return UNKNOWN_LEVEL

    return level


def exact_agreement_u(
    con: duckdb.DuckDBPyConnection, left: pa.Table, right: pa.Table, column: str
) -> float:
    """The share of (proposal, registry) pairs, both non-null, that agree exactly on ``column``:
    what Splink's random sampling estimates for an exact level, computed exactly from the value
    counts. Sampling cannot estimate it for identifiers: at a million registry people two random
    records share a NIK about once in a million pairs, so a sample of millions of pairs sees
    too few to estimate (Splink then leaves u unset and the level weighs nothing)."""
    con.register("u_left", left.select([column]))
    con.register("u_right", right.select([column]))
    shared, n_left, n_right = con.execute(
        f"""
        WITH l AS (SELECT {column} AS v, count(*) AS n FROM u_left WHERE {column} IS NOT NULL
                   GROUP BY 1),
             r AS (SELECT {column} AS v, count(*) AS n FROM u_right WHERE {column} IS NOT NULL
                   GROUP BY 1)
        SELECT (SELECT coalesce(sum(l.n * r.n), 0) FROM l JOIN r USING (v)),
               (SELECT coalesce(sum(n), 0) FROM l), (SELECT coalesce(sum(n), 0) FROM r)
        """  # noqa: S608 - column names are this module's constants
    ).fetchall()[0]
    con.unregister("u_left")
    con.unregister("u_right")
    if not shared or not n_left or not n_right:
        return 1e-12  # no agreement at all: as unlikely as it gets, but not zero
    return float(shared) / (float(n_left) * float(n_right))


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
        if model is None:
            u = {c: exact_agreement_u(con, proposals, registry, c) for c in ("nik", "kk")}
            self.linker = Linker([left, right], settings(u), log_level=None)
        else:
            self.linker = Linker([left, right], model, log_level=None)
        logging.getLogger("splink").setLevel(logging.ERROR)

    def train(self) -> None:
        """Prior from near-certain pairs, u by random sampling (except the exact NIK and KK
        levels, whose u was counted exactly when the model was built), m by EM in three
        sessions (each leaves the compared columns of its blocking rule out of its estimates)."""
        t = self.linker.training
        t.estimate_probability_two_random_records_match(
            [
                "l.nik = r.nik AND l.dob = r.dob AND l.name_key = r.name_key",
                "l.region = r.region AND l.dob = r.dob AND l.name = r.name",
            ],
            recall=0.9,
        )
        t.estimate_u_using_random_sampling(max_pairs=2e6, seed=self.seed)
        for rule in (block_on("nik"), block_on("region", "dob"), block_on("name_key", "dob_y")):
            t.estimate_parameters_using_expectation_maximisation(rule)

    def name_weights(self) -> dict[int, float]:
        """Match weight (log2 m/u) of each level of the name comparison, by gamma: positive
        when the trained model takes that much name agreement as evidence *for* a match."""
        return level_weights(self.model_json(), "name")

    def model_json(self) -> dict[str, Any]:
        saved: dict[str, Any] = self.linker.misc.save_model_to_json()
        return saved

    def predict(self) -> list[Scored]:
        """Every candidate pair the blocking rules produce (a few per row), however unlikely:
        a NIK that belongs to someone with another name is worth reporting."""
        df = self.linker.inference.predict()
        model = self.model_json()
        levels = {c: _level_of_weight(level_weights(model, c)) for c in ("name", "nik", "dob")}
        cols = "unique_id_l, unique_id_r, match_weight, match_probability, mw_name, mw_nik, mw_dob"
        rel = self.con.sql(f"SELECT {cols} FROM {df.physical_name}")  # noqa: S608
        out = []
        name_of, nik_of, dob_of = levels["name"], levels["nik"], levels["dob"]
        for left, right, weight, p, mw_name, mw_nik, mw_dob in rel.fetchall():
            out.append(Scored(left, right, weight, p, name_of(mw_name), nik_of(mw_nik),
                              dob_of(mw_dob)))  # fmt: skip
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
