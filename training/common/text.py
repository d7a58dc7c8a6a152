"""Text that exists offline on a Debian machine: classical Chinese poems and Chinese sayings from the
fortunes-zh package, English quotations from the fortunes package. Cleaned into passages of lines, each
passage held out or not by a fixed seed, so every script that reads the text sees the same split."""
import os
import random
import re

FORTUNES = "/usr/share/games/fortunes"
# The four sources, in the order of the classifier's classes. English comes from these files of the
# fortunes package (not ascii-art, which is pictures, nor translate-me, which asks for translations).
ENGLISH_FILES = ("art", "computers", "cookie", "debian", "definitions", "disclaimer", "drugs", "education",
                 "ethnic", "food", "goedel", "humorists", "kids", "knghtbrd", "law", "linux", "linuxcookie",
                 "love", "magic", "medicine", "men-women", "miscellaneous", "news", "paradoxum", "people", "perl",
                 "pets", "platitudes", "politics", "pratchett", "science", "songs-poems", "sports", "startrek",
                 "tao", "wisdom", "work", "zippy")
SOURCES = {
    "tang": {"files": ("tang300",), "lang": "zh", "package": "fortunes-zh", "license": "GPL-3.0+",
             "label": {"en": "Tang poem", "zh": "唐诗"}},
    # song100 holds regular verse (shi) of the Song dynasty, not ci; the ci are in the `chinese` file.
    "song": {"files": ("song100",), "lang": "zh", "package": "fortunes-zh", "license": "GPL-3.0+",
             "label": {"en": "Song poem", "zh": "宋诗"}},
    "prose": {"files": ("chinese",), "lang": "zh", "package": "fortunes-zh", "license": "GPL-3.0+",
              "label": {"en": "Chinese sayings and prose", "zh": "中文格言与散文"}},
    "english": {"files": ENGLISH_FILES, "lang": "en", "package": "fortunes", "license": "BSD-3-Clause (fortune-mod)",
                "label": {"en": "English", "zh": "英文"}},
}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOX = re.compile(r"[\u2500-\u257f]")          # table-drawing characters: a passage with them is a table
HEADER = re.compile(r"^(《.*》|题目[:：].*|作者[:：].*)$")   # a poem's title and author lines


def _lines(passage, source):
    """A passage's own lines: no title, author or attribution lines, no blank lines; English wrapped lines are
    kept as they are (each is a line of the quotation as printed)."""
    out = []
    for line in ANSI.sub("", passage).splitlines():
        line = line.strip()
        if not line or line.startswith("--") or line.startswith("——"):
            continue
        if source in ("tang", "song") and HEADER.match(line):
            continue
        out.append(" ".join(line.split()))
    return out


def passages(source, root=FORTUNES):
    """Every passage of a source as a list of lines, in file order."""
    out = []
    for name in SOURCES[source]["files"]:
        with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
            for raw in f.read().split("\n%\n"):
                if BOX.search(raw):
                    continue
                lines = _lines(raw, source)
                if lines:
                    out.append(lines)
    return out


def split(seed, held_out_share):
    """{source: (training passages, held-out passages)}: a fixed shuffle per source, its first share held out."""
    result = {}
    for i, source in enumerate(SOURCES):
        ps = passages(source)
        order = list(range(len(ps)))
        random.Random(seed + i).shuffle(order)
        cut = max(1, round(len(ps) * held_out_share))
        held = set(order[:cut])
        result[source] = ([p for j, p in enumerate(ps) if j not in held], [p for j, p in enumerate(ps) if j in held])
    return result
