"""Search text for Chinese names: the name itself, its full pinyin and its initials (张三 → zhangsan, zs)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def search_text(*parts: str) -> str:
    """Lower-case text to match a query against: each part, plus pinyin forms of the ones with Chinese."""
    words: list[str] = []
    for part in parts:
        part = (part or "").strip().lower()
        if not part:
            continue
        words.append(part)
        if any("\u4e00" <= ch <= "\u9fff" for ch in part):
            syllables = lazy_pinyin(part, errors="ignore")
            initials = lazy_pinyin(part, style=Style.FIRST_LETTER, errors="ignore")
            words += ["".join(syllables), "".join(initials)]
    return " ".join(dict.fromkeys(words))  # de-duplicated, order kept
