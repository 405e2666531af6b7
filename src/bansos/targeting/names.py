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
    # forms of address that lists put before a name: Javanese, Sundanese, Batak, Bugis, Balinese
    "pak", "bu", "mbah", "mbok", "mas", "mbak", "bang", "kang", "teh", "daeng", "bli", "opung",
    "ompung", "amang", "inang",
))  # fmt: skip
#: Words shared by too many names to say anything when two names share them: Balinese birth
#: order and caste names, Muslim name prefixes, Batak and other honorific prefixes. (Record
#: linkage and the payout account-name check both discount them.)
COMMON_WORDS = frozenset((
    "i", "ni", "luh", "wayan", "made", "nyoman", "ketut", "putu", "kadek", "komang", "gede",
    "nengah", "ida", "bagus", "ayu", "gusti", "anak", "agung", "muhammad", "siti", "nur",
    "abdul", "ahmad", "dewi", "sri", "tri", "dwi", "eka",
))  # fmt: skip
#: Pre-1972 (Van Ophuijsen/Soewandi) spellings to today's (EYD), in this order.
_OLD_SPELLING = (("dj", "j"), ("tj", "c"), ("oe", "u"), ("ch", "kh"), ("sj", "sy"), ("nj", "ny"))
_NOT_LETTERS = re.compile(r"[^a-z\s]")
#: "Paijo bin Karto": what follows bin/binti is the father's name, not the person's.
_PATRONYMIC = frozenset(("bin", "binti", "bt"))
#: Sound shifts that do not change a name in Indonesian speech, applied in this order to make
#: a phonetic key: Sundanese p/f/v, old Dutch j/y, Arabic kh/dh/th/sy/z, Javanese final a/o.
_SOUND = (("kh", "k"), ("dh", "d"), ("th", "t"), ("sy", "s"), ("ph", "p"), ("f", "p"),
          ("v", "p"), ("z", "j"), ("y", "j"), ("q", "k"), ("x", "ks"))  # fmt: skip
_DOUBLED = re.compile(r"(.)\1+")


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
        if word in _PATRONYMIC and out:
            break
        known = _CANONICAL.get(word)
        if known is None:
            for old, new in _OLD_SPELLING:
                word = word.replace(old, new)
            known = _CANONICAL.get(word, word)
        out.append(known)
    return " ".join(out)


def _token_key(token: str) -> str:
    for a, b in _SOUND:
        token = token.replace(a, b)
    token = _DOUBLED.sub(r"\1", token)
    if len(token) > 2 and token[-1] == "h" and token[-2] in "aiueo":
        token = token[:-1]  # Fatimah / Fatima
    if len(token) > 2 and token[-1] == "o":
        token = token[:-1] + "a"  # Javanese Sukarno / Sukarna
    return token


def name_key(normalized: str) -> str:
    """A phonetic key of a normalised name: spellings that sound alike get the same key
    (``Fitri``/``Pitri``, ``Yusuf``/``Jusuf``, ``Sukarno``/``Sukarna``, ``Hassan``/``Hasan``).

    Made for Indonesian names; Soundex and (Double) Metaphone encode English sounds and would
    merge names that differ here (``Rina``/``Rani``) while missing these shifts.
    """
    return " ".join(_token_key(t) for t in normalized.split())


def sorted_name(normalized: str) -> str:
    """The words of a normalised name in alphabetical order: ``Tua Simanjuntak`` and
    ``Simanjuntak Tua`` (name order differs between lists) become one string."""
    return " ".join(sorted(normalized.split()))
