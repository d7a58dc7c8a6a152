"""Integers written in words, in Chinese and in English: the Transformer chapter's translation pairs.

Chinese groups digits by four (万 = 10⁴, 亿 = 10⁸) and English by three (thousand, million), so a
translation must regroup the number, not copy it word by word. The renderers follow the common written
forms: Chinese uses 二 (not 两) everywhere, says 十 rather than 一十 only at the very start of a number,
and writes one 零 for any run of zeros inside the number; English uses no "and" and joins tens and
units with a hyphen (thirty-five). The browser renders digits the same way in src/lib/input/numwords.ts,
checked against a fixture this module writes.
"""

ZH_DIGITS = "零一二三四五六七八九"
ZH_UNITS = ["", "十", "百", "千"]
ZH_GROUPS = ["", "万", "亿"]

EN_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
           "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
EN_GROUPS = ["", "thousand", "million"]

LIMIT = 10 ** 9  # both renderers cover 0 … 999,999,999


def _zh_group(n):
    """0 < n < 10,000 as Chinese, with 零 for the zeros between its digits (none for trailing zeros)."""
    out, zero = [], False
    for power in (3, 2, 1, 0):
        d = n // 10 ** power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(ZH_DIGITS[d] + ZH_UNITS[power])
    return "".join(out)


def zh(n):
    """一千二百三十四 for 1234; 三万五千零七 for 35007; 十万 for 100000; 一亿零一 for 100000001."""
    if not 0 <= n < LIMIT:
        raise ValueError(f"{n} is outside 0 … {LIMIT - 1}")
    if n == 0:
        return ZH_DIGITS[0]
    groups = [n // 10 ** 8, n // 10 ** 4 % 10 ** 4, n % 10 ** 4]
    out, gap = "", False
    for value, name in zip(groups, reversed(ZH_GROUPS)):
        if value == 0:
            gap = bool(out)
            continue
        # A zero between two groups is read once: a skipped group, or a group below a thousand after a higher one.
        if out and (gap or value < 1000):
            out += "零"
        out += _zh_group(value) + name
        gap = False
    return out[1:] if out.startswith("一十") else out


def _en_group(n):
    """0 < n < 1000 as English words."""
    words = []
    if n >= 100:
        words += [EN_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        words.append(EN_TENS[n // 10] + ("-" + EN_ONES[n % 10] if n % 10 else ""))
    elif n:
        words.append(EN_ONES[n])
    return words


def en(n):
    """one thousand two hundred thirty-four for 1234; thirty-five thousand seven for 35007."""
    if not 0 <= n < LIMIT:
        raise ValueError(f"{n} is outside 0 … {LIMIT - 1}")
    if n == 0:
        return EN_ONES[0]
    words = []
    for power, name in ((6, "million"), (3, "thousand"), (0, "")):
        value = n // 10 ** power % 1000
        if value:
            words += _en_group(value) + ([name] if name else [])
    return " ".join(words)


# Tokens: Chinese by character, English by word with the hyphen as a token of its own.
SPECIALS = ["<pad>", "<bos>", "<eos>", "<2en>", "<2zh>"]
PAD, BOS, EOS, TO_EN, TO_ZH = range(len(SPECIALS))
VOCAB = SPECIALS + list(ZH_DIGITS + "十百千万亿") + EN_ONES + EN_TENS[2:] + ["hundred", "thousand", "million", "-"]
INDEX = {t: i for i, t in enumerate(VOCAB)}


def tokens(text, lang):
    """Token strings of a rendered number: characters for Chinese, words and hyphens for English."""
    if lang == "zh":
        return list(text)
    return text.replace("-", " - ").split()


def detokenize(toks, lang):
    return "".join(toks) if lang == "zh" else " ".join(toks).replace(" - ", "-")


def encode(text, lang):
    return [INDEX[t] for t in tokens(text, lang)]


def write_fixture(path, count=400, seed=7):
    """Integers with their renderings and token ids, for the TypeScript renderer's unit test: the edge
    cases by hand, then random integers across every digit count, zero-rich ones included."""
    import json
    import random
    rng = random.Random(seed)
    edge = [0, 7, 10, 11, 19, 20, 21, 99, 100, 101, 110, 111, 1000, 1001, 1010, 1100, 10000, 10001, 10010,
            10100, 11000, 100000, 100010, 1000000, 1100000, 10000000, 20304050, 100000000, 100000001,
            100010000, 101010101, 110000000, 999999999]
    numbers = edge + [int(str(rng.randint(1, 9)) + "".join(rng.choice("0000123456789") for _ in range(rng.randint(0, 8))))
                      for _ in range(count - len(edge))]
    cases = [{"n": n, "zh": zh(n), "en": en(n), "zh_ids": encode(zh(n), "zh"), "en_ids": encode(en(n), "en")} for n in numbers]
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"vocab": VOCAB, "cases": cases}, f, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    import sys
    write_fixture(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/numwords.json")
