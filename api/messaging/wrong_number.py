"""Whoever has a person's number says it is not theirs ("wrong number", "I don't know this person", "I just
got this number"): recognised by the gateway before the bot sees the message.

Numbers are recycled, so a reminder may reach a stranger, who writes back. The effect of a match is small
and reversible (api.people.number_dispute: nothing about the person goes to the number until staff check);
a miss sends the previous holder's appointments to a stranger. So the patterns aim wide, and exclude the
person's own everyday talk about numbers ("I called the wrong number", "I gave DUO a wrong number").

Patterns run on `keywords.normalise`d text: case, Latin accents and Arabic-script letter variants folded
(write "yanlis", "ليس", "ي" for Persian "ی"). Per language, so a reviewer who reads the language checks its
own lines; a message is checked against every language (people mix them). No native speaker has reviewed
the lines for ar, ti, fa, fa_AF, ps, so, ku.
"""

from __future__ import annotations

import re

from api.messaging.keywords import fold_letters, normalise
from api.safety import not_their_number as learned

_NOT_LIKE = r"(?:not|n'?t)"
_DONT = r"(?:do not|don'?t|dont|do'nt|doesn'?t|does not|dnt)"

PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\bwrong (?:number|numbr|numer|nummer|no|nr|person|persn|phone|guy|contact|man|woman|"
        r"lady)\b(?! plate)",
        r"\b(?:you have|you'?ve got|you got|u have|u got|you are texting|you're texting) the wrong\b",
        rf"\b(?:this|that|it)(?:'s| is| was) {_NOT_LIKE} (?:his|her|their|him|the) (?:number|phone|no)\b",
        r"\b(?:not|no longer) (?:his|her|their) (?:number|phone)\b",
        rf"\b(?:he|she|they) {_DONT} (?:have|use|own) this (?:number|phone)\b",
        r"\b(?:just|recently|only) (?:got|bought|received|took over) (?:this|the|a new) (?:number|sim)\b",
        r"\bgot this (?:number|sim) (?:last|a few|two|three|recently|only|from)\b",
        r"\b(?:new|previous|old|last|former) (?:owner|user|holder) of (?:this|the) (?:number|phone|sim)\b",
        r"\bthe (?:previous|former|last|old) (?:owner|user|holder)\b",
        rf"\bi {_DONT} know (?:this|that|any|the|a|your) (?:person|man|woman|lady|guy|klantmanager|"
        r"case ?manager|name|people)\b",
        rf"\bi {_DONT} know (?:who|whom) (?:this|that|you|he|she) (?:is|are|mean|means)\b",
        r"\bno ?(?:one|body) (?:here |lives here )?(?:by that name|named|with (?:that|this) name)\b",
        r"\bno ?(?:one|body) (?:here |lives here )?called (?!me|us|back|him|her|my|you|them|our)\w+",
        r"\bi(?:'?m| am) not (?:the person|the one|who you think|who you are|that person|your client|"
        r"him|her)\b",
        r"\bthis (?:phone )?(?:number|line|sim)(?: card)?(?: is|'s)? (?:not|no longer|isn'?t) [^.!?\n]{0,30}"
        r"\b(?:any ?more|any longer)\b",
        r"\bthis (?:phone )?(?:number|line)(?: is|'s)? (?:not|no longer|isn'?t) (?:from |"
        r"of )?\w+(?: \w+)?'s?\b"
        r"(?! (?:working|reachable|correct|right|valid|active))",
        r"\b(?:this|that|it)(?:'s not| is not| isn'?t| was not| wasn'?t) (?:the number of|"
        r"\w+(?: \w+)?'s (?:number|phone))\b",
        r"\bmy number now,? not\b",
        r"\b(?:i|we) (?:just |recently )?(?:got|bought|took|received) (?:this|the) (?:sim|number|line|"
        r"phone number)\b",
        r"\bi have (?:his|her|their) (?:phone )?(?:number|line|sim)\b",
        r"\b(?:was|used to be) (?:my |his |her )?(?:\w+ ){0,2}\w+'s (?:number|line|phone)\b",
        r"\bthis (?:phone number|phone|number|line|sim)(?: card)? (?:was|used to be) (?:the |my |his |"
        r"her |a )?"
        r"(?:[\w-]+ ){0,4}?(?:\w+'s|phone|number|line)\b",
        r"\bbelonged to (?:someone|somebody) else\b",
        r"\bhad this (?:number|phone|sim|line) before me\b",
        r"\bgave me this (?:number|sim|phone number|line)\b",
        r"\byou (?:must |probably |might )?(?:mean|are looking for|want|are after) (?:someone|somebody|"
        r"the person|the "
        r"previous|the last|the former)\b",
    ),
    "nl": (
        r"\bverkeerde? (?:telefoon)?(?:nummer|persoon|nr)\b",
        r"\b(?:u|je|jij|jullie) (?:hebt|heeft|hebben|heb) (?:de|het|een) verkeerde?\b",
        r"\b(?:dit|het|dat) is (?:niet|geen) (?:meer )?(?:het )?(?:telefoon)?nummer van\b",
        r"\bniet (?:meer )?(?:zijn|haar|hun) (?:telefoon)?(?:nummer|telefoon)\b",
        r"\bik ken (?:deze|die|dit|geen|die|dat) (?:persoon|meneer|mevrouw|man|vrouw|klantmanager|"
        r"mensen|naam)\b",
        r"\bik ken (?:helemaal )?niemand (?:die|met|van|met de naam)\b",
        r"\b(?:nieuwe|vorige|oude) (?:eigenaar|gebruiker|houder)\b",
        r"\b(?:heb|had) (?:dit|het|deze) (?:nummer|simkaart|sim) (?:pas|net|sinds kort|nog maar|nieuw)\b",
        r"\bik ben (?:niet|geen) (?:de persoon|degene|die persoon|meneer|mevrouw|uw klant|jullie klant|"
        r"hem|haar)\b",
        r"\b(?:dit|het) (?:telefoon)?nummer is (?:niet|nooit) (?:meer )?van\b",
        r"\bniet meer het (?:telefoon)?nummer van\b",
        r"\b(?:deze|dit) (?:simkaart|sim|nummer|telefoonnummer) (?:\w+ ){0,3}(?:gekocht|gekregen|"
        r"overgenomen)\b",
        r"\bheb (?:dit|deze) (?:nummer|simkaart|sim) sinds\b",
        r"\b(?:dit|het) (?:telefoon)?nummer is (?:sinds \S+ |nu |al \S+ (?:\S+ )?)?van mij\b",
        r"\bniemand (?:met de naam|genaamd|die zo heet|die \S+ heet)\b",
        r"\bwas (?:eerst |vroeger |eerder )?van (?:iemand anders|een ander)\b",
        r"\b(?:u|je|jullie) (?:zoekt|zoeken|bedoelt|bedoelen) (?:iemand anders|de vorige|een ander)\b",
    ),
    "ar": (
        r"(?:الرقم|رقم|النمره|نمره|نمرة) (?:غلط|غلظ|خطا|خاطئ|خاطي|مش صح|مو صح|غير صحيح)",
        r"(?:غلطان|غلطانين|غلطتو|غلطتم|غلطتوا|مغلطين) ?(?:ب|في |فى )?(?:الرقم|رقم|بالرقم)",
        r"(?:هذا|هاد|هادا|هذه|هيدا|هاذا) (?:الرقم|رقم) (?:مو|مش|ليس|ما هو|ماهو|مب|موب|مهوش|موش)",
        r"(?:مو|مش|ليس|ما هو|ماهو) (?:رقمه|رقمها|رقمهم|رقم هذا الشخص|رقم هالشخص)",
        r"(?:لا|ما|مش|مو) ?(?:اعرف|بعرف|نعرف|اعرفش|بعرفش|اعرفه|اعرفها) (?:هذا |هذه |هاد |هاي |هيدا )?"
        r"(?:الشخص|الاسم|الرجل|المراه|الست|الزلمه|الانسان|اي حد|حدا|احد|هالشخص|هالاسم|هالزلمه)",
        r"(?:صاحب|مالك) (?:الرقم|هذا الرقم|الخط) (?:السابق|القديم|الاول|اللي قبلي|الي قبلي)",
        r"\bra(?:2|q|k|kk|')?a?m (?:ghalat|8alat|3'alat|ghlt|khata|5ata|5a6a|ghalet|galat|ghalad)\b",
        r"\b(?:ghalat|ghaltan|ghaltanin|8altan) (?:fi|bil|bel|bl|b) ?(?:ra2m|raqam|rakam|ra2am)\b",
        r"\b(?:ma|mish|msh|mo|mu) ?(?:ba3rif|b3rf|a3rf|ba3raf|a3ref|a3rif|b3ref|na3rif) (?:hal|hatha|"
        r"hada|haida|hay)?"
        r" ?(?:shakhs|sha5s|isim|esm|ism|7ad|had|zalame)\b",
        r"(?:الرقم|هالرقم|الخط|الشريحه)[^.!?\n،]{0,15}(?:ما عاد|ماعاد|مو|مش|ليس|ما بقى|مابقى|لم يعد) ?"
        r"(?:ل|حق|تبع|رقم|الو|الى|يخص)",
        r"(?:الشريحه|الخط|الرقم|هالرقم|هالشريحه|هالخط)[^.!?\n]{0,20}(?:صارت معي|صار معي|صار لي|صارت لي|"
        r"صار الي|صار إلي)",
        r"(?:اشتريت|اخدت|اخذت|شريت) (?:هالشريحه|هالخط|هالرقم|الشريحه|الخط|هاد الخط|هذا الخط|هذه الشريحه|"
        r"هاي الشريحه|هذا الرقم|هاد الرقم)",
        r"\b(?:had|hadi) (?:nmra|nemra|ra9m|raqm)\b[^.!?\n]{0,20}(?:mab9atch|mabqatch|mashi|machi) dyal\b",
        r"(?:ما في|مافي|ما فيه|لا يوجد|ما كو|ماكو|مفيش) (?:حدا|احد|حد|شخص|واحد) (?:اسمه|اسمها|باسم|بإسم|"
        r"بهالاسم)",
        r"(?:كان|كانت) (?:ل|لـ)?(?:حدا|احد|شخص|حد|واحد) (?:قبلي|تاني|ثاني|غيري)",
        r"(?:ما|مش|لا) ?(?:بعرف|اعرف|نعرف) (?:مين|من) (?:هو|هي|هاد|هذا|هذي)\b",
        r"\b(?:ma|mish|msh) ?(?:ba3ref|ba3rif|b3rf|a3rf|ba3raf|a3ref) (?:mien|meen|min|mn) (?:howe|huwe|"
        r"hu|hiye|hye)\b",
        r"\b(?:ra2em|ra2m|raqam|rakam|ra9m)\b[^.!?\n]{0,10}\bsar (?:ele|eli|li|ili|ma3i)\b",
        r"(?:الرقم|هالرقم|الخط|هالخط)[^.!?\n]{0,15}(?:اعطوني|عطوني|اعطاني|عطاني)",
    ),
    "ti": (
        r"(?:ግጉይ|ጌጋ|ዝተጋገየ|ግጉዪ) (?:ቁጽሪ|ቑጽሪ|ቁፅሪ|ሰብ|ቁጽሪ ስልኪ)",
        r"(?:ቁጽሪ|ቑጽሪ|ቁፅሪ) (?:ተጋጊኹም|ተጋጊኹማ|ጌጋ|ግጉይ|ተጋግዩ)",
        r"(?:ነዚ|እዚ|ነቲ|እቲ|ነዛ|እዛ) (?:ሰብ|ሽም|ሰብኣይ|ሰበይቲ|ጓል)\s?(?:ኣይፈልጦን|ኣይፈልጦ|ኣይፈልጣን|ኣይፈልጣ)",
        r"\b(?:giguy|gguy|geg|gega|gigui) (?:qutsri|kutsri|ktsri|qutri|qutsri silki|number|nomro|numero)\b",
        r"\b(?:qutsri|kutsri|ktsri|number) (?:gega|giguy|tegagikum|tegagiyu)\b",
        r"(?:እዚ|እዛ|ኢዚ) (?:ቁጽሪ|ቑጽሪ|ቁፅሪ|ሲም)[^.!?\n።፡]{0,15}ናይ\S* \S+(?: \S+){0,2} (?:ኣይኮነን|ኣይኮነትን|ኣይኮነ)",
        r"\bezi (?:number|qutsri|kutsri)\b[^.!?\n]{0,20}\bnay \w+ aykonen\b",
        r"(?:እዚ|እዛ|ኢዚ) (?:ቁጽሪ|ቑጽሪ|ቁፅሪ|ሲም)[^.!?\n።፡]{0,15}ናይ [^.!?\n።፡]{1,25}ነይሩ",
        r"\bezi (?:number|qutsri|kutsri)\b[^.!?\n]{0,20}\bnay \w+ (?:neyru|neiru|nayru)\b",
        r"ኣነ (?:እቲ|እታ|ንሱ|ንሳ) (?:ሰብ )?ኣይኮንኩን",
        r"ዝበሃል (?:ሰብ )?(?:የለን|የለ|የሎን)",
        r"ቅድመይ ዝነበረ",
        r"(?:ዋና|ወናኒ) ናይ(?:ዚ)? ቁጽሪ",
    ),
    "fa": (
        r"(?:شماره|شمارە|نمبر|نمره)(?: رو| را| ره)? (?:اشتباه|غلط|اشتباهي|اشتباح)",
        r"اشتباه (?:گرفتيد|گرفتين|گرفتي|گرفته ايد|گرفتن|گرفتند|زديد|زدين|زدي)",
        r"(?:شماره|نمبر|خط)[^.!?\n]{0,25}(?:مال|متعلق به|از) (?:ايشون|ايشان|او|اون|آن|اين شخص|آن شخص|"
        r"اون شخص|اين آدم) (?:نيست|نيس)",
        r"(?:اين|اون|آن|همچين|چنين) (?:شخص|آدم|فرد|خانم|آقا|اسم|كسي|کسي)(?: را| رو| ره)? ?(?:نميشناسم|"
        r"نمشناسم|نمي شناسم|نميشناصم)",
        r"(?:صاحب|مالک|مالك) (?:قبلي|سابق|قبلي اين) ?(?:اين )?(?:شماره|سيم|سيمکارت|سيم کارت|خط)?",
        r"(?:سيم ?کارت|سيمکارت|شماره|خط)(?: رو| را)? (?:تازه|جديد|به تازگي|تازگي) (?:گرفتم|خريدم|گرفتيم|"
        r"خريديم)",
        r"\b(?:shomare|shomareh|shomara|nambar|nomra|nomre|shmare)(?: ro| ra| ra)? (?:eshtebah|"
        r"eshtebahe|eshtebaah|ghalat|eshtba)\b",
        r"\beshtebah (?:gereftid|gereftin|gerefti|zadid|zadin|grftin|grftid)\b",
        r"\b(?:in|on|oon|un|hamchin) (?:shakhs|adam|khanom|agha|esm|kasi|fard)(?: ro|"
        r" ra)? ?(?:nemishenasam|nemishnasam|nmishnasm|nemishenasim|nemshnasam)\b",
        r"(?:شماره|نمبر|خط|سيم ?کارت)[^.!?\n،]{0,10} (?:ديگه|ديگر|دگه) (?:مال|از|متعلق به) (?!من |"
        r"مه )[^.!?\n،]{1,25} "
        r"(?:نيست|نيس)",
        r"(?:من|مه) (?:تازه|به تازگي) (?:اين|اي) (?:خط|شماره|نمبر|سيم ?کارت)(?:و| رو| را| ره)? (?:گرفتم|"
        r"خريدم)",
        r"\b(?:in|ay|ai|i|ee|een|ey|ei) (?:shomare|shomara|shumara|nambar|number|nomra|numra|"
        r"khat)\b[^.!?\n]{0,15}\b(?:dige|digar|dega|dege) "
        r"(?:male|mal|az)\b[^.!?\n]{1,25}\b(?:nist|nest|nis)\b",
        r"(?:من|مه) (?:اون|او|آن) (?:کسي|كسي|شخصي|آدمي|کس|كس)[^.!?\n]{0,25}نيستم",
        r"(?:کسي|كسي|کس) (?:به|با) (?:اسم|نام)",
        r"(?:مال|از) (?:کس|كس|کسي|كسي|شخص) (?:ديگه|ديگر|دگه|ديگري|دگر)",
        r"(?:اين|اي) (?:شماره|خط|نمبر)(?: رو| را| ره)?[^.!?\n]{0,20}(?:بهم|به من|برم|بمه) (?:داده|دادن|"
        r"دادند)",
        r"\b(?:shomare|shomara|nambar|number|nomra|khat)\b(?: ro| ra| re)? (?:tazeh?|taza|tazza|jadid|"
        r"naw|nau) "
        r"(?:gereftam|greftom|gereftom|greftam|kharidam|kharidom)\b",
        r"\b\w+ (?:ro|ra|re) (?:nemishenasam|namishnasom|nameshnasom|nemishnasam|namishnasam|nemishnasom)\b",
    ),
    "fa_AF": (
        r"(?:نمبر|شماره) (?:غلط|اشتباه)",
        r"(?:اي|اين|او) (?:آدم|شخص|نفر|اسم|کس|كس)(?: ره| را| رو)? (?:نميشناسم|نمي شناسم|نمشناسم)",
        r"\b(?:nambar|number|nomber|shmara|shomara)(?: ra| ro| re)? (?:ghalat|eshtebah|ghalt|eshtibah)\b",
        r"\b(?:ay|i|in|o|amu) (?:adam|shakhs|nafar|esm|kas)(?: ra| re| ro)? (?:nameshnasam|nemishnasam|"
        r"namishnasam)\b",
        r"\b(?:in|ay|ee|i|een|ey) (?:sim-?kart|simkaart|sim|nambar|number|nomra|shumara|"
        r"shomara)\b[^.!?\n]{0,30}"
        r"\b(?:az|mal) [^.!?\n]{1,30}\bbud\b",
        r"\bkasi (?:ast |as )?ke (?:ma|man) (?:nameshnasum|nameshnasam|nemishnasam|nemishenasam|"
        r"nameshnasom)\b",
        r"(?:اي|اين) (?:نمبر|شماره) (?:حالي |حالا |ديگه |دگه )?(?:از|مال) (?!مه |"
        r"من )\S+(?: \S+)? (?:نيست|نيس)",
    ),
    "tr": (
        r"\byanlis (?:numara|numaraya|numarayi|numaradan|no|kisi|kisiye|kisiyi|kisiler|kisinin)\b",
        r"\bnumara(?:niz|nız|n)? yanlis\b",
        r"\bbu (?:numara|hat)(?: artik)?(?: onun| ona ait| o kisinin| bu kisinin| o sahsin| benim degil|)"
        r" ?(?:degil|degildir)\b",
        r"\b(?:bu|o|boyle|oyle|o isimde|bu isimde) (?:kisiyi|kisi|adami|kadini|birini|biri|sahsi|ismi|"
        r"hanimi|beyi)"
        r" (?:tanimiyorum|tanimiyoruz|yok|bilmiyorum)\b",
        r"\b(?:numarayi|bu numarayi|hatti|bu hatti|sim karti|simkarti|simi) (?:yeni|gecenlerde|"
        r"gecen hafta|daha yeni|"
        r"kisa sure once) (?:aldim|aldik|almistim)\b",
        r"\b(?:onceki|eski|bir onceki) (?:sahib|kullanici)\w*",
        r"\bbu (?:numara|hat)\b[^.!?\n]{0,10}\bartik \S+(?: \S+){0,2} degil\b",
        r"\b(?:hatti|bu hatti|numarayi|sim karti|simkarti) ben aldim\b",
        r"\bbu (?:numara|hat) (?:eskiden|once|daha once)\b",
        r"\b(?:aradiginiz|o|bahsettiginiz) kisi ben degilim\b",
        r"\bben (?:o kisi|aradiginiz kisi|o sahis) degilim\b",
        r"\bdiye (?:biri|birisi|kimse)(?: burada)? yok\b",
        r"\bbu (?:numara|hat) (?!benim\b|dogru\b|yanlis\b|aktif\b|gecerli\b|"
        r"calisir\b)\S+(?: \S+)? (?:ait )?degil\b",
    ),
    "so": (
        r"\b(?:lambar|lamber|lambarka|lambarkan|lambarkaan|nambar|nambarka|nambarkan|numbar|numbarka|"
        r"numbarkan|"
        r"number|"
        r"telefoonka)(?: waa| waa mid| ayaa)? (?:khaldan|qaldan|khalad|qalad|khaldanyahay|qaldanyahay|"
        r"khaldantahay)\b",
        r"\b(?:qof|qofka|qofkii)(?: waa)? (?:khaldan|qaldan|khalad|qalad)\b",
        r"\b(?:ma|maan|ma aan|anigu ma|aniga ma) (?:aqaan|aqaano|aqaanno|garanayo|garanaayo|aqoon) "
        r"(?:qofkan|qofkaas|qof|magacan|magacaas|ninkan|naagtan|cidaas|qofkaa|ninkaas|naagtaas)\b",
        r"\b(?:lambar|nambar|numbar|number)(?:kan|kaan|ka)? (?:ma aha|maaha|ma ahan|maahan|"
        r"ma ahan) (?:kiisa|keeda|kooda|kan)\b",
        r"\b(?:milkiilihii|qofkii) (?:hore|horay) (?:ee|u lahaa)? ?(?:lambarka|nambarka|numbarka)?\b",
        r"\b(?:lambar|nambar|numbar|number)\w* (?:ma aha|maaha|ma ahan|maahan|aan ahayn) (?:kii|tii|kan|"
        r"ta) \S+",
        r"\b(?:lambar|nambar|numbar|number)\w*(?: hadda)? (?:ma aha|maaha|ma ahan|maahan) (?:kii |tii |"
        r"kan |mid )?\S+",
        r"\b(?:lambar|nambar|numbar|number)\w* hadda \S+(?: \S+)? (?:ma aha|maaha|ma ahan|maahan)\b",
        r"\b(?:lambar|nambar|numbar|number)\w* [^.!?\n]{0,25}\bahaan jiray\b",
        r"\b(?:anigu|aniga|ani) ma ihi qof(?:ka|kaas|kan)?\b",
        r"\bqof(?:ka|kaas|kan) ma ihi\b",
        r"\bqof la (?:yiraahdo|yidhaahdo|dhaho|yiraahdaa)\b",
        r"\b(?:lambar|nambar|numbar)\w*[^.!?\n]{0,40}\bqof kale\b",
    ),
    "ps": (
        r"(?:نمبر|شمېره|شميره|شماره|لمبر) (?:غلط|ناسم|اشتباه)",
        r"(?:غلط|غلطه|ناسم|ناسمه) (?:نمبر|شمېره|شميره|لمبر)",
        r"(?:دا|دغه|هغه) (?:سړی|سړي|شخص|نوم|ښځه|سړى)(?: زه)? نه (?:پېژنم|پيژنم|پېژنو|پيژنو)",
        r"(?:دا|دغه) (?:نمبر|شمېره|شميره) (?:د هغه|د هغې|د هغي|د دې|د ده|د دغه) نه (?:دی|ده|دى)",
        r"\b(?:number|nambar|numra|lambar)(?: ye| dy| de)? (?:ghalat|naasam|nasam|ghalt)\b",
        r"\b(?:ghalat|ghalt|naasam|nasam) (?:number|nambar|numra|lambar)\b",
        r"\b(?:da|dagha) (?:saray|sari|shakhs|noom|num|khaza)(?: za)? na (?:pezhanam|pejanam|pezhnam|"
        r"pijanam|pezhnum)\b",
        r"(?:دا|دغه) (?:نمبر|شمېره|شميره|شماره|سيم)[^.!?\n]{0,10} د [^.!?\n]{1,25} (?:نه دي|نه ده|ندي|نده)",
        r"\bda (?:number|nambar|shmera|numra)\b[^.!?\n]{0,10}\b(?:nor )?(?:da|de|d) \w+(?: \w+)? "
        r"(?:nadey|nade|na dey|na da|na de)\b",
        r"(?:دا|دغه) (?:نمبر|شمېره|شميره|شماره) پخوا",
        r"زه (?:هغه|هغې|دا) (?:څوک|سړي|سړى|شخص)? ?نه (?:يم)",
        r"\bza (?:hagha|haghe|da) (?:saray|sari|shakhs|tsok)? ?na yam\b",
        r"په نوم (?:نشته|څوک نشته|هيڅوک نشته)",
        r"(?:شمېره|نمبر|شميره|شماره)[^.!?\n]{0,30}د بل (?:چا|کس|سړي)",
        r"پخواني (?:خاوند|مالک|څښتن)",
        r"\b(?:da )?(?:number|nambar|shmera|numra) (?:ma |me )?(?:taza|tazza|nawe|naway|nawi) "
        r"(?:akhistay|akhistai|akhisty|wakhist)\b",
        r"\b\w+ na (?:pezhanam|pejanam|pezhnam|pijanam|pezhnum)\b",
    ),
    "ku": (
        r"\b(?:hejmar|hejmara|jimar|jimara|jimare|jimareya|numre|numreya|numra|numara|nimre|nimra|hijmar)"
        r"(?: te| we| ve)? (?:xelet|sas|cewt|xeleti|sase|xelete)\b",
        r"\b(?:xelet|sas|cewt) (?:hejmar|jimar|jimare|numre|numara|nimre|kes|kese|kesi)\b",
        r"\b(?:vi|ve|wi|we|wan|van|ew|ev) (?:kesi|kese|kes|mirovi|merivi|zilami|jine|jinike|navi|nave|"
        r"nav|hejmare|hejmari|jimare) "
        r"(?:nas ?nakim|nas nakin|nas nakem|nas nakim|naskim nakim)\b",
        r"\b(?:ev|ew) (?:hejmar|jimar|jimare|numre|numara|nimre)(?:a|e)? (?:ne ya|ne ye|ne a|"
        r"ne e) (?:wi|we|wan)\b",
        r"(?:ژماره|ژمارە|ژمارەی|ژمارەکە|ژمارەکەت)(?: \S+)? (?:هەڵە|هەله|هەڵەیە|هەلەیە|هەڵەیه)",
        r"\b(?:ev|ew) (?:hejmar|jimar|jimare|numre|xet)\b[^.!?\n]{0,10}\b(?:edi|"
        r"idi) ya (?!min\b)\S+(?: \S+)? nine\b",
        r"\bmin (?:ev xet|ev hejmar|ev jimar)[^.!?\n]{0,15}\b(?:girt|girtiye|kiri|kiriye)\b",
        r"\bniha ev (?:xet|hejmar|jimar) ya min e\b",
        r"\b(?:ev|ew) (?:hejmar|jimar|jimare|numre|"
        r"xet)\b[^.!?\n]{0,10}\b(?:edi )?ne ya (?!min\b)\S+(?: \S+)? y?e\b",
        r"\bez ne ew kes(?:i|e)? (?:im|me)\b",
        r"\bbi nave \S+(?: \S+)? (?:tune|tuneye|nine)\b",
        r"\bya kesek(?:i|e) din\b",
        r"\bxwediye (?:bere|kevn|pesin)\b",
    ),
}

# Also what someone says to the bot's own question ("no, that's not my appointment"): counted only when
# the message does not answer the bot (it answers a reminder or broadcast, or comes out of the blue).
OUTSIDE_A_DIALOGUE: dict[str, tuple[str, ...]] = {
    "en": (
        r"\bnot my (?:appointment|afspraak|klantmanager|meeting|lesson|course|reminder)s?\b",
        r"\b(?:this|that|the) (?:appointment|afspraak|reminder|herinnering|message|text)s? (?:is |are )?not "
        r"(?:mine|for me|about me)\b",
        r"\b(?:this|that|it)(?:'s| is) not (?:about |for )?me\b[^.!?\n]{0,20}$",
        r"\bnot me\s*[.!]",
        r"\bwho (?:is|are) (?:this|you)\b[^\n]{0,80}\b(?:never|didn'?t|did not)\b",
    ),
    "nl": (
        r"\bniet (?:mijn|van mij|over mij)\b(?: afspraak)?\s*[.!,]",
        r"\b(?:deze|die|dit|de) (?:afspraak|herinnering|bericht|berichten) (?:is|zijn|gaat|gaan) niet "
        r"(?:van mij|voor mij|over mij)\b",
        r"\bgaat niet over mij\b",
        r"\bwie is dit\b[^\n]{0,80}\bnooit\b",
    ),
    "ar": (
        r"(?:الموعد|موعد|هالموعد|المواعيد|الرسائل|الرساله|هالرسائل|هاي الرسائل)[^.!?\n،]{0,10}"
        r"(?:مو|مش|ليس|ما) ?(?:الي|لي|إلي|الى|الو|لالي)\b",
        r"(?:مو|مش|ليس|موب|مهوش|موش) (?:موعدي|مواعيدي)",
        r"(?:مين|من) (?:حضرتك|انت|انتم|هذا|انتو)\b[^\n]{0,80}(?:ما حجزت|ما عملت|لم احجز|ما اخدت|ما اخذت)",
    ),
    "ti": (r"(?:ቆጸራ|መልእኽቲ)[^.!?\n።]{0,10}(?:ናተይ|ንዓይ) ኣይኮነን",),
    "fa": (
        r"(?:قرار|وقت|ملاقات|پيام|پيامها|يادآوري)[^.!?\n،]{0,10}(?:مال|از|براي) (?:من|مه) (?:نيست|نيس)",
        r"(?:شما|تو) (?:کي|كي) (?:هستيد|هستين|هستي|استين)\b[^\n]{0,80}(?:هيچ ?وقت|هرگز|هيچگاه)",
    ),
    "fa_AF": (r"(?:ملاقات|وقت|پيام)[^.!?\n،]{0,10}(?:از|مال) (?:مه|من) (?:نيست|نيس)",),
    "tr": (
        r"\b(?:bu|o) (?:randevu|mesaj|mesajlar|hatirlatma|afspraak)\S* (?:bana ait|benim|bana) degil\b",
        r"\bbenim (?:randevum|afspraak\S*|mesajim) degil\b",
        r"\bkimsiniz\b[^\n]{0,80}\bhic\b",
    ),
    "so": (
        r"\bballan\w* (?:ma aha|maaha) (?:tayda|taydii|kayga)\b",
        r"\b(?:ima|i ma) khus(?:eyso|ayso|eeyso)\b",
        r"\byaad tihiin\b[^\n]{0,80}\bweligay\b",
    ),
    "ps": (
        r"(?:ملاقات|پيغام|پيغامونه)[^.!?\n]{0,10}زما (?:نه دي|ندي|نه دى)",
        r"(?:تاسو|ته) (?:څوک) (?:ياست|يئ|يې)\b[^\n]{0,80}هيڅکله",
    ),
    "ku": (
        r"\b(?:ev|ew) (?:randevu|afspraak|peyam|biranin)\S* ne ya min e\b",
        r"\bhun ki ne\b[^\n]{0,80}\bqet\b",
    ),
}

# Matched on the text as written (case kept): a capitalised name where a lower-case word would be a thing
# ("there's no Yonas here", not "there's no bus here").
NAMED: tuple[str, ...] = (
    r"\b[Tt]here(?:'s| is) no(?:body| one)? (?:called |named )?[A-Z][a-z]+ (?:here|at this number)\b",
    r"\b[Hh]ier (?:woont|is|werkt) (?:geen|niemand die) [A-Z][a-z]+\b",
    r"\b[Bb]urada [A-ZÇĞİÖŞÜ][a-zçğıöşü]+ (?:diye|adinda|adında) (?:biri|kimse)",
)

# The person's own talk about numbers: "I called the wrong number", "I gave DUO a wrong number".
EXCLUSIONS: tuple[str, ...] = (
    r"\b(?:i|we) (?:called|dialled|dialed|typed|gave|entered|wrote|put|filled|sent|rang|texted|used|went)\b"
    r"[^.!?\n]{0,40}\bwrong\b",
    r"\bwrong (?:number|no|nr)\b[^.!?\n]{0,30}\b(?:i|we) (?:called|dialled|dialed|gave|typed|entered|"
    r"wrote)\b",
    r"\b(?:ik|wij|we) (?:belde|gaf|typte|koos)\b[^.!?\n]{0,40}\bverkeerde?\b",
    r"\bverkeerde? (?:telefoon)?(?:nummer|nr)\b[^.!?\n]{0,40}\b(?:gebeld|ingevuld|ingetoetst|gedraaid|"
    r"opgegeven|"
    r"doorgegeven|gegeven|gestuurd|gebruikt|gekozen|getypt|aangeklikt)\b",
    r"\byanlis (?:numara|numaraya|numarayi|no)(?: \S+){0,2} (?:aradim|cevirdim|yazdim|verdim|girdim|tusladim|"
    r"aramisim|vermisim|yazmisim|girmisim)\b",
    r"\b(?:u diray|diray|wacay|garaacay|qoray|siiyay|geliyay)\b[^.!?\n]{0,30}"
    r"\b(?:lambar|nambar|numbar)\w* (?:khaldan|qaldan|khalad|qalad)\b",
    r"(?:ግጉይ|ጌጋ) ቁጽሪ[^.!?\n።]{0,20}(?:ጽሒፈ|ደዊለ|ሂበ|ጸሒፈ|ኣእቲየ|ኣእትየ)",
    r"ናብ (?:ጌጋ|ግጉይ) ቁጽሪ",
    r"(?:به|ده|با) (?:نمبر|شماره) (?:غلط|اشتباه)[^.!?\n]{0,20}(?:زنگ زدم|تماس گرفتم|زنگ زديم)",
    r"\b(?:lambar|nambar|numbar)\w* (?:khaldan|qaldan|khalad|qalad) (?:ayaan |baan |aan )?"
    r"(?:wacay|garaacay|qoray|siiyay|u diray|diray)\b",
    r"(?:اتصلت|اتصلنا|كتبت|کتبت|عطيت|اعطيت|دقيت|حطيت)[^.!?\n]{0,30}(?:رقم|الرقم) (?:غلط|خطا|خاطئ)",
)

_MATCHERS = {
    language: tuple(re.compile(fold_letters(p)) for p in patterns) for language, patterns in PATTERNS.items()
}
_OUTSIDE_A_DIALOGUE = {
    language: tuple(re.compile(fold_letters(p)) for p in patterns)
    for language, patterns in OUTSIDE_A_DIALOGUE.items()
}
_EXCLUDED = tuple(re.compile(fold_letters(p)) for p in EXCLUSIONS)
_NAMED = tuple(re.compile(p) for p in NAMED)


def _read(body: str) -> tuple[str, str] | None:
    """(the text as written, normalised) — or None when empty or the person's own talk about numbers."""
    written = (body or "").replace("\u2019", "'")
    text = normalise(written)
    if not text or any(p.search(text) for p in _EXCLUDED):
        return None
    return written, text


def matching_language(body: str, *, answers_the_bot: bool = False) -> str | None:
    """The language whose pattern says "this number is not theirs" in `body`, or None.

    `answers_the_bot`: the message follows the bot's own reply; "that's not my appointment" then answers
    the bot's question about which appointment, and only the unambiguous patterns count.
    """
    if (read := _read(body)) is None:
        return None
    written, text = read
    if any(p.search(written) for p in _NAMED):
        return "en"
    for language, matchers in _MATCHERS.items():
        weaker = () if answers_the_bot else _OUTSIDE_A_DIALOGUE.get(language, ())
        if any(p.search(text) for p in (*matchers, *weaker)):
            return language
    return None


def says_not_theirs(body: str, *, answers_the_bot: bool = False) -> bool:
    return matching_language(body, answers_the_bot=answers_the_bot) is not None


MIN_WORDS_TO_ASK = 3  # one or two words are too little for the learned layer to judge (as for the crisis net)


def worth_asking(body: str, *, answers_the_bot: bool = False) -> bool:
    """No pattern says it, but the learned layer (api.safety.not_their_number) thinks the writer may not be
    the person: worth one question, never a hold. Not in a dialogue with the bot, not for the person's own
    talk about numbers (the exclusions)."""
    if answers_the_bot or (read := _read(body)) is None:
        return False
    written, _ = read
    return len(written.split()) >= MIN_WORDS_TO_ASK and learned.worth_asking(written)
