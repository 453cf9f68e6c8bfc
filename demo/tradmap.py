"""Simplified to Traditional characters for the demo documents.

A character map covering the characters the forms, names and villages use (made
with OpenCC's s2t table over the generator's vocabulary, then checked by hand: surnames
such as 范 and 于 stay as they are), and a few phrase fixes after the character pass
(批准, 關於, 聯繫, 規範, 臺帳, 紮實, the classifier 隻 after a number).
"""

from __future__ import annotations

import re

_SIMPLIFIED = (
    "万与业东两严丧个为丽么义乔习乡书云产亩亲仅从们众会伟传体余债儿党兰关兴养内册写军"
    "农冯决况准减几凤凯划刘刚别办务动劳区医华协单卖卢卫县参发变台叶号后吕吴员园国处复"
    "头孙学宁宝实审对导将属岗岩岭帅师帮干并广庄庆应庞开异张强当录总悦户报担拟挂损据数"
    "无时晓术机条来杨杰极枣标树样档楼残汇汉汤沟没洁洼涛灾点爱状猪现电疗监盖着码砖确礼"
    "种积稳签类红约级纯纳组织终经结综编缴罗职联胜脱苏荐荣药莲营蒋补见规计认训议记许设"
    "访证评识诊话该误请诺调谢谭负财责账贫贴贵贷费贺贾资赞赵轩转轻边达过还这进远连邓邹"
    "郑采里钟钩钱销镇长门问间阎队阳阴阶陆陈随难静韩项顺顾预领题颜额飞饮马驻验鸡鹏黄龄"
    "龙龚"
)
_TRADITIONAL = (
    "萬與業東兩嚴喪個為麗麼義喬習鄉書雲產畝親僅從們眾會偉傳體餘債兒黨蘭關興養內冊寫軍"
    "農馮決況準減幾鳳凱劃劉剛別辦務動勞區醫華協單賣盧衛縣參發變臺葉號後呂吳員園國處複"
    "頭孫學寧寶實審對導將屬崗巖嶺帥師幫幹並廣莊慶應龐開異張強當錄總悅戶報擔擬掛損據數"
    "無時曉術機條來楊傑極棗標樹樣檔樓殘匯漢湯溝沒潔窪濤災點愛狀豬現電療監蓋著碼磚確禮"
    "種積穩簽類紅約級純納組織終經結綜編繳羅職聯勝脫蘇薦榮藥蓮營蔣補見規計認訓議記許設"
    "訪證評識診話該誤請諾調謝譚負財責賬貧貼貴貸費賀賈資贊趙軒轉輕邊達過還這進遠連鄧鄒"
    "鄭採裡鍾鉤錢銷鎮長門問間閻隊陽陰階陸陳隨難靜韓項順顧預領題顏額飛飲馬駐驗雞鵬黃齡"
    "龍龔"
)
_TABLE = str.maketrans(_SIMPLIFIED, _TRADITIONAL)
_PHRASES = (
    ("批準", "批准"),
    ("關于", "關於"),
    ("已于", "已於"),
    ("位于", "位於"),
    ("對于", "對於"),
    ("由于", "由於"),
    ("聯系", "聯繫"),
    ("規范", "規範"),
    ("示范", "示範"),
    ("臺賬", "臺帳"),
    ("扎實", "紮實"),
)
_CLASSIFIER = re.compile(r"(\d)只")


def to_traditional(text: str) -> str:
    """``text`` in Traditional characters (characters outside the map are kept)."""
    out = text.translate(_TABLE)
    for wrong, right in _PHRASES:
        if wrong in out:
            out = out.replace(wrong, right)
    return _CLASSIFIER.sub(r"\1隻", out)


def coverage() -> str:
    """The Simplified characters the map converts."""
    return _SIMPLIFIED
