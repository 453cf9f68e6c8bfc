"""Telling Traditional from Simplified Chinese.

`TRADITIONAL_ONLY` holds the ~700 most frequent characters that exist only in the
Traditional script (their Simplified form differs and they are not used in Simplified
text: 國 for 国, 書 for 书, but not 乾 or 著, which Simplified also uses). It was drawn
from OpenCC's TSCharacters table ranked by jieba's Simplified word frequencies.

Measured here: tesseract's chi_sim model answers a Traditional page in Simplified
characters (it read 2 of 406 characters as Traditional), so the text it returns cannot
show that the page was Traditional. What does show it is where the model is unsure. On
a Traditional page the doubt falls on the characters whose Traditional form differs (貧,
讀 in place of 贫, 读), while on a noisy Simplified scan it falls on every character
alike. Over the single-page scans of the demo township (seed 2018; 40 Simplified, 14
Traditional), with CJK words under 0.6 confidence counted as unsure: every Traditional
page had at least 15.8 % of all words and 22.7 % of the variant words unsure; no
Simplified page had both 15 % and 22 % (the highest pair: 17.2 % and 20.6 %), though
Simplified pages reached 31.9 % overall and 29 % on variants alone. Those limits proved
too tight once seals were dropped before reading: two Traditional scans fell to 15.7 % /
13.2 % and 13.5 % / 18.2 %. `suspect_traditional` asks for both at 10 % and 12 %.

Those two alone re-read 12 of the 36 Simplified pages among 40 taken evenly through the
township: ID-card copies, whose printed background leaves every word in doubt, and forms
whose table rules do. What sets a Traditional page apart is what chi_sim reads *surely*:
few of its words with a Traditional form reach 0.9 confidence (29-53 % on all 22
Traditional single-page images of the corpus), where on Simplified pages most do (51-91
%, ID-card copies the lowest). Asking for less than 60 % as well kept every Traditional
page and cut the needless re-reads on those 40 pages from 12 to 4, and the labels of an
ID card (`ID_CARD_LABELS`) the last 4 to none. Missing a Traditional
page costs more than a second reading (page CER 30 % read with chi_sim against 2.5-5.6 %
with chi_tra), so the limit sits well above the highest Traditional page. The pipeline
reads a suspect page again with the Traditional model and keeps that reading only when
it is more confident and really Traditional.
"""

from __future__ import annotations

import functools

from dangan.archive.chinese import t2s_table
from dangan.ingest.ocr.base import OcrResult
from dangan.ingest.ocr.words import is_cjk

TRADITIONAL_ONLY = frozenset(
    "國爲為這箇個來會時齣學説說傢們於後髮發對長過業裡裏經麵麫麪門動進區衕開産產軍還種"
    "現機體錶與當噹兩實麽麼隻關從製內沒將員東頭間無見閤戰點場曏嚮數樣問併並敎萬級應資"
    "務迴繫係氣漢總電聲設義統處馬兒領隊計彆別權話報給變書幾華議稱決張導術朮纔結師達題"
    "條規縣風運組聽佈濟黨論強黃選記眞卻職號類傳帶榦幹農邊據聯廣質陽難歷曆厤專卽認車颱"
    "臺檯遊舉線綫糰團爭衆眾連調轉該剋爾讓較際親單紅價約週亞則屬積圖韆準極裝許蔘參喫觀"
    "魚辦複復遠羣構隨劃勢熱網語鐵斷愛紀況證証編侷滿覺雙樂標確織誌項飛節龍響藥葯輕擊請"
    "離顯羅營視護創餘興佔雖費試寶識維採寀埰宮環鬥鄉査責嚴橋僅勝殺圍蓆態楊負層鬚須續狀"
    "銀範脩緻終錢賽獨衝沖穫獲習醫盡儘臉彈樓藝陸協鎮鎭檢寫蘇甦囌註驗緊勞戶優財養適陳衛"
    "唸雲傷絶絕階劉剛億聞審壓陞昇監敵蘭溫園樹徵詞島預繼執誰驚覈畵畫輯劍談禮願築亂講臨"
    "旣揮闆鬍衚歐葉擔歲嵗荊貴孃轄幫塊額錯劇歡夠孫陣銷堅練腳讀測吳寧換異顧麴麯硃順鮮敗"
    "貨礦歸買險評嗎廠遺筆輸鬆漸頂訓録錄彔畢豐獻爺納鐘鍾鈡腦飯闇擴齊趕訴詩礎屆矇濛懞靜"
    "盤賣灣減祕靈雜澤側慶媽館舘補綵舊輪婦載懷軟槍牆墻惡噁穀頓穩痠諸緑綠彿榮鍼針託寬摺"
    "庫罷謝鉅頁睏擁聖戲旂獎奬巖幣圓燒討菸煙誤療閉脫鞦尋俬崗捲麗橫駐紙奪燈壞絲徑陰牀擇"
    "憲峯魯廟艦禦課奧虛隱糧絡搖潛莊廳趙訪韋噸揚縱紛貿滙彙匯儀緩蓋蹟跡釋潤嶺蒐慮鋼碼罎"
    "罈壜壇墰樑纍錛損稅綜倫掛韓競烏鋪脈純盃謀劑倖謂頻壯騎鷄雞蟲紹銅汎氾襬擺慾籤簽縮廢"
    "訂鹽薩貼觸翫蓮搶鬧紡訊譽夢峽殘閃賊傾貧麥諾淚輩鏡貢緣貝駡罵醣嶽飲奮鵰琱彫躍贊讚啟"
    "啓閣勁晉鋒溝膽憑闖湯遷歎嘆儲貫徹鳳遼賞詢譭燬毀淨凈棄畝鼕屍偉覽齡繞濃緒藍捨蕩盪閱"
    "鴻慣癥鳥紮辭窮鍵遞隸厲閒閑襲災漲濕溼鄭"
)

MIN_SHARE = 0.10
"""Share of CJK characters that are Traditional-only for a text to be Traditional
(real Traditional text: about 0.35 with this set; Simplified: 0)."""
MIN_COUNT = 3
LOW_CONFIDENCE = 0.6
LOW_SHARE = 0.10
"""A chi_sim reading is suspect with at least this share of its CJK words unsure..."""
LOW_VARIANT_SHARE = 0.12
"""...and at least this share of its words holding a character with a Traditional form."""
MIN_WORDS = 20
SURE_CONFIDENCE = 0.9
MAX_SURE_VARIANT_SHARE = 0.6
"""...and fewer than this share of the words with a Traditional form read with at least
SURE_CONFIDENCE (see the module doc)."""
ID_CARD_LABELS = ("公民身份号码", "居民身份证", "签发机关")
"""Printed on every resident ID card, which is issued in Simplified characters only. A
reading that holds one is of an ID-card copy, whose printed background leaves its words
in doubt; it is not read again. The 4 needless re-reads left on the 40 township pages
were all such copies (their sure share 51-58 %, too near the Traditional pages' 53 %)."""


@functools.cache
def _has_traditional_form() -> frozenset[str]:
    """Simplified characters whose Traditional form is a different character."""
    return frozenset(chr(simple) for trad, simple in t2s_table().items() if trad != simple)


def traditional_share(text: str) -> float:
    """Share of the CJK characters of `text` that exist only in Traditional form."""
    cjk = [ch for ch in text if is_cjk(ch)]
    if not cjk:
        return 0.0
    return sum(1 for ch in cjk if ch in TRADITIONAL_ONLY) / len(cjk)


def looks_traditional(text: str) -> bool:
    """True when `text` is written in Traditional characters."""
    cjk = [ch for ch in text if is_cjk(ch)]
    count = sum(1 for ch in cjk if ch in TRADITIONAL_ONLY)
    return count >= min(MIN_COUNT, max(1, len(cjk) // 4)) and count >= MIN_SHARE * len(cjk)


def _unsure(confidences: list[float]) -> float:
    return sum(1 for c in confidences if c < LOW_CONFIDENCE) / max(1, len(confidences))


def suspect_traditional(result: OcrResult) -> bool:
    """Whether a Simplified-model reading may be of a Traditional page (see the module doc)."""
    if looks_traditional(result.text):
        return True
    if any(label in result.text for label in ID_CARD_LABELS):
        return False
    words = result.cjk_words
    if len(words) < MIN_WORDS:
        return False
    variants = _has_traditional_form()
    variant_confs = [c for w, c in words if any(ch in variants for ch in w)]
    sure = sum(1 for c in variant_confs if c >= SURE_CONFIDENCE) / max(1, len(variant_confs))
    return (
        _unsure([c for _, c in words]) >= LOW_SHARE
        and _unsure(variant_confs) >= LOW_VARIANT_SHARE
        and sure < MAX_SURE_VARIANT_SHARE
    )
