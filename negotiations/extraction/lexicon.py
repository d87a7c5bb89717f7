"""The words the rules read: speech verbs, roles, demonyms, currencies, status cues.

Plain lists, so a journalist can read what the extractor knows and add to it.
"""

import re

# Letters for the patterns: ASCII and the Latin accented ones ("Josué", "Arıkan", "Łukasz").
_LATIN = [chr(c) for c in range(0xC0, 0x250) if chr(c).isalpha()]
UPPER = "A-Z" + "".join(c for c in _LATIN if c.isupper())
LETTERS = "A-Za-z" + "".join(_LATIN)


def words(text):
    return frozenset(text.split())


def phrases(text):
    return frozenset(part.strip() for part in text.split(","))


# Finite forms that introduce a quote or reported speech ("Bessent said ...").
SPEECH_VERBS = words(
    "said says say told tells added adds argued argues insisted insists warned warns claimed "
    "claims noted stressed stresses acknowledged acknowledges admitted admits announced "
    "announces confirmed confirms denied denies suggested suggests predicted predicts "
    "maintained maintains conceded concedes concluded concludes explained explains wrote "
    "writes stated declared declares replied responded recalled countered emphasized "
    "emphasised complained vowed promised urged asked posted remarked observed demanded "
    "demands reiterated reiterates accused accuses"
)
# Verbs that report speech only with "that" ("concluded that …", not "concluded talks").
THAT_VERBS = words("concluded concludes maintained maintains")
# Verbs whose report is the whole sentence ("She accused rich nations of backtracking").
WHOLE_SENTENCE_VERBS = words("accused accuses")
# Verbs that attribute a quote ("“Not by anyone,” he cautioned.") but report no clause of
# their own ("agreed to a truce" is an act).
QUOTE_VERBS = words(
    "tweeted tweets continued continues joked jokes quipped quips cautioned cautions lamented "
    "laments boasted boasts pleaded pleads wondered wonders shouted answered answers retorted "
    "agreed agrees hinted hints signalled signaled echoed echoes underlined underscored "
    "threatened threatens alleged alleges charged testified reassured mused scoffed sighed "
    "conceded recalled proclaimed exclaimed snapped barked pointed summed"
)
# Verbs that take a quote but not a reported clause ("called the plan “a betrayal”").
QUOTE_ONLY_VERBS = words("called calls described describes dubbed labelled labeled")
# Participles whose subject is the main clause's ("…, saying that …").
PARTICIPLES = words(
    "saying telling adding arguing insisting warning claiming noting stressing writing "
    "calling explaining declaring acknowledging urging"
)
# Verbs that report speech without a "that" of their own after an object ("told reporters …").
OBJECT_VERBS = words("told tells telling assured informed reminded warned urged")

AUXILIARIES = words(
    "has had have also later then again earlier previously once repeatedly publicly privately "
    "recently reportedly last on in at this that week month year monday tuesday wednesday "
    "thursday friday saturday sunday today yesterday separately himself herself flatly "
    "bluntly first ago days weeks months years two three four five several few"
)
# They introduce a quote ("“Why now?” she asked") but report no claim ("asked for aid").
QUESTION_VERBS = words("asked asks")

PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person"}

# Role words: a noun phrase naming a speaker by office ("the Treasury secretary").
ROLE_WORDS = words(
    "president secretary minister envoy chancellor spokesman spokeswoman spokesperson "
    "ambassador governor senator premier chief head leader adviser advisor commissioner "
    "director chair chairman chairwoman representative negotiator king queen prince general "
    "mayor speaker aide official diplomat prosecutor judge ceo founder analyst economist "
    "lawyer attorney professor researcher boss"
)
# Roles of people often left unnamed: "the official said" is nobody named before.
ANONYMOUS_ROLES = words("official aide diplomat analyst economist lawyer researcher professor")
# Role words that say which rank, not which office: "top negotiator" is a negotiator.
OPTIONAL_ROLE_WORDS = words(
    "top senior chief lead leading main veteran new current powerful influential longtime"
)
# Words that make another office of a role: "the president" is not the vice president.
MARKED_ROLE_WORDS = words("vice deputy former acting assistant prime under first")
# Heads of a body: "the agency's chief" is whoever leads the agency.
HEAD_WORDS = words("chief head leader boss")
HEAD_TITLES = words(
    "president director chair chairman chairwoman head chief leader ceo premier "
    "secretary-general commissioner governor executive"
)
ROLE_SYNONYMS = {
    "spokeswoman": "spokesman",
    "spokesperson": "spokesman",
    "advisor": "adviser",
    "chairwoman": "chair",
    "chairman": "chair",
    "defence": "defense",
    "attorney": "lawyer",
}
# Common nouns that stand for a body named before ("the group said", "the agency's chief").
ORG_NOUNS = words(
    "group bloc agency union ministry company movement alliance organization organisation "
    "association council committee commission militia coalition federation government "
    "rebels watchdog regulator party consortium firm department office presidency embassy "
    "military army cabinet parliament court bank fund"
)
# A country's bodies that speak for its government when the record holds no other.
GOVERNMENT_NOUNS = words("government ministry presidency cabinet")
# Nouns that stand for any organisation named before ("the group", "the rebels").
GROUP_NOUNS = words(
    "group movement alliance coalition militia rebels organization organisation company firm"
)
# Seats of power that speak for a government ("the White House said").
SEATS = phrases(
    "white house, kremlin, pentagon, downing street, elysee, élysée, elysée palace, "
    "quai d'orsay, blue house, zhongnanhai, state department, foreign office, chancellery, "
    "treasury, home office"
)
# Words that may stand before a name as part of a title ("Foreign Secretary David Lammy").
TITLE_WORDS = ROLE_WORDS | {
    "prime",
    "vice",
    "deputy",
    "foreign",
    "defence",
    "defense",
    "treasury",
    "state",
    "first",
    "special",
    "interior",
    "economy",
    "finance",
    "energy",
    "trade",
    "chief",
    "former",
    "acting",
    "senior",
    "top",
    "presidential",
    "national",
    "security",
    "white",
    "house",
    "kremlin",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "dame",
    "lord",
    "lady",
    "sen",
    "rep",
    "gen",
    "gov",
    "lt",
    "col",
    "capt",
    "pope",
    "sheikh",
    "crown",
    "u.s.",
    "us",
    "eu",
    "un",
    "nato",
}
# Nationality adjectives and the place they name ("the Ukrainian president").
DEMONYMS = {
    "ukrainian": "ukraine",
    "american": "united states",
    "u.s.": "united states",
    "us": "united states",
    "russian": "russia",
    "european": "europe",
    "british": "united kingdom",
    "uk": "united kingdom",
    "french": "france",
    "german": "germany",
    "dutch": "netherlands",
    "polish": "poland",
    "hungarian": "hungary",
    "chinese": "china",
    "turkish": "turkey",
    "saudi": "saudi arabia",
    "italian": "italy",
    "spanish": "spain",
    "canadian": "canada",
    "japanese": "japan",
    "indian": "india",
    "israeli": "israel",
    "iranian": "iran",
    "eu": "european union",
    "kremlin": "russia",
    "afghan": "afghanistan",
    "argentine": "argentina",
    "armenian": "armenia",
    "australian": "australia",
    "austrian": "austria",
    "azerbaijani": "azerbaijan",
    "belarusian": "belarus",
    "belgian": "belgium",
    "brazilian": "brazil",
    "bulgarian": "bulgaria",
    "chilean": "chile",
    "colombian": "colombia",
    "congolese": "congo, the democratic republic of the",
    "croatian": "croatia",
    "cuban": "cuba",
    "czech": "czechia",
    "danish": "denmark",
    "egyptian": "egypt",
    "emirati": "united arab emirates",
    "estonian": "estonia",
    "ethiopian": "ethiopia",
    "finnish": "finland",
    "georgian": "georgia",
    "ghanaian": "ghana",
    "greek": "greece",
    "guinean": "guinea",
    "indonesian": "indonesia",
    "iraqi": "iraq",
    "irish": "ireland",
    "jordanian": "jordan",
    "kazakh": "kazakhstan",
    "kenyan": "kenya",
    "korean": "south korea",
    "latvian": "latvia",
    "lebanese": "lebanon",
    "lithuanian": "lithuania",
    "malaysian": "malaysia",
    "mexican": "mexico",
    "moldovan": "moldova",
    "moroccan": "morocco",
    "nigerian": "nigeria",
    "norwegian": "norway",
    "pakistani": "pakistan",
    "palestinian": "palestine",
    "peruvian": "peru",
    "philippine": "philippines",
    "filipino": "philippines",
    "portuguese": "portugal",
    "qatari": "qatar",
    "romanian": "romania",
    "rwandan": "rwanda",
    "serbian": "serbia",
    "slovak": "slovakia",
    "somali": "somalia",
    "sudanese": "sudan",
    "swedish": "sweden",
    "swiss": "switzerland",
    "syrian": "syria",
    "taiwanese": "taiwan",
    "thai": "thailand",
    "ugandan": "uganda",
    "venezuelan": "venezuela",
    "vietnamese": "vietnam",
    "yemeni": "yemen",
}
# Country names journalists use that the ISO list spells otherwise.
COUNTRY_NAMES = {
    "US": ["United States", "America"],
    "GB": ["Britain", "United Kingdom"],
    "RU": ["Russia"],
    "TR": ["Turkey", "Türkiye"],
    "CD": ["DR Congo", "Democratic Republic of Congo", "Democratic Republic of the Congo"],
    "CZ": ["Czech Republic"],
    "PS": ["Palestine"],
}
STOP_TITLE = words("the of to for and a an in on at 's ’s s")

# Generic speakers: reported speech from them is no named actor's.
GENERIC_SPEAKERS = words(
    "official officials source sources diplomat diplomats analyst analysts aide aides people "
    "experts observers critics lawmakers spokesman spokeswoman spokesperson team delegation "
    "side sides negotiators representatives businessmen leaders governments others report "
    "reports statement media newspaper"
)

# Capitalised words that begin no person's name.
NOT_NAMES = words(
    "the a an in on at but and or if as for to by with from after before since while when "
    "what where who how why it its it's this that these those there here he she they we i you "
    "our his her their asked some many both one two three another other about more most "
    "nothing today yesterday tomorrow now still also even only all no not so yet than "
    "together under over earlier later last next talks negotiations geological rare general "
    "ukraine's europe's here's read send copyright january february march april may june july "
    "august september october november december monday tuesday wednesday thursday friday "
    "saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec"
)
# Places and bodies that are not people (countries come from pycountry).
PLACES = phrases(
    "kyiv, kiev, moscow, washington, brussels, london, paris, berlin, beijing, riyadh, "
    "jeddah, istanbul, ankara, munich, geneva, vienna, warsaw, minsk, doha, cairo, tehran, "
    "oslo, davos, the hague, hague, rome, madrid, tokyo, seoul, delhi, new york, kharkiv, "
    "odesa, odessa, donbas, crimea, europe, asia, africa, america, middle east, oval office, "
    "white house, kremlin, pentagon, nato, eu, un, u.s, us, uk, european union, united "
    "nations, saudi arabia"
)
ORG_WORDS = words(
    "commission council ministry bank fund union agency office department party senate "
    "congress house parliament committee forum news press times post journal reuters cnn bbc "
    "ap group company corporation inc ltd institute university association organization "
    "organisation alliance army court government administration service services authority "
    "network centre center foundation club league board cabinet assembly war three"
)

CURRENCY_SYMBOLS = {
    "US$": "USD",
    "U.S.$": "USD",
    "C$": "CAD",
    "A$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₴": "UAH",
    "₽": "RUB",
    "₹": "INR",
    "₺": "TRY",
    "zł": "PLN",
    "Fr.": "CHF",
    "R$": "BRL",
    "S$": "SGD",
    "Rs": "INR",
    "Rs.": "INR",
    "Dh": "AED",
}
CURRENCY_WORDS = {
    "dollars": "USD",
    "dollar": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "pounds": "GBP",
    "pound": "GBP",
    "sterling": "GBP",
    "hryvnias": "UAH",
    "hryvnia": "UAH",
    "hryvnas": "UAH",
    "hryvnya": "UAH",
    "rubles": "RUB",
    "ruble": "RUB",
    "roubles": "RUB",
    "rouble": "RUB",
    "yuan": "CNY",
    "renminbi": "CNY",
    "yen": "JPY",
    "lira": "TRY",
    "won": "KRW",
    "zlotys": "PLN",
    "zloty": "PLN",
}
# Currency words several countries use: the country the story is about says which
# ("2 billion pesos" in a story from Colombia; "Mexican pesos" anywhere).
SHARED_CURRENCY_WORDS = {
    "peso": {"MX": "MXN", "CO": "COP", "AR": "ARS", "CL": "CLP", "PH": "PHP", "UY": "UYU",
             "CU": "CUP", "DO": "DOP"},
    "dinar": {"IQ": "IQD", "RS": "RSD", "JO": "JOD", "KW": "KWD", "LY": "LYD", "TN": "TND",
              "DZ": "DZD", "BH": "BHD"},
    "shilling": {"KE": "KES", "UG": "UGX", "TZ": "TZS", "SO": "SOS"},
    "rupee": {"IN": "INR", "PK": "PKR", "LK": "LKR", "NP": "NPR"},
    "riyal": {"SA": "SAR", "QA": "QAR", "OM": "OMR", "YE": "YER"},
    "¥": {"JP": "JPY", "CN": "CNY"},
    "dollar": {"US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "HK": "HKD", "SG": "SGD",
               "TW": "TWD"},
    "franc": {"CH": "CHF", "CD": "CDF", "RW": "RWF", "GN": "GNF"},
}  # fmt: skip
CURRENCY_CODES = words(
    "USD EUR GBP UAH RUB CNY JPY CHF CAD AUD INR TRY PLN SAR AED NZD HKD SEK NOK DKK COP MXN "
    "ARS CLP BRL ZAR KRW SGD"
)
MULTIPLIERS = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "mn": 10**6,
    "mln": 10**6,
    "m": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "bln": 10**9,
    "b": 10**9,
    "trillion": 10**12,
    "tn": 10**12,
    "trn": 10**12,
    "lakh": 10**5,
    "crore": 10**7,
}
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a": 1,
    "an": 1,
}

# Status cues: the words that suggest a proposal's status changed.
STATUS_CUES = [
    (
        "withdrawn",
        re.compile(
            r"\b(withdr[ae]wn?|withdraws|pulled (?:back|out)|off the table|scrapped|dropped|"
            r"abandoned)\b",
            re.I,
        ),
    ),
    ("rejected", re.compile(r"\b(reject(?:ed|s)?|refused|turned down|balked|dismissed)\b", re.I)),
    ("signed", re.compile(r"\b(signed|inked)\b", re.I)),
    ("ratified", re.compile(r"\b(ratified)\b", re.I)),
    ("agreed_in_principle", re.compile(r"\b(agreed in principle|accepted|reached a deal)\b", re.I)),
    ("suspended", re.compile(r"\b(suspended|put on hold|on hold|paused)\b", re.I)),
    ("countered", re.compile(r"\b(counter-?proposal|counter-?offer|countered)\b", re.I)),
    ("lapsed", re.compile(r"\b(lapsed|expired)\b", re.I)),
]
EXPECTATION_CUE = re.compile(
    r"\b(expects?|expected|anticipates?|hopes?|"
    r"(?:will|would|could|is set to|are set to|is due to|is to) be "
    r"(?:signed|ratified|reached|approved|adopted|agreed|finali[sz]ed|concluded))\b",
    re.I,
)
NEGATION = re.compile(r"\b(not|n't|never|no)\b[^.,;]{0,20}$", re.I)
