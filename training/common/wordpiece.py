"""A WordPiece tokenizer for Chinese and English text, as BERT's: every Chinese character (indeed every
character outside ASCII) is a token of its own, English words are split greedily into the longest pieces the
vocabulary has, a piece inside a word marked with ##. src/lib/input/wordpiece.ts does the same in the
browser; tests/fixtures/wordpiece.json (written by training/wordpiece_fixture.py) holds ids both must agree on.

The rules, in order (the browser follows them to the letter):
1. ASCII capitals become lower case; nothing else changes (no Unicode normalisation).
2. Whitespace separates words. A run of ASCII letters and digits is a word; every other character
   (a Chinese character, punctuation, a full-width digit, an accented letter) is a word of its own.
3. A word of one character is its own token, or [UNK]. A longer word is cut from the left, each time taking
   the longest piece in the vocabulary (pieces after the first start with ##); if some part has no piece, or
   the word is longer than MAX_WORD characters, the whole word is [UNK].

Training (train_vocab) counts the training text's characters and words and builds the English pieces by
merges: start from single letters (## for those inside a word) and repeatedly join the most frequent
adjacent pair, as Hugging Face's WordPiece trainer does. Google's original chose the pair with the highest
count(ab) / (count(a) · count(b)); on text this small that prefers rare pairs (after 3,000 pieces it still
cut "the" into th ##e and "dog" into d ##o ##g)."""
from collections import Counter

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD, UNK, CLS, SEP, MASK = range(5)
MAX_WORD = 100
CONTINUATION = "##"


def _is_word_char(c):
    return ("a" <= c <= "z") or ("0" <= c <= "9")


def normalise(text):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def words(text):
    """Rules 1 and 2: the words of `text`, in order."""
    out, run = [], []
    for c in normalise(text):
        if _is_word_char(c):
            run.append(c)
            continue
        if run:
            out.append("".join(run))
            run = []
        if not c.isspace():
            out.append(c)
    if run:
        out.append("".join(run))
    return out


class WordPiece:
    def __init__(self, tokens):
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens)}
        assert self.tokens[:len(SPECIALS)] == SPECIALS

    def pieces(self, word):
        """Rule 3: the token strings of one word."""
        if len(word) == 1:
            return [word if word in self.index else SPECIALS[UNK]]
        if len(word) > MAX_WORD:
            return [SPECIALS[UNK]]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else CONTINUATION + word[start:end]
                if piece in self.index:
                    break
                end -= 1
            if end == start:
                return [SPECIALS[UNK]]
            out.append(piece)
            start = end
        return out

    def tokenize(self, text):
        return [p for w in words(text) for p in self.pieces(w)]

    def encode(self, text):
        return [self.index[p] for p in self.tokenize(text)]


def train_vocab(texts, char_min_count, english_size):
    """Specials, then every non-ASCII character seen at least char_min_count times (by frequency), then the
    English pieces: letters and digits, ## letters and digits, and merges until english_size pieces."""
    chars, word_counts = Counter(), Counter()
    for text in texts:
        for w in words(text):
            if _is_word_char(w[0]):
                word_counts[w] += 1
            else:
                chars[w] += 1
    singles = [c for c, n in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0])) if n >= char_min_count]

    # Each word as a list of symbols; merges change the lists of the words that hold the merged pair.
    corpus = [[w[0]] + [CONTINUATION + c for c in w[1:]] for w in word_counts]
    freq = list(word_counts.values())
    alphabet = sorted({s for word in corpus for s in word})
    pieces = list(alphabet)
    pair, where = Counter(), {}
    for i, word in enumerate(corpus):
        for a, b in zip(word, word[1:]):
            pair[a, b] += freq[i]
            where.setdefault((a, b), set()).add(i)
    while len(pieces) < english_size:
        if not pair:
            break
        (a, b), _ = max(pair.items(), key=lambda kv: (kv[1], kv[0]))   # ties broken by the pair itself
        merged = a + b[len(CONTINUATION):]
        pieces.append(merged)
        for i in where.pop((a, b), ()):
            word, n = corpus[i], freq[i]
            for x, y in zip(word, word[1:]):
                pair[x, y] -= n
                if pair[x, y] <= 0:
                    del pair[x, y]
            new, j = [], 0
            while j < len(word):
                if j + 1 < len(word) and word[j] == a and word[j + 1] == b:
                    new.append(merged)
                    j += 2
                else:
                    new.append(word[j])
                    j += 1
            corpus[i] = new
            for x, y in zip(new, new[1:]):
                pair[x, y] += n
                where.setdefault((x, y), set()).add(i)
    return SPECIALS + singles + [p for p in pieces if p not in singles]
