"""The crisis detector: its pattern language, and per language its own development set (tests/safety_dev).

The independent evaluation set (bench/crisis_eval) is measured by bench/crisis.py, never used here or in
the vocabulary; a test keeps the three apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from api.i18n.languages import CODES
from api.safety import crisis

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "safety_dev"
EVAL = ROOT / "bench" / "crisis_eval"


def _vocabulary(tmp_path: Path, patterns: dict, unless: list[str] | None = None) -> crisis.Vocabulary:
    (tmp_path / "xx.yml").write_text(
        yaml.safe_dump({"language": "en", "patterns": patterns, "unless": unless or []})
    )
    return crisis.load(tmp_path)


@pytest.mark.parametrize(
    ("pattern", "text", "hit"),
    [
        ("not breath*", "my baby is NOT breathing!!", True),
        ("not breath*", "he is breathing not well", False),
        ("want|wanna ~ die", "i really want to just die", True),
        ("want|wanna ~ die", "i want to go to the dierentuin", False),
        ("bewusteloos", "hij is bewustelos", True),  # a doubled letter left out
        ("unconscious", "she is unconcious", True),  # one edit in a long word
        ("unconscious", "she is conscious", False),  # two edits
        ("can't breathe", "i cant breathe", True),  # apostrophes inside words go
        ("انتحر*", "بدي انتحر", True),
        ("خودکشی", "خودكشي ميكنم", True),  # Arabic kaf and yeh read as Persian
        ("olmek istiyorum", "ölmek istiyorum", True),  # Latin diacritics go
        ("help", "heeeeelp", True),  # a held key is one letter
        ("help", "helpdesk", False),  # a whole word, unless the pattern says help*
        ("112", "bericht 12", False),  # digits are never undoubled
        ("112", "ik heb 112 gebeld", True),
        ("suux*", "hooyo way suuxday", True),
        ("suux*", "suxuurta kadib", False),  # a prefix undoubled to three letters ("sux*") would match
        ("kill*", "twenty kilometres", False),
        ("smell*", "gas smel", True),  # from four letters on a prefix is also read undoubled
    ],
)
def test_the_pattern_language(tmp_path, pattern, text, hit):
    vocabulary = _vocabulary(tmp_path, {"medical": [pattern]})
    assert (vocabulary.detect(text) is not None) == hit


def test_an_unless_phrase_covers_only_its_own_words(tmp_path):
    vocabulary = _vocabulary(tmp_path, {"suicide": ["dying"]}, unless=["dying to"])
    assert vocabulary.detect("i am dying to see you") is None
    assert vocabulary.detect("i am dying to see you, but i am dying") is not None


def test_a_word_listed_as_not_a_typo_matches_only_as_written(tmp_path):
    (tmp_path / "fa.yml").write_text(
        yaml.safe_dump({"language": "fa", "patterns": {"suicide": ["intihar"]}, "not_typos": ["intezar"]})
    )
    vocabulary = crisis.load(tmp_path)
    assert vocabulary.detect("az intezar khasta shodam") is None  # waiting, one letter from suicide
    assert vocabulary.detect("mikham intehar konam") is not None  # a typo of the word itself still counts
    assert vocabulary.detect("intihar") is not None


def test_an_unknown_category_fails_at_load(tmp_path):
    with pytest.raises(ValueError, match="unknown crisis category"):
        _vocabulary(tmp_path, {"sadness": ["sad"]})


def _dev(code: str) -> dict[str, list[str]]:
    """The language's development set: `<code>.yml` and, where written, `<code>.more.yml`."""
    out: dict[str, list[str]] = {"crisis": [], "ordinary": []}
    for path in (DEV / f"{code}.yml", DEV / f"{code}.more.yml"):
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for part in out:
                out[part] += [str(t) for t in data.get(part) or []]
    return out


@pytest.mark.parametrize("code", CODES)
def test_every_language_finds_its_crises_and_leaves_ordinary_messages_alone(code):
    data = _dev(code)
    missed = [text for text in data["crisis"] if crisis.detect(text) is None]
    alarms = [text for text in data["ordinary"] if crisis.detect(text) is not None]
    assert len(missed) <= 0.02 * len(data["crisis"]), missed
    assert len(alarms) <= 0.03 * len(data["ordinary"]), alarms


def test_a_sick_child_help_with_a_letter_and_a_hospital_appointment_are_not_a_crisis():
    for text in (
        "my son is also sick and nobody can look after him",
        "help ik begrijp de brief van DUO niet",
        "ik heb morgen een afspraak in het ziekenhuis",
        "mijn dochter heeft koorts, ik kan niet komen",
        "i dont want to wake up early tomorrow, can we meet at 11",
        "در وقت ماهواری خون زیاد میره، داکتر زنانه میخواهم",
    ):
        assert crisis.detect(text) is None, text


def test_the_evaluation_set_stays_apart_from_the_vocabulary_and_the_development_set():
    evaluation = {
        item["text"].strip().lower()
        for path in EVAL.parent.glob("crisis_eval*/*.yml")  # every set: tests and development sets alike
        for part in ("crisis", "ordinary")
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get(part) or []
    }
    development = {t.strip().lower() for code in CODES for part in _dev(code).values() for t in part}
    vocabulary = {p.source.lower() for p in crisis.vocabulary().patterns}
    # A cry of a few words is what anyone writes ("my baby is not breathing!!", close to issue #12's own
    # example, is in the second set and in the development lines): the rule holds for longer messages.
    shared = {t for t in evaluation & development if len(t.split()) > 5}
    assert evaluation and not shared and not evaluation & vocabulary


def test_an_alarm_category_is_found_before_a_check_category_whatever_the_file_order(tmp_path):
    vocabulary = _vocabulary(tmp_path, {"cry": ["help"], "medical": ["not breath*"]})
    assert vocabulary.detect("help he is not breathing").category == "medical"
    assert vocabulary.detect("help with my form").category == "cry"
    assert not vocabulary.detect("help with my form").alarm


SIGNS = {  # one indirect warning sign per language, written for this test (no evaluation line)
    "nl": "hoeveel paracetamol is dodelijk",
    "en": "i gave away all my things this week",
    "ar": "وزعت كل اغراضي على الجيران",
    "fa": "همه وسایلم رو به دوستام بخشیدم",
    "fa_AF": "لباس و سامانم را بخشیدم به همسایه ها",
    "tr": "bu size son mesajım olacak",
    "so": "kani waa fariinta ugu dambeysa ee aan idiin soo diro",
    "ps": "دا به زما وروستی پیغام وي",
    "ku": "ev mesaja min a dawiye ji we re",
    "ti": "መወዳእታ መልእኽተይ ንዓኹም እዩ",
}


@pytest.mark.parametrize("code", CODES)
def test_every_language_reads_an_indirect_warning_sign_as_a_check(code):
    hit = crisis.detect(SIGNS[code])
    assert hit is not None and hit.category == "signs" and not hit.alarm, (SIGNS[code], hit)
    assert hit.language == code


@pytest.mark.parametrize(
    ("pattern", "text", "hit"),
    [
        ("if ~ (anything|some thing) ~ happens", "if some thing ever happens", True),
        ("if ~ (anything|some thing) ~ happens", "if anything happens", True),
        ("if ~ (anything|some thing) ~ happens", "if some happens", False),
        ("(a b|c) x (d|e f)", "c x e f", True),
        ("(a b|c) x (d|e f)", "a x d", False),
    ],
)
def test_a_group_holds_alternatives_of_several_words(tmp_path, pattern, text, hit):
    vocabulary = _vocabulary(tmp_path, {"signs": [pattern]})
    found = vocabulary.detect(text)
    assert (found is not None) == hit
    if found is not None:
        assert found.pattern == pattern  # the audit names the line of the file, not one of its expansions


@pytest.mark.parametrize("pattern", ["(a b", "a b)", "(a|) b"])
def test_a_malformed_group_fails_at_load(tmp_path, pattern):
    with pytest.raises(ValueError, match="xx.yml"):
        _vocabulary(tmp_path, {"signs": [pattern]})


def test_a_pattern_that_is_not_a_string_fails_at_load(tmp_path):
    # A stray "-" makes a list of one pattern; its text would still half-match, and nobody would notice.
    with pytest.raises(ValueError, match="must be a string"):
        _vocabulary(tmp_path, {"violence": [["ma ~ wahi"]]})


# Written for these tests (no evaluation line): a fire told in the past tense or by its smell is a check
# (the numbers gently; the classifier may still raise it), a fire told as happening now an alarm.
PAST_FIRE = {
    "nl": ("ons huis is afgebrand in de oorlog", "er is brand in ons huis"),
    "en": ("our house burned down when i was a kid", "help there is a fire in our kitchen"),
    "ar": ("بيتنا احترق زمان بسوريا", "البيت عم يحترق"),
    "fa": ("خونه مادربزرگم سالها پیش آتیش گرفت", "خونه داره آتیش میگیره"),
    "fa_AF": ("خانه ما در کابل سالها پیش آتش گرفت", "خانه ما آتش گرفته"),
    "tr": ("köydeki evimiz yıllar önce yandı", "evimiz yanıyor"),
    "so": ("gurigeenii Hargeysa wuu gubtay sanado ka hor", "guriga dab baa ka kacay"),
    "ti": ("ገዛና ቅድሚ ዓመታት ነዲዱ", "ገዛና ይነድድ ኣሎ"),
}


@pytest.mark.parametrize("code", sorted(PAST_FIRE))
def test_a_fire_in_the_past_is_a_check_and_a_fire_now_an_alarm(code):
    past, now = PAST_FIRE[code]
    hit = crisis.detect(past)
    assert hit is not None and not hit.alarm, (past, hit)
    hit = crisis.detect(now)
    assert hit is not None and hit.alarm, (now, hit)


NOT_A_CRISIS = [  # one letter away from a crisis word, or an alarming word in a harmless use
    "het hele huis ruikt naar aangebrand",  # aangerand
    "mijn opa is vorig jaar overleden",  # overreden
    "de huisarts heeft fysiotherapie aangeraden",  # aangereden
    "mijn schouder doet pijn van het werk",  # not a heart attack
    "sigorta fizyoterapiyi karşılıyor mu",  # kasılıyor: a seizure
    "bisikletimin lastiği patladı",  # patladı: an explosion
    "bu sınav beni öldürecek",  # hyperbole
    "فردا واکسن مننژیت میزنم",  # a vaccination
    "goodbye everyone, we are moving to Groningen",  # a farewell that is a move: a sign at most
    "sınavdan önce gece geç saatlere kadar uyanık kalıyorum",  # kaliyorum: kaniyorum, I am bleeding
    "depremde eski okulumuz yıkıldı",  # yikildi: yigildi, collapsed (a person)
    "acil!! kapı açılmıyor, anahtar içeride kaldı",  # acilmiyor: ayilmiyor, does not come round
    "bu fatura mektubu beni öldürecek",  # hyperbole, with the consonant change of mektup
    "ik ga dood van al die formulieren",  # hyperbole
    "እዚ ፈተና ክቐትለኒ እዩ",  # "this exam is killing me"
    "waxaan moodayay inaan safka ku dhimanayo",  # "I thought I would die in the queue"
    "lastîka trimbêlê teqiya, ez ê dereng bim",  # a tyre burst
    "در کارتون مورد علاقه بچیم یک شیر است که دوست داره آخرش میمیره",  # a cartoon's lion dies
    "we visited the fire brigade with the whole class today",  # a service named: a check at most
    "mijn zoon is weg naar school, ik kom om 10 uur",  # "is weg": left, not missing
    "ik heb mijn enkel verstuikt bij het hardlopen",  # verstikt: suffocated
    "my kids are shouting at the tv again",  # shooting at
    "bebeğin kalbi çok güzel atıyor",  # atmıyor: does not beat
    "oğlum havuza atladı, çok eğlendi",  # patladı: exploded
    "kasaba bıçakları bilemeye gidiyorum",  # bıçakladı: stabbed
    "suxuurta kadib ayaan daawada qaataa",  # suux-: fainting, once its double vowel is dropped
    "خشمي نزف شوي وبعدين وقف",  # a nosebleed that stopped
    "bbq ayaan samaynay, qiiq badan ayaa jiray",  # barbecue smoke
    "له زړه تنګۍ مړ شوم",  # "I died of boredom"
    "yangın alarmı yanlışlıkla çaldı, itfaiye bir şey bulmadı",  # a fire alarm set off by mistake
    "the fire brigade came to test the smoke alarms in our flat",  # a service named: a check at most
    # kinds the sixth set's false alarms showed (a development set since 2026-12-06); written for this test
    "mijn enkel is blauw na het voetballen",  # a bruise, not blue lips
    "de wijkagent gaf uitleg over inbraak in onze straat",  # a talk about burglary
    "my brothers play fortnite and yell kill them all day",  # a game
    "في المدرسة علمونا كيف نستعمل طفاية الحريق",  # a fire extinguisher
    "ወደይ ኩዕሶ ኣብ ርእሱ ወቒዑዎ",  # a ball to the head at play
    "شب چهارشنبه‌سوری آتش‌بازی گرفته بودیم",  # fireworks
    "وقت جنگ خانه ما سوخت، حالی ده هالند استیم",  # a house burned in the war, long ago
    "bu dizide herkesin silahı var",  # a series
    "dedem gençken orman yangını olmuştu derdi",  # a forest fire long ago
    "dab-damiska ayaa iskuulka yimid",  # the fire brigade visiting a school
    "gabadhaydu madaxa ku dhuftay albaabka",  # a head knocked on a door
    "app-ka bangiga ayaa i xiray",  # an app that locked me out
    "له بې‌حوصلګۍ مړ شوم په بس کې",  # died of boredom
    # kinds the seventh set's false alarms showed (a development set since 2026-12-06); written for this test
    "we moeten de batterij van de rookmelder vervangen",  # vervangen: verhangen, one letter away
    "we zijn goed opgevangen in het azc",  # opgevangen: opgehangen
    "my son loves the explosions in that war film",  # a film: a hint, a check at most
    "ህጹጽ ኩነታት፡ ኣውቶቡስ ሓሊፉኒ",  # "emergency!": the bus left without me
    "xaalad degdeg ah, furihii guriga ayaa iga lumay",  # "emergency!": a lost house key
    "بیړنی حالت دی، کیلي مې ورکه ده",  # "emergency!": a lost key
    "çocukken evimiz yangında yandı, şimdi iyiyiz",  # a fire in childhood
    "ez ji germê dimirim li vê otobusê",  # dying of the heat
    "keça min serma girtiye, îro li malê dimîne",  # caught a cold (girtiye), stays home
    "እዚ ደብዳቤ ናይ ግብሪ ክቐትለኒ እዩ",  # "this tax letter will kill me"
    "د کور څښتن ځواب نه راکوي، کیلي مې ورکه ده",  # the landlord does not answer
    # kinds the eighth set's false alarms showed (a development set since 2026-12-06); written for this test
    "ik zoek boeken in de bibliotheek over dinosaurussen",  # boeken: breken, one letter away
    "bakhabbaz wbatni shway ta3bana",  # batni (my stomach): labatni, kicked me
    "we saw a horror film with so much blood",  # a film (an unless reaches three words past its own)
    "goodbye everybody, we are moving to Utrecht in May",  # a move
    "filim dagaal ah ayaan daawaday, dhiig badan baa ku jiray",  # a war film
    "me û zarokan fîlmek tirsnak temaşe kir, pir xwîn hebû",  # a horror film
    "kursun son günü herkese veda ettim, Zwolle'ye taşınıyoruz",  # the last day of the course
    "منقل روشن کردیم، دود زیادی شد ولی همه خوش بودیم",  # barbecue smoke
    "په انګړ کې مو د اختر لپاره اور بل کړ",  # a fire lit for a festival: a hint, a check at most
    "د وینې معاینه مې وکړه، اوسپنه مې کمه وه",  # a blood test
    "Wararka qaraxa magaalada ayaan maqlay, qoyskayguna waa nabad",  # an explosion in the news: a hint
    "ayeeyo shalay ayay suuxday, maanta way fiican tahay",  # fainted yesterday, fine now: a hint
    "dhaqaalaha ayaa igu hareen, lacag ma hayo",  # hareen: hareek, one letter away
    # kinds the ninth set's false alarms showed (a development set since 2026-12-06); written for this test
    "ik hoest de hele week, hoeveel tabletten hoestdrank mag ik nemen",  # de hele week: not a whole strip
    "onze dochter mocht in de brandweerauto zitten bij de open dag",  # a check at most now
    "in his comic a monster burns down the whole town",  # a story, not a burnt body
    "fell off my bike and my knee went blue, nothing serious",  # a bruise
    "ኣብ ትምህርቲ ቀዳማይ ረዲኤት ልቡ እንተ ደው ኢሉ እንታይ ንገብር ተማሂርና",  # a first-aid lesson
    "خونه‌ی پدربزرگم توی جنگ سوخت، الان می‌خوام براش یه شعر بنویسم",  # a house burnt in the war
    "پام سر خورد و زانویم کبود شد",  # a bruised knee; روی is also "on"
    "maçtan sonra baldırım kasıldı, biraz ağrıyor",  # a cramp
    "merdivende kaydım, kolum morardı ama iyiyim",  # a bruise
    "herkese veda ediyorum arkadaşlar, Eindhoven'e taşınıyoruz",  # a goodbye before a move
    "بیړنی! د فورم وروستۍ ورځ سبا ده",  # the last day for a form
    # the tenth set's false alarms by kind: a fire last year, a lost key or card, a bruise, a hyperbole about
    # Dutch sounds, a smoke alarm that went off; written for this test
    "vorig jaar was er brand bij de bakker, nu is alles weer open",
    "we had a fire in the garden for the barbecue, lovely evening",
    "help i lost my keys at the station, where is lost and found",
    "النطق بالهولندي بيموتني كل يوم",
    "merdivende düştüm, dizim biraz morardı ama iyiyim",
    "oğlumun okul kartı kayboldu, yenisi nereden alınır",
    "sanadkii hore dab ayaa ka kacay dukaanka, hadda waa la dayactiray",
    "par agir ket dikana li kolanê, niha nû ye",
    "min nan şewitand û alarma dûmanê lêxist",
    # the eleventh set's false alarms by kind: a last message before a move, murders in a film, a vinegar
    # volcano, fires seen in a past job, grammar that 'kills', firefighters, clapping, a death in every
    # episode; written for this test
    "mijn laatste bericht hier, we verhuizen naar Zwolle",
    "in die film vermoordt de butler iedereen, is dat goed voor mijn Nederlands",
    "voor school maken we een vulkaan die ontploft met soda en azijn",
    "ابي كان اطفائي وشفت حرائق كثير معه بالشغل",
    "ሰዋሰው ሆላንድኛ ክቐትለኒ እዩ",
    "ጓለይ ብዛዕባ ሓለውቲ ሓዊ ተማሂራ፡ ኣብ ከተማና ጉጅለ ሓለውቲ ሓዊ ኣሎ ድዩ",
    "piştî şanoyê hemû zarokan çepik lêxistin",
    "di vê rêzefîlmê de her beş kesek dimire, ji bo guhdarîkirinê baş e?",
    "الموظف اخذ منا الجوازات عشان يصورها",  # a clerk copies passports: a check at most
    # the twelfth set's look-alikes: a threat in a game, a cut finger, incense smoke, a hoarse voice, a fire
    # long ago, dying of the heat, the last night of the year; written for this test
    "my kids scream kill you when they play fortnite",
    "my daughter cut her fringe herself",
    "اسپند دود کردیم برای چشم زخم",
    "آوازم گرفته و گلویم درد میکنه",
    "sanadkii hore dab ayaa ka kacay suuqa",
    "kulaylka waan u dhimanayaa maanta",
    "د کال په وروستۍ شپه مو اورلوبې ولیدې",
    # the thirteenth set's look-alikes (2026-12-07), written for this test
    "the sky is blue and the kids play outside",
    "her hair turned grey after the exam",
    "my toenail is blue since football",
    "every evening the smoke of his cigarettes comes into my kitchen",
    "de agent heeft mij gestopt voor een bon, mag dat?",
    "na het hockeyen heb ik overal blauwe plekken, haha nee serieus hoe lang duurt dat",
    "moet ik mijn doosjes pillen meenemen naar de huisarts?",
    "de apotheek zegt dat mijn tabletten niet klaar zijn",
    "mijn zoon deed soda en azijn, grote ontploffing van schuim",
    "فيديو فيه عملية وفيه دم كثير، ابني يحب الطب",
    "ايدي تنزف شوية من الصابون بالشغل",
    "ሎሚ ዕጣን ኣትኺስና ትኪ ብዙሕ ኣሎ",
    "ኣብ ኣረጊት ስእሊ ኣቦሓጎ ብረት ሒዙ ኣሎ",
    "እዚ መደያይቦ ክቐትለኒ እዩ ሊፍት የለን",
    "the tv fell on the floor and broke",
    "برادرم ده شطرنج مره زد",
    "yangın söndürücü almam gerekiyor mu dükkan için",
    "xurxura bavê min min dikuje",
    # the fourteenth set's look-alikes (2026-12-07), written for this test
    "onze kat vermoordt me nog, elke nacht om vier uur miauwen",
    "met de klas in een escaperoom, drie kwartier opgesloten in een kamer en toch ontsnapt",
    "دائرة الغابات كتبت خطر الحريق عالي اليوم، ممنوع الشواء",
    "ክሳደይ ተተሪሩ ካብ ትማሊ፡ ረስኒ የብለይን",
    "saçımı kendim kestim, güzel oldu mu?",
    "bu akşam kendim yaparım yemeği",
    "bu gece kendimi iyi hissetmiyorum, derse gelemem",
    "babam kurbanı kendisi kesmek istiyor",
    "bıçakları çekmeceye koydum, çocuklar ulaşamıyor",
    "belediye bahçedeki fareleri zehirle öldürecek",
    "bu maçlar beni öldürecek, her akşam futbol",
    "dhakhtarku wuxuu yiri ma aha wax khatar ah",
    "ژمی کې هر سهار یو څه وینه له پوزې راځي، ډاکټر وايي هوا وچه ده",
    "her sibe piçek xwîn ji pozê min tê",
    "لوګي ټوله کوڅه ونیوله، خلکو فکر وکړ اور دی 😄",
    # real words one letter from a vocabulary word (not_typos, 2026-12-07, evening), written for this test
    "entezar kheili sakhte, hanuz javab nayomade",
    "behesh goftam farda miam klas",
    "in dawa bekhatar ast bari tefl?",
    "ta3abt min el intithar fil gemeente",
    "habuni boete",
    "wejiga ayuu dhaqay subaxii",
    # the nineteenth set's look-alikes (2026-12-07, night), written for this test
    "ik ga dood van deze schoenen, mijn voeten doen pijn",
    "the library has a first aid evening about choking in babies",
    "بدي احجز تطعيم السحايا قبل السفر",
    "علمتها الطبخة وحبتها كثير",
    "پسرم تو مهد بچه های دیگه رو میزنه وقتی خسته است",
    "همکارم گفت brandjes blussen، فکر کدم دفتر آتش گرفته",
    "bu klima beni öldürecek, çok soğuk",
    "ev telefon dê min bikuje, her tim dikeve",
    "suulka ayaa buluug noqday markii miisku igu dhacay",
    "el kahk fel forn et7ara2 haha",
    "ጉንፋዕ ሒዙኒ ካብ ዓራት ክትንስእ ኣይክእልን",
    "ካብ ኣውቶቡስ ጎይየ ትንፋሰይ ሓጺሩ",
    "salan berê li kampê agir derket",
    # the eighteenth set's look-alikes (2026-12-07, evening), written for this test
    "mijn opa loopt weer, met een rollator",
    "annem yavaş yürüyor, dizleri ağrıyor",  # walks, one letter from "hits" (vuruyor)
    "babam her sabah parkta yürüyor",
    "o reklam şarkısı beni öldürecek, bütün gün kafamda",
    "dat reclamedeuntje vermoordt me, de hele dag",
    "that jingle from the radio is killing me",
    "kızım kolunu masaya çarptı, morardı",
    "ماما لقت جوال بنتي اللي كان ضايع بالباص",
    "ماشومان د ښوونځي په دروازه کې چیغې وهي او خندا کوي",
    "toddler gets angry, wuxuu isku tuuraa sariirta marka uu daalan yahay",
    # the seventeenth set's look-alikes (2026-12-07), written for this test
    "ik kan niet, want die dag heb ik les",
    "mijn knie is nog blauw van het voetballen",
    "my son keeps asking why the sky is blue",
    "o dizide çok kavga ve silah var diye izletmiyorum",
    # the sixteenth set's look-alikes (2026-12-07), written for this test
    "mijn printer vermoordt me elke maandag",
    "the old chair is broken in half, we throw it away",
    "أمي ضرسها يوجعها، أخذت بنادول وتنتظر الدكتور",
    "ضاعت محفظتي بالسوق، فيها بطاقة البنك",
    "kahve bana hiç iyi gelmiyor, midem ağrıyor",
    "wiilkaygu subaxii ma toosi karo, habeenkii ayuu ciyaaraa",
    "maqaarkaygu wuu qalalan yahay jiilaalka",
    "hurdo ayaan u dhimanayaa, shaqo dheer",
    "hewa xweş nemaye, îro baran dibare",
    "emrooz ghatre cheshm zadam, ta zohr nemibinam",
    # the fifteenth set's look-alikes (2026-12-07), written for this test
    "die lidwoorden de en het vermoorden mij, morgen toets",
    "mag ik deze pillen slikken met paracetamol?",
    "my daughter is rating the films she watched",
    "oğlum hâlâ gece iki kere uyanıyor, normal mi?",
    "düştü ama hemen kalkıyor, sadece dizi kanadı biraz",
    "waxaan u dhimanayaa shaah iyo sambuus",
    "زموږ کور په وروستي پوړ کې دی او شپه ګرمه وي",
    "keça min serê xwe lêxist li ser maseyê, tiştek tune",
    "mikham beram kelas, saat chande?",
    "سیل آمد و خانه های قریه ما زیر آب رفت، همه سلامت استن",
    "we steken de kaarsjes aan op de taart",
]

ALARMS_BY_KIND = [  # alarms for kinds the fifth and sixth sets' misses showed; written for this test
    "zmong kor or akhistay",  # a house on fire, Latin Pashto
    "keça min pîleke daqurtand",  # a swallowed battery, Kurmanji
    "the dad next door is shouting he'll kill him",  # a threat shouted next door
    "brant in de keuken!!",
    "ana 3al jisr w mish rah arja3",
    "kam 7abba dawa tkfi",
    "جدي أخد الأنسولين مرتين بالغلط",
    "dokhtaram ghors khorde, ye baste kamel",
    "مه همه قرص ها ره خوردم",
    "برادرم ده دریا غرق شد",
    "wiilkii biyaha ku dhacay weli ma muuqdo",
    "aabbe wuu dhacay kama kacayo",
    "ayeeyo waxay leedahay gabadha waa in la nadiifiyaa",
    "hevalê min ji pirê xwe avêt",
    "zarokek di erebeyê de hiştin",
    # the seventh set's kinds (a development set since 2026-12-06); written for this test
    "mijn opa viel van de trap en doet zijn ogen niet open",
    "she fell off the ladder and doesnt open her eyes",
    "babam merdivenden düştü, gözlerini açmıyor",
    "dikke zwarte rook komt onder de deur door",
    "mêrê min derî ji derve kilît dike û diçe",
    "jozi sakkar 3liya lbab w msha",
    "یک مرد قد تفنگ مردم ره تهدید می‌کنه",
    # the eighth set's kinds (a development set since 2026-12-06); written for this test
    "onze peuter heeft een magneetje ingeslikt en moet overgeven",
    "دخترم یه باتری کوچیک ساعت قورت داده",
    "birayê min dermanê mişkan vexwar",
    "babamın yüzünün bir tarafı sarktı, konuşamıyor",
    "خويا صدرو كيضرو وكيعرق بزاف",
    "yak bacha da sarak tofangcha fair kad",
    "yaw saray tamancha lari aw khalk weri",
    "wuxuu ii soo qoray inuu i dilayo caawa",
    "walidey ayitbarabern alo, bizuh kinni wesida",
    # the tenth set's kinds: threats to the family back home, cuts seen on a child, a car driven at someone,
    # an electric shock, a girl to be "purified", a family's honour; written for this test
    "مديري بالمطعم قال إذا حكيت رح يؤذي عيلتي بالبلد",
    "لقيت ابني بيجرح حاله بالموس بالحمام",
    "ايدين بنتي كلها مشطبة وما بدها تحكي",
    "eski kocası bugün arabayı üstüme sürdü",
    "aabbahay koronto ayaa qabsatay, dhulka ayuu jiifaa",
    "ayeeyo waxay leedahay gabdhaha yar waa in la daahiriyo xagaagan",
    "bavê mêrê min got vê keçikê namûsa me xera kir",
    # the eleventh set's kinds: locked in by the landlord, a crash and someone who does not move, a stiff
    # neck with fever, a gun at the door (Arabizi), children crying with hunger
    "مول الدار كيسد علينا الباب وما كيخليناش نخرجو",
    "there was an accident on the corner and the cyclist is not moving",
    "ጓለይ ክሳዳ ተሪራ ረስኒ ድማ ኣለዋ",
    "mijn zoon heeft een stijve nek en hoge koorts",
    "my daughter has a stiff neck and the light hurts her eyes",
    "fi wa7ed 3ando musaddas 3al bab",
    "zarokên cîran ji birçîna digirîn, kes ne li malê",
    # development-set misses once urgent_more13 moved the classifier: smoke out of a meter cupboard or a
    # window, a fall and shaking, a kitchen fire (Moroccan Arabizi), pulled out of a pool; written for
    # this test
    "er komt rook uit de meterkast en de stroom valt steeds uit",
    "zit op werk, buurvrouw zegt smoke uit mijn raam",
    "زما مور په کور کې لویدلې او رپیږي",
    "3awnouni l3afya ch3lat f dar",
    "bavê min ji nav hewzê derxistin, çavên wî girtî ne",
    # next to the unless for a death in every episode (ku), "enough, I'm dying" stays an alarm
    "bes e, ez dimirim",
    # the twelfth set's kinds: someone shooting now, a woman beaten by her husband (Latin Dari), a child who
    # drank washing-up liquid (Latin Pashto), a knife or a gun carried in the street, an honour threat, a
    # misspelt missing daughter, a lot of blood (a Dutch word inside); written for this test
    "buurman staat daar met zn geweer, dare tiraandazi mikone? nee: دارن تیراندازی میکنن تو کوچه",
    "zan e hamsaya ra shohar-esh khub mezanesh har shab",
    "lur me lokhu mayi wachashal, sa okrum",
    "yak rajel m3ah sekkin kayjri wra nas f souk",
    "zilamek bi tifing li kolanê digere",
    "babası namusunu temizleyeceğini söyledi",
    "my dauter disappeared after school, her phone is off",
    "از دستش bloed زیاد میاد",
    # the thirteenth set's misses by kind (2026-12-07), written for this test
    "a shelf fell on my son he not moving",
    "de man sleurt een meisje naar zijn auto en zij gilt ik ken jou niet",
    "ابوي طاح من الدرج مابش يتحرك",
    "موتر یک پیرمرد ره زد، حرکت نمیکنه",
    "sham atish gereft, atish ba parda rasid",
    "mutfak dumanla doldu",
    "balkonda perdeler tutuştu",
    "hij heeft een hele doos pillen genomen",
    # an unless or a look-alike must not silence these
    "he was hit by a car and is blue",
    "his eyes and lips are blue",
    "ኣብ ራብዓይ ደርቢ ሓደ ሰብ ክቐትለኒ እዩ",
    "ስእሊ ልኢኹለይ ሽጉጥ ሒዙ",
    "yangın var güvenlik kapısı kilitli",
    "de politie heeft mij gestompt",
    # the fourteenth set's misses by kind (2026-12-07), written for this test
    "vanavond slik ik ze allemaal, het is genoeg geweest",
    "my baby is 5 weeks, very hot and floppy",
    "عندنا جهاز تنفس لامي والبطارية قربت تخلص",
    "ab stoel resni 39 kisadu tegetiru",
    "ab mekhazen forklift ab egru halifu",
    "rasan da hawli tayar as",
    "kendimi bırakacağım buradan",
    "caawa daaqadda ayaan ka boodayaa",
    "haddii aadan lacagta keenin wiilkaaga waan dhaawaceynaa",
    "زوی مې په سیند کې دی، اوبه یې وړي، لامبو نه شي کولای",
    "د ویښتو ماشین له ماشوم سره حمام ته ولوېد",
    "îşev ez ê ji bo her û her razêm",
    # the nineteenth set's misses by kind (2026-12-07, night), written for this test
    "mijn zus piept en haar lippen zijn dik",
    "zijn gezicht is gezwollen na de nieuwe medicijnen",
    "er loopt bloed door zijn schoen heen",
    "de grasmaaier ging over zijn voet",
    "onze baby is twee weken oud en heeft koorts",
    "pain in his jaw and he is sweating a lot",
    "her arm is weak and she cannot lift the spoon",
    "my mother's hand went weak again for a few minutes",
    "tomobil dharbat weldi f zen9a",
    "khti ma9dratch t9oum mn l2ard",
    "جارنا كيربط ولده في الدرج",
    "walad ga3 el masba7 ma yetla3",
    "راس البيبي طلع والقابلة ما وصلت",
    "jalabiyet mama mesket nar",
    "ቆልዓ በይኑ ተሓዲጉ ኣብ ጎደና",
    "መኪና ሃሪሙዎ ኣብ ጽርግያ",
    "ኣቦይ ተንሲኡ ኣይክእልን",
    "ትንፋሳ ሓጺሩዋ ኣሎ",
    "قایق دوستم چپ شد",
    "آویزون شاخه درخت وسط رودخونه",
    "aor ye wakhist da pardey",
    "kota dak da lugi da",
    "په غاړه یې چاقو ایښی",
    "zarokê min aseton vexwar",
    "got ez ê bi kêrê li benda te bim",
    "li avahiyê agir derket",
    "zilamek ket bin tekera kamyonê, nalive",
    # the eighteenth set's misses by kind (2026-12-07, evening), written for this test
    "na de nieuwe pillen is haar keel dik en praten gaat moeilijk",
    "er lag een kogel voor onze voordeur vanmorgen",
    "someone left a bullet in our letterbox",
    "the shelves collapsed on my colleague in the warehouse",
    "a man is trapped under the car",
    "وقع الحمض على ايد بنتي بالمختبر",
    "ሓወይ ዘረባኡ ተደናጊሩ ኣሎ",
    "ካብ ትማሊ ደም ኣይቆመን",
    "ماشوم مې شل شوی، لاسونه یې آویزان دي",
    "ilmaha madaxiisa way godan tahay",
    "walaalkay wuxuu ku dhacay ceelka",
    "kuchnai zoy me zahar okhwaral",
    "ورور مې په سړه کوټه کې بند پاتې دی",
    "ماشوم تر غاړې لاندې په شګو کې دی",
    "ماشوم مې د حشراتو دوا وڅښله",
    "torunum sıçan zehrini yemiş olabilir",
    "li ser derî nivîsandin: dora keça te ye",
    # the seventeenth set's misses by kind (2026-12-07), written for this test
    "الممرضة بتضربها على وجهها كل يوم",
    "جوز خالتها بيجي بالليل وبيلمسها",
    "ابي عم يكح دم من امبارح",
    "baba kay kh7eb dem",
    "دیگه زندگی خوده ختم میکنم",
    "bebeğim birden gevşedi",
    "karım 38 haftalık, bebeği sabahtan beri hissetmiyor",
    "ayeeydey way dhacday, ma kici karto",
    "gacanta wiilkayga way qalloocan tahay",
    "bavê min bi zor bîn digire",
    # the sixteenth set's misses by kind (2026-12-07), written for this test
    "zijn aanval houdt niet op, al tien minuten",
    "onze baby is ineens helemaal slap",
    "my brother fell into a shaft at work",
    "his bones look wrong after the fall",
    "ابني ياخد نفسه بصعوبة وشفايفه زرق",
    "رشت الكلور بعيونها بالغلط",
    "وقع عليه الحيط وهو يشتغل",
    "መኪና ወቒዓቶ ኣብ ጽርግያ ወዲቑ ኣሎ",
    "hawey ktnfs aykealen",
    "cheshmesh khooni shode",
    "oğlumun nöbeti on dakikadır durmuyor",
    "banyodan hiç ses gelmiyor",
    "gabdhahayga maanta la gudayaa",
    "ayeeyday faraha cagta way madoobaadeen",
    "qallal ayaa qabta hadda",
    "di konteynerê de ne, hewa nemaye",
    # the fifteenth set's misses by kind (2026-12-07), written for this test
    "mijn ooms zeggen dat ik dood moet omdat ik ben gescheiden",
    "i am going to drive my car into a tree tonight",
    "قررت اصدم السيارة بالجدار الليلة",
    "ابن عمي قال راح يغسل العار الليلة",
    "بلعت علبه دواء الضغط كلها",
    "خالي ضربو الكهرباء وهو يصلح المكيف",
    "jaranna darabuni w akhadu telefoni",
    "ab gezana kiwequwo iyom",
    "mikham az balkon beparam",
    "ba tigh rage dastamo boridam",
    "برادرزاده‌ام در حوض زیر آب رفت و بالا نیامد",
    "sag-e hamsaya bachema dandan gereft, khoon miayad",
    "babam yerde, zor nefes alıyor, dudakları mor",
    "kocam mantar yedi, tuhaf konuşuyor ve kusuyor",
    "adam merdivenden düştü, kalkamıyor",
    "waxaan is jarayaa hadda",
    "zama lasuna pre kral da cherey sara",
    "bapîrê min pêxwas derket derve û berf e",
    "çermê destê min bilq bûye piştî avê germ",
    # an unless or a look-alike must not silence these
    "kendimi kesmek istiyorum",
    "oğlum kendini kesti, kan duruyor değil",
    "bu gece hapları içeceğim",
    "ekip geldi ama kocam beni öldürecek dedi",
    "bıçağı çekti ve bana doğru geldi",
    "xwîn ji pozê wî tê û naseke",
]

NEW_SIGNS = [  # kinds the fifth set's misses showed (a development set now); written for this test
    "ze heeft overal sneetjes op haar armen",
    "please dont come looking for me after today",
    "which floor is high enough that you dont survive",
    "başka biriyle konuşursan ikimizi de yakarım dedi",
    "بكرة الصبح رح يلاقوني",
    "سهار به زه نه یم، بخښنه غواړم",
    "چند تا قرص خواب کشنده‌ست؟",
    "ወዲ ሓወይ ባትሪ ወሒጡ",
    "dapîra min li serşokê ket û nabizive",
    "اگه مه نبودم، موتر مه به برادرم بتین",
    "if i dont answer tonight, my neighbour has the key",
    "bıçağı elime alıp bekliyorum",
    "ادرس مره پیدا کدن، می‌ترسم",
    "سددت كل ديوني وخلاص",  # settling affairs
    "ما رح تحتاجوا تبعتولي تذكير بعد اليوم",
    "ሓደ ሰብ ኣብ ዝሑል ማይ ክንደይ ደቒቕ ይጸንሕ",
    "پیام خداحافظی فرستادم برای همه",
    "minarenin tepesine gece çıkılabilir mi",
    "saqafka dhismaha ma la fuuli karaa",
    "derê banê vekirî ye?",
    # the seventh set's kinds: a missing child, a confused grandparent out at night, a baby's stiff neck or a
    # rash that stays under a glass, a veiled goodbye, fresh cuts, a farewell letter; written for this test
    "mijn zoontje is weg op de markt, we kunnen hem niet vinden",
    "i cant find my daughter at the beach",
    "bdawer 3la ebni f souq mn sa3a",
    "pesaram tu bazar gom shode",
    "oğlum parkta kayboldu",
    "opa is in zijn pyjama naar buiten gegaan",
    "dedem pijamayla dışarı çıkmış, adresi hatırlamıyor",
    "mijn baby heeft koorts en een stijve nek",
    "I pressed a glass on the spots and they dont fade under the glass",
    "ensesi kaskatı, ateşi de var",
    "it was nice knowing you all, take care",
    "bugün kolunda yeni kesikler gördüm",
    "cumaya kadar açmayın yazan bir zarf bıraktı",
    # the eighth set's kinds: veiled goodbyes, a stalking ex, an old man's bruises, a child searched for,
    # a height question, screams then silence; written for this test
    "sorry voor alles, jullie hoeven mij niet meer te zoeken",
    "mijn ex volgt me naar mijn werk en staat bij de deur",
    "لا أريد أن أكون عبئا على أولادي، سأنام طويلا",
    "المحكمة منعته يقرب مني بس رجع اليوم",
    "شفت الزرقة على وجه جدي وإيديه",
    "ኣብ ጥቓ ባሕሪ ኮፍ ኢለ ኣለኹ ብሕቶይ",
    "لباسامو بخشیدم به خواهرم، دیگه لازمم نمیشه",
    "beşinci kattan düşen biri kurtulur mu",
    "ha i soo wacin mar dambe, iga raali ahaada dhammaantiin",
    "دوه ساعته کېږي چې لور مې لټوو",
    "kurê min winda bû, saetek e em lê digerin",
    "cîran derî venake, berê qîrîn hat",
    "bukhari dood mekuna, bachaha khaw astan",
    # dose questions by brand, a car driven into the sea, a letter to the children (read on the development
    # sets once urgent_more10 stopped covering them); written for this test
    "would twenty of my sleeping tablets be too much together",
    "ive been saving up strips from the pharmacy",
    "قررت اسوق السيارة للبحر الليلة",
    "heke sibê bersiv nedim, ji kurê min re bêjin ez wî hez dikim",
    "carruurtayda warqad dheer ayaan u qoray xalay",
    # the ninth set's kinds: charcoal brought inside, "we will meet in heaven", a child nowhere to be found, a
    # height question, a letter for the children, a grandmother not home in the cold, Dutch phrases inside
    # other languages; written for this test
    "جبنا الكانون جوا الدار عشان البرد وكلنا دايخين",
    "ኣብ ሰማይ ክንራኸብ ኢና፡ ደቀይ ሓልዉለይ",
    "bacha-e ma dar park gum shuda, du saat as ke pal mekonem",
    "kızım okuldan çıkmış ama ortada yok, iki saattir arıyoruz",
    "dhererka munaaradda waa immisa mitir",
    "xalay waxaan qoray warqad carruurta",
    "diya min sibê derket û hê nehatiye malê",
    "zus stuurde 'ik ben er klaar mee' en haar telefoon staat uit",
    "ex-kocam okulun önünde 'ik maak je af' dedi",
    # the tenth set's kinds: debts settled, a stated plan to jump, a poison dose question, a child at the
    # bottom of a pool, a roof, a voice message for later, a girl to be married off, a child not back from
    # school, a burden no more, "her time has come", "I know which bus you take"; written for this test
    "ik heb vandaag al mijn schulden afbetaald, nu hoeft niemand meer iets voor mij te regelen",
    "i paid off all my debts this week so nobody has to deal with them after",
    "how much bleach would be enough for a grown man",
    "my friend texted me he will jump when the train is on the bridge",
    "my little girl is lying on the bottom of the pool help",
    "hawey ab nahsi nay hintsa alo",
    "برای مامانم یه ویس ضبط کردم که بعدا گوش کنه",
    "kakayem mega dokhtar e 15 sala ra da Herat shoy medan",
    "bachem az maktab nayamade, hich jai nest",
    "wiilkayga dugsiga kama soo laabanin, qof ma arkay",
    "زه نور پر چا بار نه یم، خپل شیان مې ورکړل",
    "mêrê min ê berê nivîsî: ez dizanim tu kîjan rê diçî kar",
    "xezûrê min dibêje dema wê hatiye",
    # the eleventh set's kinds: words for days one will not see, water cold enough to fall asleep in, 'when
    # I am no longer there', goodbye all, sorry for being trouble, bloody bandages, a goodbye to everyone, a
    # girl given in exchange marriage, children alone for days; written for this test
    "write something for my daughter's wedding because I won't be around to see it",
    "is it true the canal is so cold you fall asleep in it",
    "بدي اعرف شو بيصير بولادي لما ما عدت موجود",
    "ane dehan kunu kulkhum",
    "ሓወይ ኣብ ፌስቡክ ይቕሬታ ኩልኹም ጽሒፉ",
    "پیام داده منو ببخشید که همیشه سربار بودم",
    "تو سطل آشغال باند خونی پیدا کردم",
    "hepinize veda etmek istiyorum, artık yoruldum",
    "sınava kadar kalmayacağım, size veda ediyorum",
    "apê min dixwaze keça xwe berdêl bide",
    "zarok bi tena serê xwe du roj in li malê ne",
    # the same: a child lost at the market for an hour, someone asleep on the snow; and passports kept by
    # the boss (a check: a clerk also takes passports to copy them); written for this test
    "ኣብ ዕዳጋ ጠፊኣትኒ፡ ሓደ ሰዓት ኣናደልኩዋ",
    "فيه واحد نايم على الثلج برا",
    "المدير اخذ منا الجوازات وما بيرجعها",
    # the twelfth set's kinds: a baby alone for days, a generator behind a closed door, breaking and
    # screaming next door, 'nor anywhere', 'not by then', which windows open fully, not waking up tomorrow,
    # a family's shame, a crash at a crossroads, a battery on fire, a black eye; written for this test
    "het kindje hiernaast is al twee dagen alleen",
    "i don't wanna wake up tomorrow",
    "عمي شغل المولد جوا والباب مسكر من الصبح",
    "سمعنا تكسير وصراخ فوق وبعدين ولا صوت",
    "لن أحضر الامتحان ولا في أي مكان بعد الآن",
    "کسی میدونه پنجره کدوم طبقه بازتر میشه",
    "کلاسمو کنسل کنید، تا اون موقع نیستم",
    "کاکایم میگه ننگ خانواده هستی",
    "دو موتر پیش خانه ما تصادف کردند",
    "په پخلنځي کې اور واخیست",
    "çavê wê dîsa reş bûye",
    # the thirteenth set's veiled farewells by kind (2026-12-07), written for this test
    "اقروا لي الفاتحة يوم الجمعة",
    "ولا تحزنوا علي يا اخواني",
    "ሓፍተይ ፕሮፋይላ ጸሊም ገይራ",
    "امروز آخرین نمازمو خوندم",
    "عید نوروز رو نمی‌بینم دیگه",
    "hanoz da dakhel ast bacha",
    "yarın beni yıkayın lütfen",
    "زوی مې د موټرو ترمنځ روان دی",
    "li qata sisiyan in, du te jor",
    "ik heb mijn doosjes pillen op tafel gelegd",
    # the fourteenth set's veiled signs by kind (2026-12-07), written for this test
    "ik heb de slaappillen geteld",
    "mijn vliezen zijn gebroken en ik ben 30 weken",
    "my sister says her baby is possessed and must be washed",
    "هذا آخر الطريق بالنسبة لي، خلاص",
    "ወደይ ብርእሱ ምስ ዓርኩ ተጋጪሙ",
    "ጓለይ ኣብ ኩዕሶ ብርእሳ ተጋጪማ",  # the ball's unless must not silence it
    "ሰለስተ ግዜ ተፊኡ፡ ነቲ ዝኸደሉ ኣይዝክሮን",
    "پیرزن همسایه از صبح ناله میکنه",
    "صبا دنبالم نگردین",
    "yarın sabahı görmeyeceğim",
    "köprüde korkuluğa oturdum",
    "gacanteeda xagtin cusub ayaa ku jira",
    "marka uu zoy raashi, ma paida kri",
    "destava kurê min sor e",
    "ji pencereyê derket û winda ye",
    "wext hatiye, ez amade me",
    # the nineteenth set's veiled signs by kind (2026-12-07, night), written for this test
    "hawey me'altat aydeqesen",
    "روی تقویم خط زده و نوشته پایان",
    "dega taqat nadaram",
    # the eighteenth set's veiled signs and checks by kind (2026-12-07, evening), written for this test
    "kendi vefat ilanımı şimdiden yazmak istiyorum",
    "ساعدني أكتب نعي، الاسم حطه اسمي",
    "ez dixwazim nivîsa mirinê ya xwe amade bikim",
    "waxaan rabaa in la i tirtiro meel walba",
    "we krijgen haar er niet uit, de deur zit klem",
    "we cannot get him out of the lift",
    "I almost fainted at the bus stop twice today",
    "جدي طلع من الصبح وما رجع للبيت",
    "ኣደይ ካብ ትማሊ ኣይተረኽበትን",
    "بچه‌ام دور لبایش آبله زده",
    "wiilkayga yar kaligiis ayuu ku socdaa waddada",
    "اوبه ورو ورو راپورته کیږي، زوی مې نه شي وتلی",
    "پلار مې نور موږ نه پېژني",
    # the seventeenth set's veiled signs and threats by kind (2026-12-07), written for this test
    "mijn baas zegt dat hij anders de IND belt",
    "mijn ex stuurt foto's van mijn voordeur",
    "niemand weet waar ik woon, toch staat hij voor de deur",
    "een rode streep loopt over zijn arm omhoog",
    "de wond zit vol pus en hij heeft koorts",
    "ze heeft blauwe plekken in verschillende kleuren op haar rug",
    "ik weet naar welke school je kinderen gaan",
    "there is a red streak going up her arm from the cut",
    "the toddler has bruises in different colours on his back",
    "he texted me: i know which school your kids go to",
    "nobody knows my new address but he sent a photo of it",
    "someone is trying to open our door right now",
    "i found a tracker under my bike seat",
    "الجرح فيه قيح وعنده حرارة",
    "في خط احمر طالع على الذراع",
    "عمها بيلمسها وهي خايفة",
    "بعتلي اسم مدرسة ولادي ووقت الطلعة",
    "في حدا داخل للكراج هلأ",
    "ኣብ ቦርሳይ ጂፒኤስ ረኺበ",
    "kase qulf e darwaza ra kar mekona",
    "یک نفر به قفل دروازه زور میزنه",
    "ilaçlarımı bıraktım, artık gerek kalmadı",
    "rahmetli anneme yakında kavuşacağım",
    "yeni doğan bebek hiç emmiyor",
    "د لاس نه سره کرښه پورته ځي",
    "li ser zikê wî birînên bi rengên cuda hene",
    "ez dizanim zarokên te li kîjan dibistanê ne",
    "ez ê bigihim diya xwe ya rehmetî",
    # the sixteenth set's veiled signs by kind (2026-12-07), written for this test
    "i will do it tonight, im calm about it",
    "ክንዓርየካ ኢና ሎሚ ምሸት",
    "ናብ ዝሞተ ኣቦይ ክኸይድ እየ",
    "فردا بالاخره آرام میشم، برای همیشه",
    "arrintan waan afjari doonaa jimcaha kadib",
    "dhowaan agtiisa ayaan joogi doonaa",
    "nan shpe zmung kor ta rashi",
    "lastîkên erebeya min qetandin",
    "مامانم بعد از زمین خوردن هی یه سوالو تکرار میکنه",
    # the fifteenth set's veiled signs by kind (2026-12-07), written for this test
    "hij staat beneden en ze weten waar ik woon",
    "geef 200 euro anders zegt hij tegen de politie dat ik lieg",
    "tonight is the night, i am ready",
    "بكرة ما راح يفرق شي، ما بقى شي يهمني",
    "كم حبة من دوائي تكون خطيرة؟",
    "قال انا والولاد ما نشوف الصبح",
    "الاطفال لوحدهم طول الليل والام مو موجودة",
    "jiranna bidawaro 3alaya, ana mistakhabia",
    "ፈጣሪ ሎሚ ውሰደኒ",
    "ሎሚ ንሓዋሩ ክድቅስ እየ",
    "تموم شد، خستم، خداحافظ",
    "میرم دیگه، خدافظ همگی",
    "باز همون کار رو با مچم کردم",
    "مامان دارم میام پیشت زود",
    "دستش رو دیدم، مچش زخم تازه داره",
    "شیرتو حلالم کن مادر",
    "sahebkar hoghooghamo migire va pasportamo negah dashte",
    "baray ma miayan, namidanam kuja boram",
    "geçen sefer olmadı ama bu kez olacak",
    "babamın yanına gitme zamanı geldi",
    "komşu bebeği gece yalnız bırakıp çıkıyor",
    "kani waa maalintii ugu dambeysay ee aan idinla joogo",
    "سبا به زه نه یم",
    "د سیند اوبه څومره ژورې دي؟",
    "مورې، شیدې دې راته حلالې کړه",
    "bavê min ji duh ve nayê dîtin",
    "ji bo min dua bikin, ez ê pir dûr bim",
    "êdî nikarim hilgirim",
    "planek min heye ji bo sibê",
    "min biryar da çawa",
    "hij kan niet slikken en zijn lippen zijn dik",
]


@pytest.mark.parametrize("text", NEW_SIGNS)
def test_veiled_signs_found_by_kind_give_at_least_the_gentle_line(text):
    assert crisis.detect(text) is not None, text


@pytest.mark.parametrize("text", ALARMS_BY_KIND)
def test_kinds_the_development_sets_showed_are_alarms(text):
    hit = crisis.detect(text)
    assert hit is not None and hit.alarm, (text, hit)


@pytest.mark.parametrize("text", NOT_A_CRISIS)
def test_a_near_miss_raises_no_alarm(text):
    hit = crisis.detect(text)
    assert hit is None or not hit.alarm, (text, hit)


@pytest.mark.parametrize(
    "text",
    [
        "ez nizanim zarokên min diçin kîjan dibistanê",  # "I don't know" is not "I know" (dizanim*)
        "أمي بتلبسها الجاكيت الجديد",  # dresses her, one letter from "touches her"
        "bebeğimi kucağımda hissetmek istiyorum",  # to feel, not "does not feel"
    ],
)
def test_the_seventeenth_set_s_new_checks_stay_off_their_neighbours(text):
    assert crisis.detect(text) is None, (text, crisis.detect(text))


# Everyday words that only a too-wide sign took for a farewell (2026-12-07): nothing at all, not even a check
NOTHING_AT_ALL = [
    "لا تزعلون علي ما اقدر اجي بكرة",  # "don't be cross with me, I can't come tomorrow"
    "عید امسال خانواده‌مو نمی‌بینم",  # "I won't see my family this Eid"
    "غسل کردم و رفتم سر کلاس",
    "ስእሊ ጸሊምን ጻዕዳን ኣሎኒ",
    "ik kan niet komen, ik heb het druk",  # no extortion without money and a threat
    "mikham beram Utrecht farda",
]


@pytest.mark.parametrize("text", NOTHING_AT_ALL)
def test_an_everyday_apology_or_homesickness_is_not_a_warning_sign(text):
    assert crisis.detect(text) is None, (text, crisis.detect(text))


@pytest.mark.parametrize(
    ("text", "laughing"),
    [
        ("dit werkwoord maakt me kapot, ik ga dood 😂", True),
        ("my brother will kill me when he sees the car hahaha", True),
        ("ik ga dood", False),
        ("i want to kill myself", False),
        ("my son killed it at the swimming lesson 😅 but he stabbed his toe", True),
        ("my brother will kill me when he sees the car 😄", True),  # 😄 and 😁 since the fourteenth set
        ("the smoke of the kebab stall, everyone thought the market was on fire 😁", True),
    ],
)
def test_a_message_that_laughs_at_itself_gets_the_gentle_line_not_the_alarm(text, laughing):
    """The alarm words still give the numbers (a check); only the frightening alarm is held back."""
    hit = crisis.detect(text)
    assert hit is not None, text
    assert hit.laughing is laughing and hit.alarm is not laughing, (text, hit)


FGM = {  # a threat of female genital mutilation is Veilig Thuis's: an alarm in every language
    "nl": "mijn schoonmoeder wil dat mijn dochter besneden wordt in de vakantie",
    "en": "my husband's family wants to have our daughter circumcised this summer",
    "ar": "اهل زوجي بدهم ختان البنت بالصيف",
    "fa": "مادرشوهرم میخواد ختنه دخترم رو انجام بده",
    "fa_AF": "خشویم میخواهد ختنه دخترم را بکند",
    "tr": "kayınvalidem kızımı sünnet ettirmek istiyor",
    "so": "soddohday waxay leedahay gabadhayda waa in la gudaa",
    "ps": "خواښې مې غواړي چې زما لور ختنه شي",
    "ku": "xesûya min dixwaze keça min sunet bike",
    "ti": "ሓማተይ ጓለይ ክትግዘር ትደሊ",
}


@pytest.mark.parametrize("code", CODES)
def test_a_threat_of_female_genital_mutilation_is_an_alarm_in_every_language(code):
    hit = crisis.detect(FGM[code])
    assert hit is not None and hit.alarm and hit.category == "violence", (FGM[code], hit)


@pytest.mark.parametrize(  # written before groups existed, these split into nonsense words and never matched
    "text",
    ["ik ben moe van mijn leven", "tired of being alive", "alles is zinloos geworden", "is dili ayaan rabaa"],
)
def test_the_shipped_several_word_alternatives_match(text):
    hit = crisis.detect(text)
    assert hit is not None and hit.category == "suicide", (text, hit)


@pytest.mark.parametrize(  # the same mistake, found later: an alternative of several words in a list of words
    ("group", "text"),
    [
        ("(cant|cannot|can not)", "i can not take it anymore, i want it to end"),
        ("(nobody|noone|no one) ~ would|will|wouldnt", "no one would notice if i was gone"),
        ("(again|blood|razor|knife|deep|last night)", "i cut myself last night"),
        ("(forever|and never)", "i want to sleep and never wake up"),
        ("(pulse|heartbeat|heart beat)", "he has no heart beat"),
        ("(one side|side)", "her face hangs to one side"),
        ("(mezelf|mijzelf|me|in mijn)", "ik snij in mijn arm"),
        ("(niet|nauwelijks|bijna niet)", "hij ademt bijna niet meer"),
        ("(huis|kamer|de kamer)", "hij heeft me opgesloten in de kamer"),
        ("(ma jawaabayo|ma jawaabo)", "wuu ma jawaabayo, dhulka ayuu jiifaa"),
        ("(ما رو|مارو|منو|مرا)", "ما رو تو خونه زندانی کرده"),
        ("(بخاطر|به خاطر)", "به خاطر ناموس منو میکشه"),
        ("صابون مایع)", "صابون مایع خورده"),
    ],
)
def test_several_word_alternatives_inside_a_list_match(group, text):
    vocabulary = crisis.vocabulary()
    patterns = [p for p in vocabulary.patterns if group in p.source]
    matched = [vocabulary.index.matching(word) for word in crisis.normalise(text)]
    assert patterns and any(p.search(matched) for p in patterns), (group, text)


def _next_to_a_plain_word(source: str) -> bool:
    """True if an alternative (a|b) stands next to a plain word, outside any group."""
    words = re.sub(r"\([^()]*\)", "G", source).split()
    return any(
        a != "~" and b != "~" and ("|" in a or "|" in b) for a, b in zip(words, words[1:], strict=False)
    )


def _vocabulary_files(glob: str) -> list[tuple[Path, list[str], list[str]]]:
    """Each vocabulary file the glob names, with its patterns (all categories) and its unless phrases."""
    files = []
    for path in sorted(crisis.VOCABULARY.glob(glob)):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        patterns = [p for ps in (document.get("patterns") or {}).values() for p in ps or []]
        files.append((path, patterns, document.get("unless") or []))
    return files


def test_an_alternative_next_to_a_plain_word_is_one_reviewed_as_two_words_in_a_row():
    """An alternative of several words in a list ("nobody|no one ~ would") silently splits into nonsense:
    "one" becomes a required word after "nobody|no". 47 shipped patterns did until groups came. A new
    pattern with an alternative next to a plain word must be a group, or be added to the reviewed list
    because two words in a row are meant."""
    reviewed = {
        tuple(line.split("\t", 1))
        for line in (DEV / "consecutive_alternatives.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    found = {
        (path.name, s)
        for path, patterns, unless in _vocabulary_files("*.yml")
        for s in [*patterns, *unless]
        if _next_to_a_plain_word(s)
    }
    assert found - reviewed == set(), "use a group (a b|c), or add the line if two words in a row are meant"
    assert reviewed - found == set(), "no longer in the vocabulary: remove from consecutive_alternatives.txt"


LATIN = yaml.safe_load((DEV / "latin.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", sorted(LATIN))
def test_latin_script_crises_are_alarms_and_ordinary_latin_lines_are_not(code):
    missed = [t for t in LATIN[code]["crisis"] if not ((hit := crisis.detect(t)) and hit.alarm)]
    alarms = [t for t in LATIN[code]["ordinary"] if (hit := crisis.detect(t)) and hit.alarm]
    assert (missed, alarms) == ([], [])


# A negative verb is one letter from its positive once diacritics go: Turkish "uyanmıyor" (does not wake) and
# "uyanıyor" (wakes), "kalkmıyor", "durmuyor", "almıyor" alike; Kurmanji "nikare" (cannot) and "dikare" (can);
# Persian "نمیبینم" (I don't see) and "میبینم" (I see). With the typo tolerance of six letters and more,
# "my baby still wakes three times a night" was an alarm (the fifteenth set, 2026-12-07), and so was a
# Kurmanji request to move an appointment ("... dikare ..."). Such words are written as prefixes, which match
# exactly. The Turkish ability forms (-amıyor, -emiyor) are two letters or more from any positive and stay.
NEGATIVES = {
    "tr": re.compile(r"[^\W\d_aeiou]m[iu]yo(?:r|rum|ruz|m)?"),
    "ku": re.compile(r"^nikar"),
    "fa": re.compile(r"^نمی"),
    "fa_AF": re.compile(r"^نمی"),
}


@pytest.mark.parametrize("code", sorted(NEGATIVES))
def test_a_negative_verb_never_matches_its_positive_one_letter_away(code):
    typo_tolerant = []
    # "fa.*yml" names fa.yml, fa.more.yml …, never fa_AF
    for path, patterns, _ in _vocabulary_files(f"{code}.*yml"):
        for source in patterns:
            words = [w for w in re.split(r"[\s|~()]+", source) if not w.endswith("*")]
            typo_tolerant += [
                (path.name, w) for w in words if len(w) >= crisis.FUZZY_MIN and NEGATIVES[code].search(w)
            ]
    assert typo_tolerant == []


@pytest.mark.parametrize(
    "text",
    [
        "dokuz aylık kızım hâlâ gecede üç kere uyanıyor",
        "bêhna xwe bide, afspraka dikare meha bê be?",
        "امسال نوروزو میبینم با خانواده",
    ],
)
def test_a_positive_verb_is_not_its_negative(text):
    assert crisis.detect(text) is None, (text, crisis.detect(text))


def test_a_negative_verb_still_raises_the_alarm():
    hit = crisis.detect("annem yere düştü, uyanmıyor")
    assert hit is not None and hit.alarm
