"""Search text for Chinese names: the name itself, its full pinyin and its initials (张三 → zhangsan, zs)."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import lazy_pinyin
from pypinyin.seg import mmseg

_HANZI_RUN = re.compile(r"[\u4e00-\u9fff]+")


@lru_cache(maxsize=200_000)
def _pinyin_of_word(word: str) -> tuple[str, str]:
    syllables = lazy_pinyin(word, errors="ignore")
    return "".join(syllables), "".join(s[:1] for s in syllables)


@lru_cache(maxsize=100_000)  # contacts' names repeat a lot (王伟, 李娜)
def _pinyin_of_run(run: str) -> tuple[str, str]:
    # pypinyin cuts a run of Chinese characters into dictionary words and reads each word on its own (a word's
    # reading never depends on its neighbours), so caching per word gives the same text as reading the whole
    # name: 重庆 stays chongqing. Company names share most of their words (杭州, 科技, 有限公司), so bulk work
    # (imports, a million benchmark rows) almost always hits the cache.
    words = [_pinyin_of_word(word) for word in mmseg.seg.cut(run)]
    return "".join(w[0] for w in words), "".join(w[1] for w in words)


def search_text(*parts: str) -> str:
    """Lower-case text to match a query against: each part, plus pinyin forms of the ones with Chinese."""
    words: list[str] = []
    for part in parts:
        part = (part or "").strip().lower()
        if not part:
            continue
        words.append(part)
        if runs := _HANZI_RUN.findall(part):
            pinyins = [_pinyin_of_run(run) for run in runs]
            words += ["".join(p[0] for p in pinyins), "".join(p[1] for p in pinyins)]
    return " ".join(dict.fromkeys(words))  # de-duplicated, order kept
