"""Search text for Chinese names: the name itself, its full pinyin and its initials (张三 → zhangsan, zs).

Words are read by pypinyin's phrase dictionary (重庆 chongqing, 银行 yinhang, 音乐 yinyue), not character by
character. A person's name is read as a surname and a given name: the surname takes its reading *as a surname*,
which for the polyphonic ones differs from the everyday reading pypinyin gives (曾 zeng, not ceng; 单 shan, not
dan; 尉迟 yuchi; 乐正 yuezheng). pypinyin has no surname mode, so the surname readings are the table below: every
polyphonic single surname of the common lists and the compound surnames (a compound is recognised first, so
单于 is chanyu and not shan + yu).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import lazy_pinyin
from pypinyin.seg import mmseg

_HANZI_RUN = re.compile(r"[\u4e00-\u9fff]+")

# Compound surnames (复姓), with their readings as surnames, syllable by syllable.
COMPOUND_SURNAMES: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"), "单于": ("chan", "yu"), "万俟": ("mo", "qi"), "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"), "令狐": ("ling", "hu"), "乐正": ("yue", "zheng"), "亓官": ("qi", "guan"),
    "子车": ("zi", "ju"), "仲长": ("zhong", "chang"), "鲜于": ("xian", "yu"), "闾丘": ("lv", "qiu"),
    "宰父": ("zai", "fu"), "仉督": ("zhang", "du"), "钟离": ("zhong", "li"), "夏侯": ("xia", "hou"),
    "欧阳": ("ou", "yang"), "司马": ("si", "ma"), "上官": ("shang", "guan"), "诸葛": ("zhu", "ge"),
    "皇甫": ("huang", "fu"), "宇文": ("yu", "wen"), "慕容": ("mu", "rong"), "公孙": ("gong", "sun"),
    "东方": ("dong", "fang"), "呼延": ("hu", "yan"), "淳于": ("chun", "yu"), "端木": ("duan", "mu"),
    "百里": ("bai", "li"), "南宫": ("nan", "gong"), "西门": ("xi", "men"), "拓跋": ("tuo", "ba"),
    "轩辕": ("xuan", "yuan"), "赫连": ("he", "lian"), "独孤": ("du", "gu"), "申屠": ("shen", "tu"),
    "公羊": ("gong", "yang"), "司徒": ("si", "tu"), "司空": ("si", "kong"), "濮阳": ("pu", "yang"),
    "太史": ("tai", "shi"), "闻人": ("wen", "ren"), "第五": ("di", "wu"), "仲孙": ("zhong", "sun"),
    "司寇": ("si", "kou"), "公冶": ("gong", "ye"), "宗政": ("zong", "zheng"), "太叔": ("tai", "shu"),
    "颛孙": ("zhuan", "sun"), "巫马": ("wu", "ma"), "公西": ("gong", "xi"), "漆雕": ("qi", "diao"),
    "壤驷": ("rang", "si"), "公良": ("gong", "liang"), "夹谷": ("jia", "gu"), "谷梁": ("gu", "liang"),
    "段干": ("duan", "gan"), "梁丘": ("liang", "qiu"), "左丘": ("zuo", "qiu"), "东郭": ("dong", "guo"),
    "羊舌": ("yang", "she"), "微生": ("wei", "sheng"), "即墨": ("ji", "mo"), "呼衍": ("hu", "yan"),
}

# Single surnames whose reading as a surname is not (always) the everyday reading.
SURNAMES: dict[str, str] = {
    "曾": "zeng", "单": "shan", "仇": "qiu", "解": "xie", "区": "ou", "查": "zha", "朴": "piao", "盖": "ge",
    "缪": "miao", "翟": "zhai", "员": "yun", "繁": "po", "秘": "bi", "种": "chong", "黑": "he", "乐": "yue",
    "覃": "qin", "召": "shao", "折": "she", "尉": "wei", "句": "gou", "隗": "wei", "能": "nai", "祭": "zhai",
    "宓": "fu", "阚": "kan", "藏": "zang", "褚": "chu", "莘": "shen", "蕃": "pi", "瞿": "qu", "厍": "she",
    "牟": "mou", "车": "che", "沈": "shen", "那": "na", "贲": "ben", "费": "fei", "华": "hua", "任": "ren",
    "纪": "ji", "过": "guo", "重": "chong", "占": "zhan", "长": "chang", "朝": "chao", "叶": "ye", "万": "wan",
    "薄": "bo", "柏": "bai", "蔚": "yu", "粘": "nian", "谌": "chen", "洗": "xian", "令": "ling", "卜": "bu",
    "都": "du", "和": "he", "贾": "jia", "曲": "qu", "石": "shi", "陆": "lu", "角": "jue", "亓": "qi",
    "郇": "huan", "汤": "tang", "冯": "feng", "燕": "yan", "雍": "yong", "应": "ying", "相": "xiang",
    "强": "qiang", "居": "ju",
}


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


def surname_of(name: str) -> tuple[str, tuple[str, ...]]:
    """The surname a Chinese person's name starts with and its reading as a surname: ``("", ())`` when the name
    does not start with one whose reading the table knows (pypinyin then reads it)."""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2], COMPOUND_SURNAMES[name[:2]]
    if name[:1] in SURNAMES:
        return name[:1], (SURNAMES[name[:1]],)
    return "", ()


@lru_cache(maxsize=100_000)
def person_name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a person's name: the surname as a surname, the given name by the phrase
    dictionary (曾国藩 → zengguofan, zgf; 尉迟恭 → yuchigong, ycg)."""
    surname, reading = surname_of(name)
    if not surname:
        return _pinyin_of_run(name)
    rest = _pinyin_of_run(name[len(surname):]) if len(name) > len(surname) else ("", "")
    return "".join(reading) + rest[0], "".join(s[:1] for s in reading) + rest[1]


def search_text(*parts: str, person: bool = False) -> str:
    """Lower-case text to match a query against: each part, plus pinyin forms of the ones with Chinese.
    ``person``: the first part is a person's name (a contact, an individual customer), read surname first."""
    words: list[str] = []
    for position, part in enumerate(parts):
        part = (part or "").strip().lower()
        if not part:
            continue
        words.append(part)
        if runs := _HANZI_RUN.findall(part):
            if person and position == 0 and part.startswith(runs[0]):
                pinyins = [person_name_pinyin(runs[0])] + [_pinyin_of_run(run) for run in runs[1:]]
            else:
                pinyins = [_pinyin_of_run(run) for run in runs]
            words += ["".join(p[0] for p in pinyins), "".join(p[1] for p in pinyins)]
    return " ".join(dict.fromkeys(words))  # de-duplicated, order kept
