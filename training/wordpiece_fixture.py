"""Writes tests/fixtures/wordpiece.json: what the browser's WordPiece tokenizer (src/lib/input/wordpiece.ts)
must produce, worked out by the Python one the model was trained with (common/wordpiece.py) and the input
layout of training/bert.py (pair_ids), so tests/unit/wordpiece.test.ts can check the two agree.

    /usr/bin/python3 training/wordpiece_fixture.py                            # from public/models/bert
    /usr/bin/python3 training/wordpiece_fixture.py --model-dir /tmp/bert      # from a smoke build

Texts: hand-picked cases (Chinese verse and prose, English with capitals, punctuation, apostrophes and
digits, mixed text, full-width forms, accented letters, emoji and astral CJK, every kind of whitespace,
over-long words, characters the vocabulary lacks, empty text, a 10,000-character paste), then the first
30 held-out lines of each source (common/text.py's split, as bert.py makes it). Every text is also encoded
as a single segment; the pairs add two-segment inputs, some cut at max_len. The fixture records vocab.json's
sha256, so after a retraining the test fails until this script is run again. It also records every code
point Python calls whitespace (str.isspace), which the browser must treat the same way.
"""
import argparse
import hashlib
import json
import os
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert  # noqa: E402  (imports torch; only its constants and pair_ids are used)
from common import text  # noqa: E402
from common import wordpiece as wp  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "wordpiece.json")
HELD_OUT_LINES = 30      # first held-out lines of each source
HELD_OUT_PAIRS = 10      # consecutive held-out lines of each source encoded as pairs (A, B)
PASTE_CHARS = 10_000     # the long paste: held-out passages, both languages, cut to this many characters

WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
# Characters JavaScript's \s or common sense might take for spaces that Python does not: zero-width space,
# word joiner, zero-width (non-)joiner, BOM, Mongolian vowel separator, soft hyphen, Ogham feather mark.
NOT_WHITESPACE = "\u200b\u2060\u200c\u200d\ufeff\u180e\u00ad\u169b"

TEXTS = [
    "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
    "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
    "大江东去，浪淘尽，千古风流人物。",
    "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？",
    "天下皆知美之为美，斯恶已；皆知善之为善，斯不善已。",
    "The quick brown fox jumps over the lazy dog.",
    "Don't panic! It's 42 -- isn't it? \"Yes,\" she said; 'no', he replied.",
    "In 1969, Neil Armstrong's first words were: \"That's one small step for (a) man...\"",
    "E-mail JOHN.DOE@Example.COM re: RFC-2822 & ISO8601 (2024-01-31T12:00Z), v3.14 #hashtag $100 50%",
    "HELLO World hElLo WORLD",
    "unbelievably antidisestablishmentarianism floccinaucinihilipilification",
    "我用Python写了一个GPT-2模型，准确率99.5%。Hello，世界！",
    "１２３４５，ＡＢＣ！（全角）？：；「引号」『书名』——省略号……",
    "价格：１００元，约合US$14。",
    "café naïve résumé Zoë façade coöperate — CAFÉ NAÏVE Ångström",
    "I ❤️ NLP 🤖🎉 👨‍👩‍👧 👍🏽",
    "𠀀𠀁𪚥 are CJK Extension B; 𝐁𝐨𝐥𝐝 is mathematical bold.",
    "a" + "b".join(WHITESPACE) + "c",
    "x" + "y".join(NOT_WHITESPACE) + "z",
    " \t\n\r\x0b\x0c\u3000\xa0 ",
    "pneumono" * 13,                      # 104 letters: longer than max_word, so [UNK]
    "ab" * 50,                            # exactly 100: still cut into pieces
    "Ab" * 51 + " and after",             # 102, capitals included
    "龘靐齉 ☃ ∮ ⿰ ꙮ",                    # characters the vocabulary (probably) lacks
    "\x00\x07 \x1b[31mred\x1b[0m \x7f",
    "",
    "I",
    "了",
    "##",
    "[MASK] [UNK] [CLS]",
]


def pair_entry(tok, a, b=None):
    """pair_ids of bert.py, plus whether it cut anything (it only ever removes tokens)."""
    ids_a, ids_b = tok.encode(a), (tok.encode(b) if b is not None else [])
    ids, segments = bert.pair_ids(ids_a, ids_b)
    whole = len(ids_a) + len(ids_b) + (3 if ids_b else 2)
    assert len(ids) <= bert.MAX_LEN and len(ids) <= whole
    return {"ids": ids, "segments": segments, "truncated": len(ids) < whole}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", default=os.path.join(ROOT, "public", "models", "bert"))
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()

    with open(os.path.join(args.model_dir, "vocab.json"), "rb") as f:
        raw = f.read()
    vocab = json.loads(raw)
    assert vocab["max_len"] == bert.MAX_LEN and vocab["max_word"] == wp.MAX_WORD and vocab["continuation"] == wp.CONTINUATION
    tok = wp.WordPiece(vocab["tokens"])

    held = {source: lines for source, (_, passages) in text.split(bert.SEED, bert.HELD_OUT).items()
            for lines in [[line for p in passages for line in p]]}
    paste, sources = "", list(held)
    for i in range(max(map(len, held.values()))):
        for source in sources:
            if i < len(held[source]):
                paste += held[source][i] + "\n"
    paste = paste[:PASTE_CHARS]
    assert len(paste) == PASTE_CHARS, "not enough held-out text for the paste"

    texts = [(t, "hand-picked") for t in TEXTS] + [(paste, "paste")]
    texts += [(line, f"held-out {source}") for source, lines in held.items() for line in lines[:HELD_OUT_LINES]]

    def long(n, word):
        return " ".join([word] * n)
    pairs = [
        ("白日依山尽，黄河入海流。", "欲穷千里目，更上一层楼。", "two short segments"),
        ("A short first line.", long(100, "word"), "b is cut"),
        (long(100, "word"), "A short second line.", "a is cut"),
        (long(80, "春"), long(80, "秋"), "both are cut"),
        (long(31, "x"), long(31, "y"), "one too many, equal lengths: a is cut"),
        (long(31, "x"), long(32, "y"), "one too many, b longer: b is cut"),
        (long(40, "x"), long(40, "y"), "equal lengths"),
        ("Only A.", "", "b is empty"),
        ("Only A.", " \t\u3000", "b is whitespace"),
        ("", "Only B.", "a is empty"),
        (paste, paste, "two pastes"),
    ]
    pairs += [(lines[i], lines[i + 1], f"held-out {source}") for source, lines in held.items()
              for i in range(min(HELD_OUT_PAIRS, len(lines) - 1))]

    entries = []
    for t, what in texts:
        tokens = tok.tokenize(t)
        entries.append({"what": what, "text": t, "tokens": tokens, "ids": [tok.index[p] for p in tokens],
                        "pair": pair_entry(tok, t)})
    pair_entries = [{"what": what, "a": a, "b": b, **pair_entry(tok, a, b)} for a, b, what in pairs]
    assert any(e["pair"]["truncated"] for e in entries) and sum(p["truncated"] for p in pair_entries) >= 4
    assert any(wp.SPECIALS[wp.UNK] in e["tokens"] for e in entries)

    fixture = {
        "about": "Written by training/wordpiece_fixture.py with training/common/wordpiece.py and bert.pair_ids; "
                 "src/lib/input/wordpiece.ts must give the same tokens, ids, and pairs (ids, segments, truncated).",
        "vocab_sha256": hashlib.sha256(raw).hexdigest(),
        "python": f"{sys.version.split()[0]}, Unicode {unicodedata.unidata_version}",
        "whitespace": [ord(c) for c in WHITESPACE],
        "max_len": bert.MAX_LEN,
    }
    # One line a field, one line a text or pair: small in git, still readable.
    dump = lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False)  # noqa: E731
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("{\n" + "".join(f" {json.dumps(k)}: {dump(v)},\n" for k, v in fixture.items()))
        f.write(' "texts": [\n' + ",\n".join("  " + dump(e) for e in entries) + "\n ],\n")
        f.write(' "pairs": [\n' + ",\n".join("  " + dump(e) for e in pair_entries) + "\n ]\n}\n")
    print(f"wrote {os.path.normpath(args.out)}: {len(entries)} texts, {len(pair_entries)} pairs, "
          f"{os.path.getsize(args.out) // 1024} KB, from {os.path.normpath(args.model_dir)}")


if __name__ == "__main__":
    main()
