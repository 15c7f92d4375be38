"""Search text is read a word at a time (cached); it must equal pypinyin reading each whole name."""

import pytest
from pypinyin import Style, lazy_pinyin

from crm.core.pinyin import search_text


def read_whole(*parts: str) -> str:
    words = []
    for part in parts:
        part = part.strip().lower()
        if part:
            words.append(part)
            if any("\u4e00" <= ch <= "\u9fff" for ch in part):
                words.append("".join(lazy_pinyin(part, errors="ignore")))
                words.append("".join(lazy_pinyin(part, style=Style.FIRST_LETTER, errors="ignore")))
    return " ".join(dict.fromkeys(words))


@pytest.mark.parametrize("name", ["杭州云帆科技有限公司", "重庆长安汽车股份有限公司88", "Acme 中国 Ltd.", "张三",
                                  "绿地集团", "银行行长", "abc", ""])
def test_word_by_word_pinyin_equals_reading_the_whole_name(name):
    assert search_text(name, "057188886666", "a@b.cn") == read_whole(name, "057188886666", "a@b.cn")


def test_names_are_found_by_full_pinyin_and_initials():
    assert search_text("重庆张三") == "重庆张三 chongqingzhangsan cqzs"
