"""Text side of the ASR scorer: normalisation for WER, numbers as words, word
error rate with an edit breakdown, and the exist-match rule for spoken answers."""

import re
import unicodedata

# MARK: - Numbers as words

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
         "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
         "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [(10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand")]
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                  "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def _below_hundred(n):
    if n < 20:
        return [_ONES[n]]
    tens, ones = divmod(n, 10)
    return [_TENS[tens]] + ([_ONES[ones]] if ones else [])


def _below_thousand(n):
    hundreds, rest = divmod(n, 100)
    words = [_ONES[hundreds], "hundred"] if hundreds else []
    return words + (_below_hundred(rest) if rest or not words else [])


def cardinal_words(n):
    """Words for a non-negative integer: 1205 -> one thousand two hundred five."""
    if n == 0:
        return ["zero"]
    words = []
    for value, name in _SCALES:
        if n >= value:
            count, n = divmod(n, value)
            words += cardinal_words(count) + [name]
    if n:
        words += _below_thousand(n)
    return words


def year_words(n):
    """Words for a four-digit year as it is read aloud: 1990 -> nineteen ninety."""
    high, low = divmod(n, 100)
    if 2000 <= n <= 2009 or low == 0 and n % 1000 == 0:
        return cardinal_words(n)
    if low == 0:
        return _below_hundred(high) + ["hundred"]
    return _below_hundred(high) + (["oh"] + _ONES[low:low + 1] if low < 10 else _below_hundred(low))


def ordinal_words(words):
    """The ordinal form of a cardinal's words: twenty one -> twenty first."""
    last = words[-1]
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return words[:-1] + [last]


def plural_words(words):
    """Plural of a number's last word (the 1990s -> nineteen nineties)."""
    last = words[-1]
    return words[:-1] + [last[:-1] + "ies" if last.endswith("y") else last + "s"]


_CURRENCY = {"$": "dollars", "£": "pounds", "€": "euros"}
_NUMBER = re.compile(r"([$£€]?)(-?)(\d[\d,]*)(\.\d+)?(st|nd|rd|th|s|%)?(?![\w])", re.IGNORECASE)


def _spell_number(match):
    currency, minus, digits, fraction, suffix = match.groups()
    suffix = (suffix or "").lower()
    plain = digits.replace(",", "")
    if not plain.isdigit():
        return match.group(0)
    value = int(plain)
    is_year = "," not in digits and len(plain) == 4 and 1100 <= value <= 2099 and not fraction \
        and not currency and suffix in ("", "s")
    words = year_words(value) if is_year else cardinal_words(value)
    if fraction:
        words += ["point"] + [_ONES[int(d)] for d in fraction[1:]]
    if suffix in ("st", "nd", "rd", "th"):
        words = ordinal_words(words)
    elif suffix == "s":
        words = plural_words(words)
    elif suffix == "%":
        words += ["percent"]
    if minus:
        words = ["minus"] + words
    if currency:
        words += [_CURRENCY[currency]]
    return " " + " ".join(words) + " "


def spell_numbers(text):
    """Replaces digit strings (with thousands commas, decimals, ordinals, %, currency) by words."""
    return _NUMBER.sub(_spell_number, text)


# MARK: - WER normalisation

def normalize_words(text):
    """Lower-case words for WER: numbers spelled out, punctuation removed, inner apostrophes kept."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("&", " and ")
    text = spell_numbers(text).lower()
    text = "".join(ch if ch.isalnum() or ch == "'" else " " for ch in text)
    words = []
    for word in text.split():
        word = word.strip("'")
        if word:
            words.append(word)
    return words


# MARK: - Word error rate

def edit_counts(reference, hypothesis):
    """(substitutions, deletions, insertions) of a minimal word alignment."""
    n, m = len(reference), len(hypothesis)
    # Each cell holds (cost, subs, dels, ins); ties prefer substitutions, then deletions.
    previous = [(j, 0, 0, j) for j in range(m + 1)]
    for i in range(1, n + 1):
        current = [(i, 0, i, 0)]
        ref_word = reference[i - 1]
        for j in range(1, m + 1):
            diag = previous[j - 1]
            if ref_word == hypothesis[j - 1]:
                best = diag
            else:
                best = (diag[0] + 1, diag[1] + 1, diag[2], diag[3])
            up = previous[j]
            if up[0] + 1 < best[0]:
                best = (up[0] + 1, up[1], up[2] + 1, up[3])
            left = current[j - 1]
            if left[0] + 1 < best[0]:
                best = (left[0] + 1, left[1], left[2], left[3] + 1)
            current.append(best)
        previous = current
    _, subs, dels, ins = previous[m]
    return subs, dels, ins


def word_errors(reference_text, hypothesis_text):
    """Scores one hypothesis: dict with ref_words, edits, sub/del/ins and wer (None without reference words)."""
    ref = normalize_words(reference_text)
    hyp = normalize_words(hypothesis_text)
    subs, dels, ins = edit_counts(ref, hyp)
    edits = subs + dels + ins
    return {"ref_words": len(ref), "edits": edits, "substitutions": subs, "deletions": dels,
            "insertions": ins, "wer": (edits / len(ref)) if ref else None}


# MARK: - Answer matching (exist-match rule)

def match_tokens(text):
    """NFD + lower-case tokens: runs of letters/digits/marks, and single other non-space characters."""
    text = unicodedata.normalize("NFD", text).lower()
    tokens, run = [], []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LNM":
            run.append(ch)
            continue
        if run:
            tokens.append("".join(run))
            run = []
        if category[0] not in "ZC":
            tokens.append(ch)
    if run:
        tokens.append("".join(run))
    return tokens


def _contains(haystack, needle):
    if not needle:
        return False
    width = len(needle)
    return any(haystack[i:i + width] == needle for i in range(len(haystack) - width + 1))


def answer_matches(transcript, answers):
    """True when some gold answer's token sequence occurs in the transcript's.

    An answer written with digits also matches its spelled-out form, since a recogniser writes words."""
    heard = match_tokens(transcript)
    for answer in answers:
        if _contains(heard, match_tokens(answer)):
            return True
        spelled = spell_numbers(answer)
        if spelled != answer and _contains(heard, match_tokens(spelled)):
            return True
    return False
