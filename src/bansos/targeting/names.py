"""Indonesian-aware name normalisation, for matching proposals to the civil registry.

The same person is written many ways: ``Muhammad``/``Muhamad``/``Moh.``/``Mhd``,
``Siti``/``Sitti``, ``Nur``/``Noer``, the pre-1972 spelling (``Djoko``, ``Tjahjo``,
``Soekarno``, ``Chairul``), titles and honorifics (``H.``, ``Hj.``, ``Drs.``, ``S.Pd``), upper
or lower case, stray punctuation. No library knows these conventions, so they are written out
here as data; the string-similarity measures themselves (Jaro-Winkler and the like) come from
the record-linkage library.
"""

from __future__ import annotations

import re
import unicodedata

#: Spelling variants of one given name, mapped to one form.
_CANONICAL = {
    **dict.fromkeys(
        ("muhammad", "muhamad", "muhammed", "mohammad", "mohamad", "mohamed", "mohammed",
         "muhamed", "mochammad", "mochamad", "mokhamad", "mukhammad", "moch", "moh", "mohd",
         "muh", "mhd", "md", "m"),
        "muhammad",
    ),
    **dict.fromkeys(("siti", "sitti", "sity"), "siti"),
    **dict.fromkeys(("nur", "noer", "nour", "nurr"), "nur"),
    **dict.fromkeys(("abdul", "abdoel", "abd"), "abdul"),
}  # fmt: skip

#: Titles, degrees and honorifics: not part of the name.
_TITLES = frozenset((
    "h", "hj", "haji", "hajjah", "drs", "dra", "dr", "ir", "prof", "sh", "se", "spd", "spdi",
    "sag", "skom", "sip", "sos", "ssos", "ssi", "st", "mm", "mpd", "msi", "mh", "mt", "amd",
    "amkep", "apt", "bapak", "bpk", "ibu", "ib", "sdr", "sdri", "ny", "nn", "tn", "alm", "almh",
    "almarhum", "almarhumah", "kh", "ust", "ustadz", "ustazah",
))  # fmt: skip
#: Pre-1972 (Van Ophuijsen/Soewandi) spellings to today's (EYD), in this order.
_OLD_SPELLING = (("dj", "j"), ("tj", "c"), ("oe", "u"), ("ch", "kh"), ("sj", "sy"), ("nj", "ny"))
_NOT_LETTERS = re.compile(r"[^a-z\s]")


def _fold(text: str) -> str:
    """Lower case, accents removed (``Ñoman`` -> ``noman``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def normalize_name(name: str) -> str:
    """A canonical form for comparing names: same person, same string as often as possible.

    Degrees written after a comma (``Budi, S.Pd``) and titles anywhere are dropped; dotted
    abbreviations are joined (``S.Pd`` -> ``spd``) so that they are recognised; old spellings
    become current ones; known variants of common given names become one form.
    """
    folded = _fold(name).split(",")[0]
    # "H. Ahmad" -> "h ahmad"; "S.Pd" -> "spd" (a dot between letters joins an abbreviation).
    folded = re.sub(r"(?<=[a-z])\.(?=[a-z])", "", folded)
    words = _NOT_LETTERS.sub(" ", folded).split()
    out: list[str] = []
    for word in words:
        if word in _TITLES and len(words) > 1:
            continue
        known = _CANONICAL.get(word)
        if known is None:
            for old, new in _OLD_SPELLING:
                word = word.replace(old, new)
            known = _CANONICAL.get(word, word)
        out.append(known)
    return " ".join(out)
