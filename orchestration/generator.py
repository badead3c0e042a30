"""Deterministic synthetic generator of the nine Olist e-commerce CSV files.

The real Kaggle files cannot be redistributed (non-commercial share-alike licence), yet the
loader must be proven against their exact bytes and quirks, and the marts against realistic
distributions at any scale. This module reproduces both from ``random.Random`` alone, so a given
``(orders, seed)`` pair always yields byte-identical files on any machine and Python 3.11+.

Rows are formatted by hand instead of through the ``csv`` module: the real files quote text by a
rule ``csv`` cannot express (quote when the value starts with a digit) and hand formatting is
several times faster at a million orders. Only the geolocation file is large, so it is streamed;
the order loop writes orders, items, payments, reviews and customers side by side without
keeping them in memory.
"""

from __future__ import annotations

import math
import random
import unicodedata
from array import array
from bisect import bisect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

# --- files ---------------------------------------------------------------------------------------

ORDERS_FILE = "olist_orders_dataset.csv"
ITEMS_FILE = "olist_order_items_dataset.csv"
PAYMENTS_FILE = "olist_order_payments_dataset.csv"
REVIEWS_FILE = "olist_order_reviews_dataset.csv"
CUSTOMERS_FILE = "olist_customers_dataset.csv"
PRODUCTS_FILE = "olist_products_dataset.csv"
SELLERS_FILE = "olist_sellers_dataset.csv"
GEOLOCATION_FILE = "olist_geolocation_dataset.csv"
TRANSLATION_FILE = "product_category_name_translation.csv"

HEADERS: dict[str, tuple[str, ...]] = {
    ORDERS_FILE: (
        "order_id",
        "customer_id",
        "order_status",
        "order_purchase_timestamp",
        "order_approved_at",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
        "order_estimated_delivery_date",
    ),
    ITEMS_FILE: (
        "order_id",
        "order_item_id",
        "product_id",
        "seller_id",
        "shipping_limit_date",
        "price",
        "freight_value",
    ),
    PAYMENTS_FILE: (
        "order_id",
        "payment_sequential",
        "payment_type",
        "payment_installments",
        "payment_value",
    ),
    REVIEWS_FILE: (
        "review_id",
        "order_id",
        "review_score",
        "review_comment_title",
        "review_comment_message",
        "review_creation_date",
        "review_answer_timestamp",
    ),
    CUSTOMERS_FILE: (
        "customer_id",
        "customer_unique_id",
        "customer_zip_code_prefix",
        "customer_city",
        "customer_state",
    ),
    PRODUCTS_FILE: (
        "product_id",
        "product_category_name",
        "product_name_lenght",
        "product_description_lenght",
        "product_photos_qty",
        "product_weight_g",
        "product_length_cm",
        "product_height_cm",
        "product_width_cm",
    ),
    SELLERS_FILE: ("seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"),
    GEOLOCATION_FILE: (
        "geolocation_zip_code_prefix",
        "geolocation_lat",
        "geolocation_lng",
        "geolocation_city",
        "geolocation_state",
    ),
    TRANSLATION_FILE: ("product_category_name", "product_category_name_english"),
}
FILE_NAMES: tuple[str, ...] = tuple(HEADERS)
DELTA_FILE_NAMES: tuple[str, ...] = tuple(name for name in FILE_NAMES if name != TRANSLATION_FILE)

# --- calendar ------------------------------------------------------------------------------------

DAY = 86_400
_EPOCH = date(2016, 1, 1)  # timestamps are int seconds since this local midnight
FIRST_PURCHASE_DATE = date(2016, 9, 4)
LAST_PURCHASE_DATE = date(2018, 10, 17)
_FIRST_PURCHASE = (FIRST_PURCHASE_DATE - _EPOCH).days * DAY + 21 * 3600 + 15 * 60 + 19
_LAST_PURCHASE = (LAST_PURCHASE_DATE - _EPOCH).days * DAY + 17 * 3600 + 30 * 60 + 18
_LAST_DAY = (LAST_PURCHASE_DATE - _EPOCH).days

# Relative monthly volume, shaped like the real set: a slow 2016 start, growth through 2017,
# the Black Friday November, a 2018 plateau and a thinner tail before the cut-off.
# fmt: off
_MONTH_WEIGHTS: dict[tuple[int, int], float] = {
    (2016, 9): 0.2, (2016, 10): 3.3, (2016, 11): 0.6, (2016, 12): 0.4,
    (2017, 1): 8.0, (2017, 2): 18.0, (2017, 3): 27.0, (2017, 4): 24.0, (2017, 5): 37.0,
    (2017, 6): 32.0, (2017, 7): 40.0, (2017, 8): 43.0, (2017, 9): 43.0, (2017, 10): 46.0,
    (2017, 11): 75.0, (2017, 12): 57.0,
    (2018, 1): 72.0, (2018, 2): 67.0, (2018, 3): 72.0, (2018, 4): 69.0, (2018, 5): 69.0,
    (2018, 6): 62.0, (2018, 7): 63.0, (2018, 8): 66.0, (2018, 9): 14.0, (2018, 10): 6.0,
}
_WEEKDAY_FACTOR = (1.15, 1.15, 1.1, 1.05, 0.98, 0.75, 0.82)  # Monday first
_SPECIAL_DAYS = {
    date(2017, 11, 23): 1.4, date(2017, 11, 24): 6.5, date(2017, 11, 25): 2.2,
    date(2017, 11, 26): 1.7, date(2017, 11, 27): 1.9, date(2017, 11, 28): 1.3,
    date(2017, 12, 24): 0.5, date(2017, 12, 25): 0.4, date(2018, 1, 1): 0.5,
}
_HOUR_WEIGHTS = (
    2.4, 1.2, 0.5, 0.3, 0.2, 0.2, 0.5, 1.2, 3.0, 4.8, 6.2, 6.6,
    6.0, 6.6, 6.7, 6.4, 6.7, 6.2, 5.8, 5.9, 6.2, 6.2, 5.8, 4.2,
)
# fmt: on


def _cumulative(weights: list[float] | tuple[float, ...]) -> tuple[list[float], float]:
    total = 0.0
    cum = []
    for weight in weights:
        total += weight
        cum.append(total)
    return cum, total


class _Clock:
    """Timestamp text by table lookup: strftime on millions of values would dominate runtime."""

    def __init__(self) -> None:
        self._days: list[str] = []
        self._hms = [
            f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
        ]

    def day(self, index: int) -> str:
        days = self._days
        if index >= len(days):
            start = len(days)
            days.extend((_EPOCH + timedelta(days=i)).isoformat() for i in range(start, index + 400))
        return days[index]

    def ts(self, seconds: int | None) -> str:
        if seconds is None:
            return ""
        day, rest = divmod(seconds, DAY)
        return f"{self.day(day)} {self._hms[rest]}"

    def midnight(self, day: int) -> str:
        return f"{self.day(day)} 00:00:00"


_CLOCK = _Clock()

# --- places --------------------------------------------------------------------------------------

# State, customer share %, seller share %, as in the real set.
# fmt: off
_STATES: tuple[tuple[str, float, float], ...] = (
    ("SP", 41.98, 59.7), ("RJ", 12.92, 5.5), ("MG", 11.70, 7.9), ("RS", 5.50, 4.2),
    ("PR", 5.07, 11.3), ("SC", 3.66, 6.1), ("BA", 3.40, 0.6), ("DF", 2.15, 1.0),
    ("ES", 2.04, 0.7), ("GO", 2.03, 1.3), ("PE", 1.66, 0.3), ("CE", 1.34, 0.4),
    ("PA", 0.98, 0.03), ("MT", 0.91, 0.13), ("MA", 0.75, 0.03), ("MS", 0.72, 0.16),
    ("PB", 0.54, 0.2), ("PI", 0.50, 0.03), ("RN", 0.49, 0.16), ("AL", 0.42, 0.0),
    ("SE", 0.35, 0.03), ("TO", 0.28, 0.0), ("RO", 0.25, 0.06), ("AM", 0.15, 0.03),
    ("AC", 0.08, 0.03), ("AP", 0.07, 0.0), ("RR", 0.05, 0.0),
)
# fmt: on

# uf|city|first zip prefix|last zip prefix|lat|lng|weight within the state. Prefix ranges follow
# the Correios CEP allocation per state and never overlap, so a prefix names one city.
_CITY_TABLE = """
SP|são paulo|01000|05999|-23.5505|-46.6333|14.0
SP|são paulo|08000|08499|-23.5400|-46.4700|2.0
SP|guarulhos|07000|07399|-23.4628|-46.5333|1.2
SP|santo andré|09000|09299|-23.6639|-46.5383|0.8
SP|são bernardo do campo|09600|09899|-23.6914|-46.5646|0.9
SP|diadema|09900|09999|-23.6861|-46.6228|0.3
SP|osasco|06000|06299|-23.5329|-46.7917|0.8
SP|carapicuíba|06300|06399|-23.5235|-46.8407|0.3
SP|barueri|06400|06499|-23.5057|-46.8790|0.4
SP|taboão da serra|06750|06799|-23.6019|-46.7526|0.2
SP|mogi das cruzes|08700|08779|-23.5208|-46.1854|0.4
SP|santos|11000|11099|-23.9608|-46.3336|0.7
SP|praia grande|11700|11729|-24.0058|-46.4028|0.3
SP|são josé dos campos|12200|12248|-23.1791|-45.8872|0.7
SP|campinas|13000|13139|-22.9099|-47.0626|1.5
SP|jundiaí|13200|13219|-23.1857|-46.8978|0.4
SP|piracicaba|13400|13429|-22.7253|-47.6492|0.4
SP|santa bárbara d´oeste|13450|13459|-22.7553|-47.4143|0.15
SP|ribeirão preto|14000|14114|-21.1775|-47.8103|0.5
SP|franca|14400|14414|-20.5386|-47.4008|0.2
SP|araraquara|14800|14811|-21.7845|-48.1780|0.2
SP|são josé do rio preto|15000|15099|-20.8113|-49.3758|0.4
SP|auriflama|15350|15359|-20.6836|-50.5572|0.02
SP|estrela d´oeste|15650|15659|-20.2875|-50.4010|0.02
SP|palmeira d´oeste|15720|15729|-20.4148|-50.7630|0.02
SP|bauru|17000|17099|-22.3246|-49.0871|0.3
SP|marília|17500|17529|-22.2171|-49.9501|0.2
SP|sorocaba|18000|18109|-23.5015|-47.4526|0.6
SP|presidente prudente|19000|19099|-22.1207|-51.3925|0.2
RJ|rio de janeiro|20000|23799|-22.9068|-43.1729|6.0
RJ|niterói|24000|24399|-22.8832|-43.1034|1.0
RJ|são gonçalo|24400|24799|-22.8268|-43.0634|0.8
RJ|duque de caxias|25000|25299|-22.7856|-43.3117|0.6
RJ|petrópolis|25600|25779|-22.5112|-43.1779|0.4
RJ|nova iguaçu|26000|26099|-22.7556|-43.4603|0.6
RJ|volta redonda|27200|27299|-22.5202|-44.0996|0.3
RJ|macaé|27900|27999|-22.3768|-41.7848|0.2
RJ|campos dos goytacazes|28000|28099|-21.7545|-41.3244|0.3
RJ|cabo frio|28900|28999|-22.8894|-42.0286|0.2
ES|vitória|29000|29099|-20.3155|-40.3128|1.0
ES|vila velha|29100|29129|-20.3417|-40.2875|1.0
ES|cariacica|29140|29159|-20.2632|-40.4165|0.5
ES|serra|29160|29179|-20.1211|-40.3074|0.7
ES|cachoeiro de itapemirim|29300|29309|-20.8462|-41.1198|0.3
ES|linhares|29900|29909|-19.3946|-40.0643|0.2
MG|belo horizonte|30000|31999|-19.9167|-43.9345|3.0
MG|contagem|32000|32399|-19.9320|-44.0539|0.6
MG|betim|32600|32699|-19.9678|-44.1983|0.3
MG|governador valadares|35000|35099|-18.8545|-41.9555|0.2
MG|ipatinga|35160|35164|-19.4683|-42.5367|0.2
MG|divinópolis|35500|35519|-20.1446|-44.8912|0.2
MG|sete lagoas|35700|35704|-19.4569|-44.2413|0.2
MG|juiz de fora|36000|36099|-21.7642|-43.3503|0.8
MG|poços de caldas|37700|37719|-21.7878|-46.5613|0.2
MG|uberaba|38000|38099|-19.7472|-47.9381|0.3
MG|uberlândia|38400|38419|-18.9186|-48.2772|0.8
MG|montes claros|39400|39409|-16.7282|-43.8578|0.3
BA|salvador|40000|42499|-12.9777|-38.5016|3.0
BA|lauro de freitas|42700|42709|-12.8978|-38.3271|0.3
BA|camaçari|42800|42849|-12.6996|-38.3263|0.3
BA|feira de santana|44000|44099|-12.2664|-38.9663|0.6
BA|vitória da conquista|45000|45099|-14.8615|-40.8442|0.4
BA|itabuna|45600|45609|-14.7876|-39.2781|0.2
BA|porto seguro|45810|45819|-16.4435|-39.0643|0.1
BA|juazeiro|48900|48909|-9.4162|-40.5033|0.1
SE|aracaju|49000|49099|-10.9472|-37.0731|3.0
SE|nossa senhora do socorro|49160|49169|-10.8550|-37.1264|0.5
SE|lagarto|49400|49409|-10.9170|-37.6500|0.3
PE|recife|50000|52999|-8.0476|-34.8770|3.0
PE|olinda|53000|53399|-8.0089|-34.8553|0.6
PE|paulista|53400|53499|-7.9408|-34.8731|0.3
PE|jaboatão dos guararapes|54000|54499|-8.1130|-35.0148|0.8
PE|caruaru|55000|55099|-8.2760|-35.9819|0.4
PE|petrolina|56300|56339|-9.3891|-40.5030|0.4
AL|maceió|57000|57099|-9.6658|-35.7350|3.0
AL|arapiraca|57300|57319|-9.7525|-36.6611|0.5
PB|joão pessoa|58000|58099|-7.1195|-34.8450|3.0
PB|santa rita|58300|58309|-7.1139|-34.9781|0.2
PB|campina grande|58400|58449|-7.2307|-35.8817|1.0
PB|patos|58700|58709|-7.0244|-37.2800|0.2
RN|natal|59000|59139|-5.7945|-35.2110|3.0
RN|parnamirim|59140|59159|-5.9158|-35.2629|0.6
RN|mossoró|59600|59649|-5.1878|-37.3442|0.7
CE|fortaleza|60000|61599|-3.7319|-38.5267|4.0
CE|caucaia|61600|61699|-3.7361|-38.6531|0.4
CE|maracanaú|61900|61939|-3.8767|-38.6256|0.3
CE|sobral|62000|62099|-3.6861|-40.3497|0.3
CE|juazeiro do norte|63000|63099|-7.2128|-39.3153|0.4
PI|teresina|64000|64099|-5.0920|-42.8038|3.0
PI|parnaíba|64200|64219|-2.9055|-41.7734|0.4
PI|picos|64600|64609|-7.0769|-41.4669|0.3
MA|são luís|65000|65109|-2.5307|-44.3068|3.0
MA|caxias|65600|65609|-4.8590|-43.3560|0.3
MA|timon|65630|65639|-5.0940|-42.8369|0.3
MA|imperatriz|65900|65919|-5.5185|-47.4776|0.7
PA|belém|66000|66999|-1.4558|-48.4902|3.0
PA|ananindeua|67000|67199|-1.3656|-48.3722|0.8
PA|santarém|68000|68099|-2.4430|-54.7082|0.4
PA|marabá|68500|68509|-5.3686|-49.1174|0.4
PA|parauapebas|68515|68516|-6.0676|-49.9022|0.3
PA|castanhal|68740|68749|-1.2964|-47.9262|0.3
AP|macapá|68900|68924|0.0349|-51.0694|3.0
AP|santana|68925|68929|-0.0583|-51.1717|0.5
AM|manaus|69000|69099|-3.1190|-60.0217|4.0
AM|itacoatiara|69100|69104|-3.1386|-58.4449|0.2
AM|parintins|69150|69154|-2.6284|-56.7358|0.2
AM|manacapuru|69400|69409|-3.2907|-60.6216|0.2
RR|boa vista|69300|69339|2.8235|-60.6758|3.0
RR|rorainópolis|69373|69375|0.9397|-60.4180|0.2
AC|rio branco|69900|69923|-9.9754|-67.8249|3.0
AC|cruzeiro do sul|69980|69981|-7.6310|-72.6700|0.5
DF|brasília|70000|71999|-15.7942|-47.8822|5.0
DF|taguatinga|72000|72199|-15.8333|-48.0564|0.8
DF|ceilândia|72200|72299|-15.8192|-48.1081|0.6
DF|gama|72400|72499|-16.0190|-48.0617|0.3
DF|sobradinho|73000|73099|-15.6527|-47.7913|0.3
DF|planaltina|73300|73399|-15.6214|-47.6519|0.2
GO|luziânia|72800|72869|-16.2525|-47.9503|0.2
GO|valparaíso de goiás|72870|72879|-16.0651|-47.9758|0.2
GO|águas lindas de goiás|72910|72919|-15.7617|-48.2816|0.2
GO|goiânia|74000|74899|-16.6869|-49.2648|3.0
GO|aparecida de goiânia|74900|74999|-16.8198|-49.2469|0.8
GO|anápolis|75000|75159|-16.3281|-48.9530|0.6
GO|rio verde|75900|75909|-17.7923|-50.9192|0.3
RO|porto velho|76800|76834|-8.7612|-63.9004|3.0
RO|ariquemes|76870|76879|-9.9133|-63.0408|0.5
RO|ji-paraná|76900|76914|-10.8777|-61.9322|0.8
RO|alta floresta d´oeste|76954|76954|-11.9283|-61.9953|0.1
RO|espigão d´oeste|76974|76974|-11.5256|-61.0132|0.1
RO|vilhena|76980|76989|-12.7406|-60.1458|0.4
TO|palmas|77000|77299|-10.1840|-48.3336|3.0
TO|gurupi|77400|77429|-11.7292|-49.0686|0.4
TO|araguaína|77800|77829|-7.1920|-48.2075|0.8
MT|cuiabá|78000|78099|-15.6014|-56.0979|3.0
MT|várzea grande|78110|78159|-15.6458|-56.1322|1.0
MT|mirassol d´oeste|78280|78284|-15.6759|-58.0951|0.1
MT|tangará da serra|78300|78309|-14.6229|-57.4933|0.3
MT|sinop|78550|78559|-11.8604|-55.5091|0.5
MT|rondonópolis|78700|78749|-16.4673|-54.6372|0.6
MS|campo grande|79000|79129|-20.4697|-54.6201|3.0
MS|corumbá|79300|79339|-19.0082|-57.6511|0.3
MS|três lagoas|79600|79649|-20.7849|-51.7007|0.4
MS|dourados|79800|79849|-22.2231|-54.8120|0.8
PR|curitiba|80000|82999|-25.4284|-49.2733|3.0
PR|são josé dos pinhais|83000|83099|-25.5313|-49.2031|0.5
PR|colombo|83400|83419|-25.2925|-49.2262|0.3
PR|ponta grossa|84000|84099|-25.0916|-50.1668|0.5
PR|guarapuava|85000|85099|-25.3935|-51.4562|0.3
PR|são jorge d´oeste|85575|85575|-25.7085|-52.9204|0.05
PR|cascavel|85800|85829|-24.9555|-53.4552|0.5
PR|foz do iguaçu|85850|85869|-25.5469|-54.5882|0.4
PR|londrina|86000|86099|-23.3045|-51.1696|0.9
PR|maringá|87000|87119|-23.4205|-51.9333|0.7
SC|florianópolis|88000|88099|-27.5954|-48.5480|2.0
SC|são josé|88100|88125|-27.6136|-48.6366|0.8
SC|palhoça|88130|88139|-27.6455|-48.6697|0.4
SC|itajaí|88300|88319|-26.9078|-48.6619|0.6
SC|balneário camboriú|88330|88339|-26.9926|-48.6352|0.5
SC|lages|88500|88529|-27.8157|-50.3264|0.3
SC|criciúma|88800|88819|-28.6775|-49.3697|0.5
SC|blumenau|89000|89099|-26.9194|-49.0661|1.1
SC|joinville|89200|89239|-26.3045|-48.8487|1.5
SC|chapecó|89800|89819|-27.1004|-52.6152|0.5
SC|são miguel d´oeste|89900|89909|-26.7242|-53.5163|0.1
RS|porto alegre|90000|91999|-30.0346|-51.2177|3.0
RS|canoas|92000|92479|-29.9178|-51.1839|0.7
RS|são leopoldo|93000|93179|-29.7604|-51.1472|0.3
RS|novo hamburgo|93300|93599|-29.6783|-51.1309|0.5
RS|gravataí|94000|94199|-29.9413|-50.9869|0.4
RS|caxias do sul|95000|95129|-29.1678|-51.1794|1.0
RS|pelotas|96000|96099|-31.7654|-52.3376|0.6
RS|rio grande|96200|96219|-32.0350|-52.0986|0.3
RS|santa maria|97000|97119|-29.6842|-53.8069|0.6
RS|passo fundo|99000|99099|-28.2576|-52.4091|0.4
"""


@dataclass(frozen=True)
class _City:
    uf: str
    name: str
    zip_lo: int
    zip_hi: int
    lat: float
    lng: float
    weight: float
    geo_names: tuple[str, ...]  # accented, unaccented, mis-decoded: the geolocation file's mess


def _unaccent(text: str) -> str:
    text = text.replace("´", "'")
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _mojibake(text: str) -> str:
    # UTF-8 bytes read as Latin-1, as in the real geolocation file ("sã£o paulo").
    return text.encode("utf-8").decode("latin-1").lower()


def _load_cities() -> tuple[tuple[_City, ...], array]:
    cities = []
    zip_city = array("i", [-1]) * 100_000
    for line in _CITY_TABLE.strip().splitlines():
        uf, name, lo, hi, lat, lng, weight = line.split("|")
        names = (name, _unaccent(name), _mojibake(name))
        city = _City(uf, name, int(lo), int(hi), float(lat), float(lng), float(weight), names)
        for prefix in range(city.zip_lo, city.zip_hi + 1):
            if zip_city[prefix] != -1:
                raise AssertionError(f"zip prefix {prefix} assigned twice in the city table")
            zip_city[prefix] = len(cities)
        cities.append(city)
    return tuple(cities), zip_city


_CITIES, _ZIP_CITY = _load_cities()


def _city_weights(column: int) -> tuple[list[float], float]:
    state_share = {uf: (cust, sell)[column - 1] for uf, cust, sell in _STATES}
    per_state: dict[str, float] = {}
    for city in _CITIES:
        per_state[city.uf] = per_state.get(city.uf, 0.0) + city.weight
    return _cumulative([state_share[c.uf] * c.weight / per_state[c.uf] for c in _CITIES])


_CUSTOMER_CITY_CUM, _CUSTOMER_CITY_TOTAL = _city_weights(1)
_SELLER_CITY_CUM, _SELLER_CITY_TOTAL = _city_weights(2)

# Coordinates outside Brazil's bounding box, as the real file has (Portugal, USA, ocean).
_GEO_OUTLIERS = (
    (42.184003, -8.723762),
    (38.71667, -9.13333),
    (29.4241, -98.4936),
    (-2.2, -80.5),
    (14.6, -38.2),
    (-38.1, -47.3),
)

# --- categories ----------------------------------------------------------------------------------

# Portuguese name, English name (None = missing from the translation file), product count in the
# real set (the relative weight). The English names keep the real file's typos.
_CATEGORIES: tuple[tuple[str, str | None, int], ...] = (
    ("beleza_saude", "health_beauty", 2444),
    ("informatica_acessorios", "computers_accessories", 1639),
    ("automotivo", "auto", 1900),
    ("cama_mesa_banho", "bed_bath_table", 3029),
    ("moveis_decoracao", "furniture_decor", 2657),
    ("esporte_lazer", "sports_leisure", 2867),
    ("perfumaria", "perfumery", 868),
    ("utilidades_domesticas", "housewares", 2335),
    ("telefonia", "telephony", 1134),
    ("relogios_presentes", "watches_gifts", 1329),
    ("alimentos_bebidas", "food_drink", 104),
    ("bebes", "baby", 919),
    ("papelaria", "stationery", 849),
    ("tablets_impressao_imagem", "tablets_printing_image", 9),
    ("brinquedos", "toys", 1411),
    ("telefonia_fixa", "fixed_telephony", 116),
    ("ferramentas_jardim", "garden_tools", 753),
    ("fashion_bolsas_e_acessorios", "fashion_bags_accessories", 849),
    ("eletroportateis", "small_appliances", 231),
    ("consoles_games", "consoles_games", 317),
    ("audio", "audio", 58),
    ("fashion_calcados", "fashion_shoes", 173),
    ("cool_stuff", "cool_stuff", 789),
    ("malas_acessorios", "luggage_accessories", 349),
    ("climatizacao", "air_conditioning", 124),
    ("construcao_ferramentas_construcao", "construction_tools_construction", 400),
    (
        "moveis_cozinha_area_de_servico_jantar_e_jardim",
        "kitchen_dining_laundry_garden_furniture",
        94,
    ),
    ("construcao_ferramentas_jardim", "costruction_tools_garden", 88),
    ("fashion_roupa_masculina", "fashion_male_clothing", 95),
    ("pet_shop", "pet_shop", 719),
    ("moveis_escritorio", "office_furniture", 309),
    ("market_place", "market_place", 104),
    ("eletronicos", "electronics", 517),
    ("eletrodomesticos", "home_appliances", 370),
    ("artigos_de_festas", "party_supplies", 26),
    ("casa_conforto", "home_confort", 111),
    ("construcao_ferramentas_ferramentas", "costruction_tools_tools", 39),
    ("agro_industria_e_comercio", "agro_industry_and_commerce", 74),
    ("moveis_colchao_e_estofado", "furniture_mattress_and_upholstery", 10),
    ("livros_tecnicos", "books_technical", 123),
    ("casa_construcao", "home_construction", 225),
    ("instrumentos_musicais", "musical_instruments", 289),
    ("moveis_sala", "furniture_living_room", 156),
    ("construcao_ferramentas_iluminacao", "construction_tools_lights", 78),
    ("industria_comercio_e_negocios", "industry_commerce_and_business", 68),
    ("alimentos", "food", 82),
    ("artes", "art", 55),
    ("moveis_quarto", "furniture_bedroom", 45),
    ("livros_interesse_geral", "books_general_interest", 216),
    ("construcao_ferramentas_seguranca", "construction_tools_safety", 91),
    ("fashion_underwear_e_moda_praia", "fashion_underwear_beach", 53),
    ("fashion_esporte", "fashion_sport", 19),
    ("sinalizacao_e_seguranca", "signaling_and_security", 93),
    ("pcs", "computers", 30),
    ("artigos_de_natal", "christmas_supplies", 65),
    ("fashion_roupa_feminina", "fashio_female_clothing", 30),
    ("eletrodomesticos_2", "home_appliances_2", 90),
    ("livros_importados", "books_imported", 31),
    ("bebidas", "drinks", 81),
    ("cine_foto", "cine_photo", 28),
    ("la_cuisine", "la_cuisine", 10),
    ("musica", "music", 27),
    ("casa_conforto_2", "home_comfort_2", 5),
    ("portateis_casa_forno_e_cafe", "small_appliances_home_oven_and_coffee", 31),
    ("cds_dvds_musicais", "cds_dvds_musicals", 1),
    ("dvds_blu_ray", "dvds_blu_ray", 48),
    ("flores", "flowers", 14),
    ("artes_e_artesanato", "arts_and_craftmanship", 19),
    ("fraldas_higiene", "diapers_and_hygiene", 12),
    ("fashion_roupa_infanto_juvenil", "fashion_childrens_clothes", 5),
    ("seguros_e_servicos", "security_and_services", 2),
    ("pc_gamer", None, 3),
    ("portateis_cozinha_e_preparadores_de_alimentos", None, 10),
)
UNTRANSLATED_CATEGORIES: tuple[str, ...] = tuple(c for c, en, _ in _CATEGORIES if en is None)
_CATEGORY_CUM, _CATEGORY_TOTAL = _cumulative([w for _, _, w in _CATEGORIES])

# --- distributions -------------------------------------------------------------------------------

_STATUSES = (
    "delivered",
    "shipped",
    "canceled",
    "unavailable",
    "invoiced",
    "processing",
    "created",
    "approved",
)
_STATUS_CUM, _STATUS_TOTAL = _cumulative((97.02, 1.11, 0.63, 0.61, 0.32, 0.30, 0.005, 0.002))
_OPEN_STATUSES = frozenset(("shipped", "invoiced", "processing", "created", "approved"))
# fmt: off
_ITEM_COUNTS = (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 14, 15, 20, 21)
_ITEM_COUNT_CUM, _ITEM_COUNT_TOTAL = _cumulative(
    (90.1, 7.62, 1.34, 0.51, 0.21, 0.2, 0.022, 0.008, 0.008, 0.004, 0.005, 0.002, 0.002,
     0.002, 0.001)
)
# fmt: on
_INSTALLMENT_CUM, _INSTALLMENT_TOTAL = _cumulative(
    (50.0, 12.0, 10.0, 7.0, 5.0, 4.0, 1.6, 4.0, 0.6, 5.5)
)
_SINGLE_PAYMENT_TYPES = ("credit_card", "boleto", "voucher", "debit_card")
_SINGLE_PAYMENT_CUM, _SINGLE_PAYMENT_TOTAL = _cumulative((77.2, 19.9, 1.35, 1.55))
_SCORES_ON_TIME = _cumulative((6.5, 2.5, 8.0, 21.0, 62.0))  # scores 1..5
_SCORES_LATE = _cumulative((42.0, 8.0, 12.0, 13.0, 25.0))
_SCORES_NOT_DELIVERED = _cumulative((60.0, 8.0, 10.0, 7.0, 15.0))
_MESSAGE_PROBABILITY = (0.0, 0.75, 0.7, 0.55, 0.33, 0.35)  # by score
_TITLE_PROBABILITY = 0.117

# Customer kinds: how many orders one customer_unique_id places.
_ONE_TIME, _REGULAR, _LOYAL, _VIP = 0, 1, 2, 3
_VIP_MIN_PRICE = 21_000  # cents: six VIP orders always exceed the R$ 1,200 spend threshold

# --- review text ---------------------------------------------------------------------------------

_POSITIVE = (
    "Produto chegou antes do prazo",
    "Recomendo a loja",
    "Ótimo produto, entrega rápida",
    "Muito bom",
    "Produto de excelente qualidade",
    "Chegou tudo certinho",
    "Amei o produto",
    "Superou minhas expectativas",
    "Entrega super rápida, parabéns",
    "Tudo conforme o anunciado",
    "Bem embalado e chegou no prazo",
    "Gostei muito, recomendo",
    "Comprarei novamente",
    "Vendedor confiável",
    "Produto original, igual à foto",
    "Minha filha adorou",
    "recebi bem antes do prazo estipulado",
    "lannister é top",
    'Produto "original", chegou rápido',
    "10/10, recomendo",
    "5 estrelas para a loja",
    'Veio com o selo "garantia", gostei',
    "Excelente custo-benefício",
)
_NEUTRAL = (
    "Produto bom, mas a embalagem veio amassada",
    "Chegou dentro do prazo",
    "O produto é bom, porém a cor é diferente da foto",
    "Razoável",
    "Esperava mais pelo preço",
    "Demorou um pouco, mas chegou",
    'Pedi a cor "azul" e veio preta',
    "O tamanho é menor do que parece",
    "Atende, mas poderia ser melhor",
    "2 dias de atraso, mas o produto é bom",
)
_NEGATIVE = (
    "Não recebi o produto",
    "Produto veio com defeito",
    "Até agora não recebi meu pedido",
    "Comprei dois e recebi apenas um",
    "Péssimo atendimento, ninguém responde",
    "Veio o produto errado",
    "Produto diferente do anunciado",
    "Estou aguardando a troca há semanas",
    "Entrega atrasada e sem informação",
    "Quero meu dinheiro de volta",
    'A loja diz que foi "entregue", mas não recebi nada',
    "O rastreamento não funciona",
    "Não comprem dessa loja",
)
_TITLES_POSITIVE = (
    "Recomendo",
    "recomendo",
    "Ótimo",
    "Super recomendo",
    "Excelente",
    "Muito bom",
    "Gostei",
    "Entrega rápida",
    "Nota 10",
    "10",
    "5 estrelas",
    "Produto ótimo, chegou rápido",
    "Top",
)
_TITLES_NEUTRAL = ("Bom", "Razoável", "Ok", "Poderia ser melhor", "Mais ou menos")
_TITLES_NEGATIVE = (
    "Não recebi",
    "Péssimo",
    "Produto com defeito",
    "Atrasou",
    "Decepcionado",
    "Ruim",
    "Não recomendo",
    "Produto errado",
)
_FIRST_NAMES = ("joao", "maria", "ana", "carlos", "fernanda", "paulo", "juliana", "rafael")
_LAST_NAMES = ("silva", "souza", "oliveira", "santos", "pereira", "lima", "costa", "ferreira")
_MAIL_DOMAINS = ("gmail.com", "hotmail.com", "yahoo.com.br", "uol.com.br", "outlook.com")
_AREA_CODES = ("11", "21", "31", "41", "47", "51", "61", "71", "81", "85", "19", "27")


def _q(text: str) -> str:
    """Quote a text value the way the real files do."""
    if not text:
        return ""
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    if "0" <= text[0] <= "9":
        return '"' + text + '"'
    return text


def _qid(hex_id: str) -> str:
    return '"' + hex_id + '"' if hex_id[0] <= "9" else hex_id


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _header_line(name: str) -> str:
    return ",".join(f'"{column}"' for column in HEADERS[name]) + "\n"


def _translation_text() -> str:
    rows = [",".join(HEADERS[TRANSLATION_FILE])]
    rows += [f"{pt},{en}" for pt, en, _ in _CATEGORIES if en is not None]
    return "\ufeff" + "\r\n".join(rows)


# --- output --------------------------------------------------------------------------------------


class _NullFile:
    """Stands in for a file when only the generator's end state is wanted (deltas)."""

    def write(self, text: str) -> int:
        return 0


class _Files:
    """The open output files of one folder, with a data-row count per file."""

    def __init__(self, folder: Path | None, names: tuple[str, ...]) -> None:
        self.folder = folder
        self.handles: dict[str, TextIO | _NullFile] = {}
        self.counts = dict.fromkeys(names, 0)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            if name == TRANSLATION_FILE:
                continue
            if folder is None:
                self.handles[name] = _NullFile()
            else:
                handle = (folder / name).open("w", encoding="utf-8", newline="", buffering=1 << 20)
                handle.write(_header_line(name))
                self.handles[name] = handle

    def close(self) -> None:
        for handle in self.handles.values():
            if not isinstance(handle, _NullFile):
                handle.close()


@contextmanager
def _open_files(folder: Path | None, names: tuple[str, ...]) -> Iterator[_Files]:
    files = _Files(folder, names)
    try:
        yield files
    finally:
        files.close()


# --- the world -----------------------------------------------------------------------------------


@dataclass
class _Customer:
    unique_id: str
    zip_prefix: int
    city: int
    kind: int
    recent_done: bool = False


@dataclass
class _OpenOrder:
    """An order that can still change status: what was published and what will happen."""

    order_id: str
    customer_id: str
    status: str
    purchase: int
    approved: int | None
    carrier: int | None
    delivered: int | None
    est_day: int
    plan: list[int | None]  # approved, carrier, delivered; None = not decided yet
    reviewed: bool


class _World:
    """Everything the generator knows: products, sellers, customers, open orders.

    One instance writes the base files and then, unchanged in meaning, the daily deltas, so a
    delta can only reference ids that exist and only move orders that are really open.
    """

    def __init__(self, orders: int, seed: int) -> None:
        self.orders = orders
        self.seed = seed
        self.snapshot_day = _LAST_DAY
        self.product_ids: list[str] = []
        self.product_price = array("i")
        self.product_freight = array("i")
        self.product_seller = array("i")
        self.premium: list[int] = []
        self.next_unsold = 0
        self.seller_ids: list[str] = []
        self.zip_counts = array("I", [0]) * 100_000
        self.new_zips: list[int] | None = None  # collected while writing deltas
        self.repeaters: list[_Customer] = []
        self.open: dict[str, _OpenOrder] = {}
        self.last_review: tuple[str, int, str, str] | None = None
        # Rare payment quirks appear at least once, so even the small sample exercises them.
        self.quirks_pending = {"not_defined", "zero_installments"}
        day_cum, day_total, day_index = self._purchase_days()
        self.day_cum, self.day_total, self.day_index = day_cum, day_total, day_index
        self.hour_cum, self.hour_total = _cumulative(_HOUR_WEIGHTS)

    # -- helpers --

    @staticmethod
    def _purchase_days() -> tuple[list[float], float, list[int]]:
        weights, indexes = [], []
        day = FIRST_PURCHASE_DATE + timedelta(days=1)
        while day <= LAST_PURCHASE_DATE:
            month = (
                date(day.year + day.month // 12, day.month % 12 + 1, 1)
                - date(day.year, day.month, 1)
            ).days
            weight = _MONTH_WEIGHTS[(day.year, day.month)] / month
            weight *= _WEEKDAY_FACTOR[day.weekday()] * _SPECIAL_DAYS.get(day, 1.0)
            weights.append(weight)
            indexes.append((day - _EPOCH).days)
            day += timedelta(days=1)
        cum, total = _cumulative(weights)
        return cum, total, indexes

    def _time_of_day(self, rng: random.Random) -> int:
        hour = bisect(self.hour_cum, rng.random() * self.hour_total)
        return hour * 3600 + rng.randrange(3600)

    def _purchase_time(self, rng: random.Random) -> int:
        day = self.day_index[bisect(self.day_cum, rng.random() * self.day_total)]
        return day * DAY + self._time_of_day(rng)

    def _location(self, rng: random.Random, cum: list[float], total: float) -> tuple[int, int]:
        city_index = bisect(cum, rng.random() * total)
        city = _CITIES[city_index]
        return rng.randint(city.zip_lo, city.zip_hi), city_index

    def _use_zip(self, prefix: int) -> None:
        if self.zip_counts[prefix] == 0 and self.new_zips is not None:
            self.new_zips.append(prefix)
        self.zip_counts[prefix] += 1

    # -- sellers and products --

    def add_seller(self, rng: random.Random, files: _Files, messy: bool = False) -> int:
        seller_id = f"{rng.getrandbits(128):032x}"
        prefix, city_index = self._location(rng, _SELLER_CITY_CUM, _SELLER_CITY_TOTAL)
        city = _CITIES[city_index]
        name = city.name
        if messy or rng.random() < 0.03:
            name = rng.choice(
                (
                    f"{city.name}/{city.uf.lower()}",
                    f"{city.name} / {city.uf.lower()}",
                    _unaccent(city.name),
                    f"{prefix:05d}{rng.randrange(1000):03d}",
                    "sp / sp" if city.uf == "SP" else f"{city.name} - {city.uf.lower()}",
                )
            )
        self._use_zip(prefix)
        files.handles[SELLERS_FILE].write(
            f'{_qid(seller_id)},"{prefix:05d}",{_q(name)},{city.uf}\n'
        )
        files.counts[SELLERS_FILE] += 1
        self.seller_ids.append(seller_id)
        return len(self.seller_ids) - 1

    def add_product(
        self,
        rng: random.Random,
        files: _Files,
        seller: int,
        category: str | None = None,
        empty_dimensions: bool = False,
    ) -> None:
        product_id = f"{rng.getrandbits(128):032x}"
        rand = rng.random
        if category is None:
            if rand() < 0.0185:
                category = ""
            else:
                category = _CATEGORIES[bisect(_CATEGORY_CUM, rand() * _CATEGORY_TOTAL)][0]
        if category:
            name_len = str(max(5, min(76, int(rng.gauss(48, 10)))))
            desc_len = str(max(4, min(3992, int(rng.lognormvariate(6.4, 0.75)))))
            photos = str(min(20, 1 + int(rng.expovariate(0.85))))
        else:
            name_len = desc_len = photos = ""
        weight_g = max(50, min(40_425, int(rng.lognormvariate(6.55, 1.25))))
        if rand() < 0.0003:
            weight_g = 0
        scale = ((weight_g or 50) / 700) ** (1 / 3)
        dims = [
            max(low, min(high, int(median * scale * rng.lognormvariate(0, 0.3))))
            for median, low, high in ((26, 7, 105), (13, 2, 105), (20, 6, 118))
        ]
        sizes = ",,," if empty_dimensions else f"{weight_g},{dims[0]},{dims[1]},{dims[2]}"
        files.handles[PRODUCTS_FILE].write(
            f"{_qid(product_id)},{category},{name_len},{desc_len},{photos},{sizes}\n"
        )
        files.counts[PRODUCTS_FILE] += 1
        raw = rng.lognormvariate(4.25, 0.95)  # median about R$ 70
        ending = rand()
        if ending < 0.45:
            price = int(raw) * 100 + 99
        elif ending < 0.7:
            price = int(raw) * 100 + 90
        else:
            price = int(raw * 100)
        price = max(1000, min(200_000, price))
        freight = int(100 * rng.lognormvariate(math.log(15) + 0.3 * math.log(scale**3), 0.4))
        self.product_ids.append(product_id)
        self.product_price.append(price)
        self.product_freight.append(max(300, min(9000, freight)))
        self.product_seller.append(seller)
        if price >= _VIP_MIN_PRICE:
            self.premium.append(len(self.product_ids) - 1)

    def _pick_product(self, rng: random.Random, vip: bool) -> int:
        if vip and self.premium:
            return self.premium[int(len(self.premium) * rng.random())]
        if self.next_unsold < len(self.product_ids):
            self.next_unsold += 1
            return self.next_unsold - 1
        return int(len(self.product_ids) * rng.random() ** 2)

    # -- customers --

    def new_customer(self, rng: random.Random, kind: int) -> _Customer:
        prefix, city_index = self._location(rng, _CUSTOMER_CITY_CUM, _CUSTOMER_CITY_TOTAL)
        return _Customer(f"{rng.getrandbits(128):032x}", prefix, city_index, kind)

    def plan_customers(self, rng: random.Random) -> list[int]:
        """One slot per order: the index of a repeat customer, or -1 for a one-time buyer.

        Repeat buyers are planned explicitly (instead of drawn) so that every segment of the
        business rules occurs even at a few thousand orders, in about the real proportion
        (about 6% of orders come from customers who buy more than once).
        """
        n = self.orders
        budget = n // 2
        plan = (
            (_VIP, max(3, round(n * 0.0006)), 7, 12),
            (_LOYAL, max(4, round(n * 0.0012)), 4, 5),
            (_REGULAR, max(3, round(n * 0.0025)), 3, 3),
            (_REGULAR, max(6, round(n * 0.022)), 2, 2),
        )
        slots: list[int] = []
        for kind, customers, low, high in plan:
            for _ in range(customers):
                count = rng.randint(low, high)
                if count > budget:
                    break
                budget -= count
                self.repeaters.append(self.new_customer(rng, kind))
                slots.extend([len(self.repeaters) - 1] * count)
        slots.extend([-1] * (n - len(slots)))
        rng.shuffle(slots)
        return slots

    # -- one order --

    def emit_order(
        self, rng: random.Random, files: _Files, purchase: int, customer: _Customer
    ) -> None:
        """Write one order with its customer row, items, payments and reviews."""
        rand = rng.random
        handles = files.handles
        counts = files.counts
        order_id = f"{rng.getrandbits(128):032x}"
        customer_id = f"{rng.getrandbits(128):032x}"
        q_order = _qid(order_id)
        kind = customer.kind
        status = _STATUSES[bisect(_STATUS_CUM, rand() * _STATUS_TOTAL)]
        if kind >= _LOYAL and status in ("canceled", "unavailable"):
            status = "delivered"  # planned frequent buyers keep their counted orders

        # customer
        city = _CITIES[customer.city]
        handles[CUSTOMERS_FILE].write(
            f'{_qid(customer_id)},{_qid(customer.unique_id)},"{customer.zip_prefix:05d}",'
            f"{_q(city.name)},{city.uf}\n"
        )
        counts[CUSTOMERS_FILE] += 1
        self._use_zip(customer.zip_prefix)

        # items
        if status == "unavailable":
            n_items = 0 if rand() < 0.99 else 1
        elif status == "canceled":
            n_items = 0 if rand() < 0.26 else 1
        elif status == "created":
            n_items = 0
        else:
            n_items = _ITEM_COUNTS[bisect(_ITEM_COUNT_CUM, rand() * _ITEM_COUNT_TOTAL)]
        value = 0
        if n_items:
            vip = kind == _VIP
            limit = _CLOCK.ts(purchase + rng.randint(2 * DAY, 8 * DAY))
            write_item = handles[ITEMS_FILE].write
            product = -1
            for item in range(1, n_items + 1):
                if product < 0 or rand() > 0.55:
                    product = self._pick_product(rng, vip)
                price = self.product_price[product]
                if rand() < 0.2:
                    price = max(1000, min(200_000, int(price * rng.uniform(0.9, 1.1))))
                if vip and price < _VIP_MIN_PRICE:
                    price = _VIP_MIN_PRICE + rng.randrange(20_000)
                freight = (
                    0
                    if rand() < 0.004
                    else int(self.product_freight[product] * rng.uniform(0.85, 1.25))
                )
                value += price + freight
                write_item(
                    f"{q_order},{item},{_qid(self.product_ids[product])},"
                    f"{_qid(self.seller_ids[self.product_seller[product]])},{limit},"
                    f"{_money(price)},{_money(freight)}\n"
                )
            counts[ITEMS_FILE] += n_items

        # payments
        if not value:  # paid, then cancelled before any item was attached
            value = max(1000, int(100 * rng.lognormvariate(4.7, 0.8)))
        main_type = self._emit_payments(rng, files, q_order, value, status)

        # lifecycle
        app, car, dlv, est_day = self._lifecycle(rng, purchase, status, main_type)
        snapshot = (self.snapshot_day + 1) * DAY - 1
        plan = [app, car, dlv]
        if app is not None and app > snapshot:
            app = car = dlv = None
        elif car is not None and car > snapshot:
            car = dlv = None
        elif dlv is not None and dlv > snapshot:
            dlv = None
        if status == "delivered" or status in _OPEN_STATUSES:
            status = self._stage_status(status, app, car, dlv, snapshot)
        handles[ORDERS_FILE].write(
            f"{q_order},{_qid(customer_id)},{status},{_CLOCK.ts(purchase)},{_CLOCK.ts(app)},"
            f"{_CLOCK.ts(car)},{_CLOCK.ts(dlv)},{_CLOCK.midnight(est_day)}\n"
        )
        counts[ORDERS_FILE] += 1

        # reviews
        reviewed = self._emit_reviews(rng, files, order_id, status, purchase, dlv, est_day)
        if status in _OPEN_STATUSES:
            self.open[order_id] = _OpenOrder(
                order_id, customer_id, status, purchase, app, car, dlv, est_day, plan, reviewed
            )

    @staticmethod
    def _stage_status(
        drawn: str, app: int | None, car: int | None, dlv: int | None, snapshot: int
    ) -> str:
        if dlv is not None:
            return "delivered"
        if car is not None:
            return "shipped"
        if app is not None:
            if drawn in ("invoiced", "processing", "approved"):
                return drawn
            return "invoiced" if snapshot - app > DAY else "approved"
        return "created"

    def _emit_payments(
        self, rng: random.Random, files: _Files, q_order: str, value: int, status: str
    ) -> str:
        rand = rng.random
        rows: list[tuple[str, int, int]] = []  # type, installments, cents
        if status == "canceled" and ("not_defined" in self.quirks_pending or rand() < 0.006):
            self.quirks_pending.discard("not_defined")
            rows.append(("not_defined", 1, 0))
        elif rand() < 0.028:
            roll = rand()
            if roll < 0.8:
                k = 2
            elif roll < 0.92:
                k = 3
            elif roll < 0.98:
                k = rng.randint(4, 7)
            else:
                k = rng.randint(8, 29)
            if k >= 8:
                vouchers = value
                n_vouchers = k
            else:
                vouchers = int(value * rng.uniform(0.05, 0.7))
                n_vouchers = k - 1
                main = "debit_card" if rand() < 0.08 else "credit_card"
                installments = 1
                if main == "credit_card":
                    installments = 1 + bisect(_INSTALLMENT_CUM, rand() * _INSTALLMENT_TOTAL)
                rows.append((main, installments, value - vouchers))
            cuts = sorted(rng.randint(0, vouchers) for _ in range(n_vouchers - 1))
            previous = 0
            for cut in [*cuts, vouchers]:
                rows.append(("voucher", 1, cut - previous))
                previous = cut
        else:
            kind = _SINGLE_PAYMENT_TYPES[
                bisect(_SINGLE_PAYMENT_CUM, rand() * _SINGLE_PAYMENT_TOTAL)
            ]
            installments = 1
            paid = value
            if kind == "credit_card":
                installments = 1 + bisect(_INSTALLMENT_CUM, rand() * _INSTALLMENT_TOTAL)
                if installments >= 2 and rand() < 0.012:  # interest on the instalments
                    paid = value + int(value * 0.015 * installments)
                if "zero_installments" in self.quirks_pending or rand() < 0.0002:
                    self.quirks_pending.discard("zero_installments")
                    installments = 0
            rows.append((kind, installments, paid))
        write = files.handles[PAYMENTS_FILE].write
        for sequential, (kind, installments, cents) in enumerate(rows, start=1):
            write(f"{q_order},{sequential},{kind},{installments},{_money(cents)}\n")
        files.counts[PAYMENTS_FILE] += len(rows)
        return rows[0][0]

    @staticmethod
    def _lifecycle(
        rng: random.Random, purchase: int, status: str, payment: str
    ) -> tuple[int | None, int | None, int | None, int]:
        """Approval, carrier and delivery times as they will happen; estimated date."""
        rand = rng.random
        purchase_day = purchase // DAY
        app = car = dlv = None
        if status != "created" and (status != "canceled" or rand() < 0.85):
            if payment == "boleto":
                app = purchase + rng.randint(5 * 3600, 72 * 3600)
            else:
                app = purchase + max(20, min(4 * DAY, int(rng.lognormvariate(6.8, 1.3))))
        ship = max(7200, min(25 * DAY, int(DAY * rng.lognormvariate(0.9, 0.75))))
        if app is not None and (
            status in ("delivered", "shipped") or (status == "canceled" and rand() < 0.08)
        ):
            car = app + ship
        if status != "delivered":
            return app, car, None, purchase_day + int(rng.triangular(8, 50, 22))
        dlv = car + max(DAY * 2 // 5, min(90 * DAY, int(DAY * rng.lognormvariate(2.0, 0.55))))
        delivered_day = dlv // DAY
        if rand() < 0.078:  # late
            est_day = delivered_day - 1 - int(rng.expovariate(0.2))
            if est_day < purchase_day + 3:
                est_day = purchase_day + 3
                if delivered_day <= est_day:
                    delivered_day = est_day + 1 + rng.randint(0, 10)
                    dlv = max(car + 3600, delivered_day * DAY + rng.randint(8 * 3600, 21 * 3600))
        else:
            est_day = max(delivered_day + int(rng.triangular(0, 35, 9)), purchase_day + 7)
        return app, car, dlv, est_day

    def _emit_reviews(
        self,
        rng: random.Random,
        files: _Files,
        order_id: str,
        status: str,
        purchase: int,
        dlv: int | None,
        est_day: int,
    ) -> bool:
        rand = rng.random
        if rand() < 0.0077:
            return True  # never reviewed
        purchase_day = purchase // DAY
        if dlv is not None:
            day = dlv // DAY + (1 if rand() < 0.85 else rng.randint(0, 4))
            scores = _SCORES_LATE if dlv // DAY > est_day else _SCORES_ON_TIME
        elif status in ("canceled", "unavailable"):
            day = purchase_day + rng.randint(1, 20)
            scores = _SCORES_NOT_DELIVERED
        else:
            day = est_day + rng.randint(0, 3)
            scores = _SCORES_NOT_DELIVERED
        day = max(day, purchase_day + 1)
        if day > self.snapshot_day:
            return False  # the survey has not been sent yet
        self._write_review(rng, files, order_id, day, scores)
        if rand() < 0.0055:  # a second review of the same order, later
            second = day + rng.randint(1, 30)
            if second <= self.snapshot_day:
                self._write_review(rng, files, order_id, second, scores, allow_reuse=False)
        return True

    def _write_review(
        self,
        rng: random.Random,
        files: _Files,
        order_id: str,
        day: int,
        scores: tuple[list[float], float],
        allow_reuse: bool = True,
    ) -> None:
        answer = day * DAY + max(3600, min(40 * DAY, int(DAY * rng.lognormvariate(0.7, 0.9))))
        if allow_reuse and self.last_review is not None and rng.random() < 0.008:
            # One survey answered for two orders of the same purchase: the real review_id dupes.
            review_id, score, title, message = self.last_review
        else:
            review_id = f"{rng.getrandbits(128):032x}"
            score = 1 + bisect(scores[0], rng.random() * scores[1])
            title = self._title(rng, score) if rng.random() < _TITLE_PROBABILITY else ""
            message = (
                self._message(rng, score) if rng.random() < _MESSAGE_PROBABILITY[score] else ""
            )
            self.last_review = (review_id, score, title, message)
        files.handles[REVIEWS_FILE].write(
            f"{_qid(review_id)},{_qid(order_id)},{score},{_q(title)},{_q(message)},"
            f"{_CLOCK.midnight(day)},{_CLOCK.ts(answer)}\n"
        )
        files.counts[REVIEWS_FILE] += 1

    @staticmethod
    def _title(rng: random.Random, score: int) -> str:
        pool = (
            _TITLES_NEGATIVE if score <= 2 else _TITLES_NEUTRAL if score == 3 else _TITLES_POSITIVE
        )
        return rng.choice(pool)

    @staticmethod
    def _message(rng: random.Random, score: int) -> str:
        pool = _NEGATIVE if score <= 2 else _NEUTRAL if score == 3 else _POSITIVE
        parts = [rng.choice(pool) for _ in range(1 + int(rng.expovariate(1.6)))]
        roll = rng.random()
        if roll < 0.012:
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            parts.append(
                f"Meu e-mail é {first}.{last}{rng.randint(1, 99)}@{rng.choice(_MAIL_DOMAINS)}"
            )
        elif roll < 0.024:
            phone = (
                f"({rng.choice(_AREA_CODES)}) 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
            )
            parts.append(rng.choice(("Me liguem no", "WhatsApp", "Contato:")) + " " + phone)
        text = parts[0]
        for part in parts[1:]:
            separator = rng.random()
            if separator < 0.2:
                text += "\n" + part
            elif separator < 0.5:
                text += ", " + part[0].lower() + part[1:]
            else:
                text += ". " + part
        if rng.random() < 0.25:
            text = text.lower()
        if rng.random() < 0.3:
            text += rng.choice((".", "!", "!!"))
        return text

    # -- geolocation --

    def write_geolocation(
        self, rng: random.Random, handle: TextIO | _NullFile, prefixes: list[int], target: int
    ) -> int:
        """Stream points for the given zip prefixes: at least one each, ``target`` in all."""
        if not prefixes:
            return 0
        total = max(len(prefixes), target)
        extra = total - len(prefixes)
        weights = [self.zip_counts[p] * (0.5 + rng.random()) + 0.01 for p in prefixes]
        weight_sum = sum(weights)
        alloc = [int(extra * w / weight_sum) for w in weights]
        remainder = min(len(prefixes), max(0, extra - sum(alloc)))
        for index in rng.sample(range(len(prefixes)), remainder):
            alloc[index] += 1
        n_outliers = max(3, total // 20_000)
        outliers = set(rng.sample(range(total), min(total, n_outliers)))
        row = 0
        rand = rng.random
        write = handle.write
        for prefix, more in zip(prefixes, alloc, strict=True):
            city = _CITIES[_ZIP_CITY[prefix]]
            center_lat = city.lat + rng.uniform(-0.06, 0.06)
            # Capped so coastal cities (João Pessoa, Recife) stay inside the box: only the
            # deliberate outliers may leave it.
            center_lng = min(-34.82, city.lng + rng.uniform(-0.06, 0.06))
            quoted = f'"{prefix:05d}"'
            lines: list[str] = []
            for _ in range(1 + more):
                if lines and rand() < 0.28:
                    line = lines[int(len(lines) * rand())]  # exact duplicate, as in the real file
                else:
                    if row in outliers:
                        lat, lng = _GEO_OUTLIERS[int(len(_GEO_OUTLIERS) * rand())]
                        lat += rand() * 0.02 - 0.01
                        lng += rand() * 0.02 - 0.01
                    else:
                        # triangular jitter (two C calls): random.gauss is pure Python
                        lat = center_lat + (rand() - rand()) * 0.02
                        lng = center_lng + (rand() - rand()) * 0.02
                    roll = rand()
                    name = city.geo_names[0 if roll < 0.42 else 1 if roll < 0.985 else 2]
                    line = f"{quoted},{lat:.14f},{lng:.14f},{_q(name)},{city.uf}\n"
                    lines.append(line)
                write(line)
                row += 1
        return row


# --- base ----------------------------------------------------------------------------------------


def _rng(seed: int, stream: str) -> random.Random:
    # String seeds go through SHA-512 in random.seed: stable across runs and machines.
    return random.Random(f"olist:{seed}:{stream}")


def _build_base(
    out_dir: Path | None, orders: int, seed: int, progress: Callable[[str], None] | None
) -> tuple[dict[str, int], _World]:
    if orders < 1:
        raise ValueError("orders must be at least 1")
    world = _World(orders, seed)
    say = progress or (lambda message: None)
    with _open_files(out_dir, FILE_NAMES) as files:
        if out_dir is not None:
            (out_dir / TRANSLATION_FILE).write_bytes(_translation_text().encode("utf-8"))
        files.counts[TRANSLATION_FILE] = sum(1 for c in _CATEGORIES if c[1] is not None)
        say(f"{TRANSLATION_FILE}: {files.counts[TRANSLATION_FILE]} rows")

        rng = _rng(seed, "sellers")
        n_sellers = max(5, round(orders * 0.0311))
        for index in range(n_sellers):
            world.add_seller(rng, files, messy=index in (1, 2))
        say(f"{SELLERS_FILE}: {files.counts[SELLERS_FILE]} rows")

        rng = _rng(seed, "products")
        n_products = max(5, round(orders * 0.3314))
        forced = rng.sample(range(n_products), 4)
        for index in range(n_products):
            seller = index if index < n_sellers else int(n_sellers * rng.random() ** 1.6)
            category = UNTRANSLATED_CATEGORIES[forced.index(index)] if index in forced[:2] else None
            world.add_product(rng, files, seller, category, empty_dimensions=index in forced[2:])
        say(f"{PRODUCTS_FILE}: {files.counts[PRODUCTS_FILE]} rows")

        rng = _rng(seed, "orders")
        slots = world.plan_customers(rng)
        # The first and last real purchase times, at fixed unremarkable positions of the file.
        last_position, first_position = len(slots) // 3, 2 * len(slots) // 3
        for position, slot in enumerate(slots):
            customer = world.repeaters[slot] if slot >= 0 else world.new_customer(rng, _ONE_TIME)
            if position == last_position:
                purchase = _LAST_PURCHASE
            elif position == first_position:
                purchase = _FIRST_PURCHASE
            elif customer.kind >= _LOYAL and not customer.recent_done:
                # Frequent buyers are still active: their last order falls in the last months.
                customer.recent_done = True
                day = rng.randint(_LAST_DAY - 75, _LAST_DAY - 5)
                purchase = day * DAY + world._time_of_day(rng)
            else:
                purchase = world._purchase_time(rng)
            world.emit_order(rng, files, purchase, customer)
        for name in (ORDERS_FILE, ITEMS_FILE, PAYMENTS_FILE, REVIEWS_FILE, CUSTOMERS_FILE):
            say(f"{name}: {files.counts[name]} rows")

        rng = _rng(seed, "geolocation")
        prefixes = [p for p in range(100_000) if world.zip_counts[p]]
        target = min(10 * orders, 1_000_000)
        files.counts[GEOLOCATION_FILE] = world.write_geolocation(
            rng, files.handles[GEOLOCATION_FILE], prefixes, target
        )
        say(f"{GEOLOCATION_FILE}: {files.counts[GEOLOCATION_FILE]} rows")
    return files.counts, world


def generate(
    out_dir: Path, orders: int, seed: int = 42, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Write the nine base files into ``out_dir``; return data rows per file name.

    ``orders`` is the scale: every other file follows the real set's proportions to it.
    ``progress`` receives one short line per finished file (the CLI prints them to stderr).
    """
    counts, _ = _build_base(Path(out_dir), orders, seed, progress)
    return counts


# --- deltas --------------------------------------------------------------------------------------


# An open order whose estimated delivery date passed this many days ago is lost: its status
# never changes again. The real set has such orders (shipped in 2017, never delivered); moving
# them on in the first delta would make that delta reach every month of the history.
LOST_AFTER_DAYS = 30


def _lost(est_day: int, day: int) -> bool:
    return est_day < day - LOST_AFTER_DAYS


def _advance_plan(rng: random.Random, order: _OpenOrder, day_start: int, force: bool) -> None:
    """Decide the missing future steps of an open order; ``force`` makes one happen today."""
    plan = order.plan
    if plan[0] is None:
        plan[0] = max(order.purchase + 60, day_start + rng.randint(0, 2 * DAY))
    if plan[1] is None:
        plan[1] = max(plan[0] + 3600, day_start + rng.randint(0, 4 * DAY))
    if plan[2] is None:
        plan[2] = max(
            plan[1] + 3600, day_start + rng.randint(0, 3 * DAY) + int(DAY * rng.expovariate(0.25))
        )
    if force:
        stage = 0 if order.approved is None else 1 if order.carrier is None else 2
        today = day_start + rng.randint(8 * 3600, 20 * 3600)
        previous = order.purchase if stage == 0 else (order.approved, order.carrier)[stage - 1]
        plan[stage] = max(previous + 60, min(plan[stage], today))
        for later in range(stage + 1, 3):
            plan[later] = max(plan[later], plan[later - 1] + 3600)


def _write_delta_day(
    world: _World,
    folder: Path,
    day: int,
    first: bool,
    pending_reviews: list[tuple[str, int]],
    pool: list[_Customer],
    new_orders_share: float | None = None,
) -> tuple[dict[str, int], list[tuple[str, int]]]:
    rng = _rng(world.seed, f"delta:{_CLOCK.day(day)}")
    world.snapshot_day = day
    snapshot = (day + 1) * DAY - 1
    world.new_zips = []
    delivered_today: list[tuple[str, int]] = []
    with _open_files(folder, DELTA_FILE_NAMES) as files:
        # 1. open orders move on: one full order row per changed order
        write_order = files.handles[ORDERS_FILE].write
        force = first
        for order in list(world.open.values()):
            if _lost(order.est_day, day):
                del world.open[order.order_id]  # stuck for good, as in the real set
                continue
            _advance_plan(rng, order, day * DAY, force=force)
            force = False
            app, car, dlv = order.plan
            if app is None or app > snapshot:
                app = car = dlv = None
            elif car is None or car > snapshot:
                car = dlv = None
            elif dlv is None or dlv > snapshot:
                dlv = None
            drawn = order.status if order.status in ("invoiced", "processing") else "delivered"
            status = world._stage_status(drawn, app, car, dlv, snapshot)
            if (status, app, car, dlv) == (
                order.status,
                order.approved,
                order.carrier,
                order.delivered,
            ):
                continue
            order.status, order.approved, order.carrier, order.delivered = status, app, car, dlv
            write_order(
                f"{_qid(order.order_id)},{_qid(order.customer_id)},{status},"
                f"{_CLOCK.ts(order.purchase)},{_CLOCK.ts(app)},{_CLOCK.ts(car)},"
                f"{_CLOCK.ts(dlv)},{_CLOCK.midnight(order.est_day)}\n"
            )
            files.counts[ORDERS_FILE] += 1
            if status == "delivered":
                del world.open[order.order_id]
                if not order.reviewed:
                    late = dlv // DAY > order.est_day
                    delivered_today.append((order.order_id, 1 if late else 0))

        # 2. reviews of yesterday's deliveries
        for order_id, late in pending_reviews:
            scores = _SCORES_LATE if late else _SCORES_ON_TIME
            world._write_review(rng, files, order_id, day, scores, allow_reuse=False)

        # 3. new sellers and products, sold first by the pointer in _pick_product
        share = rng.uniform(0.015, 0.03)  # drawn even when fixed: the same stream either way
        n_new = max(
            1, round(world.orders * (share if new_orders_share is None else new_orders_share))
        )
        if rng.random() < 0.3:
            seller = world.add_seller(rng, files)
            world.add_product(rng, files, seller)
        for _ in range(rng.randint(0, max(1, n_new // 20))):
            world.add_product(rng, files, int(len(world.seller_ids) * rng.random() ** 1.6))

        # 4. new orders, mostly from new customers
        for _ in range(n_new):
            if pool and rng.random() < 0.1:
                customer = pool[int(len(pool) * rng.random())]
            else:
                customer = world.new_customer(rng, _ONE_TIME)
                pool.append(customer)
            world.emit_order(rng, files, day * DAY + world._time_of_day(rng), customer)

        # 5. points for zip prefixes seen for the first time
        files.counts[GEOLOCATION_FILE] = world.write_geolocation(
            rng, files.handles[GEOLOCATION_FILE], sorted(world.new_zips), 2 * len(world.new_zips)
        )
    world.new_zips = None
    return files.counts, delivered_today


def _write_deltas(
    world: _World,
    landing_dir: Path,
    days: int,
    start: date | None,
    progress: Callable[[str], None] | None,
    new_orders_share: float | None = None,
) -> list[Path]:
    say = progress or (lambda message: None)
    first_day = (start - _EPOCH).days if start else world.snapshot_day + 1
    if first_day <= world.snapshot_day:
        raise ValueError(f"deltas must start after {_CLOCK.day(world.snapshot_day)}")
    folders = []
    pending: list[tuple[str, int]] = []
    pool = list(world.repeaters)
    for offset in range(days):
        day = first_day + offset
        folder = Path(landing_dir) / _CLOCK.day(day)
        counts, pending = _write_delta_day(
            world, folder, day, offset == 0, pending, pool, new_orders_share
        )
        say(
            f"{folder.name}: "
            + ", ".join(
                f"{name.removeprefix('olist_').removesuffix('_dataset.csv')} {count}"
                for name, count in counts.items()
            )
        )
        folders.append(folder)
    return folders


def generate_deltas(
    landing_dir: Path,
    orders: int,
    days: int,
    seed: int = 42,
    start: date | None = None,
    progress: Callable[[str], None] | None = None,
    new_orders_share: float | None = None,
) -> list[Path]:
    """Write ``days`` daily extracts ``<landing_dir>/<YYYY-MM-DD>/`` that continue a base.

    The base written by ``generate(out_dir, orders, seed)`` is rebuilt in memory (nothing is
    written for it), so deltas only need the same ``(orders, seed)`` to reference real ids and
    move orders that are really open. ``start`` defaults to the day after the last purchase.
    Each folder holds the eight non-reference files (header-only when nothing happened): new
    customers with their orders, items and payments; full order rows again for orders whose
    status changed; reviews of orders delivered the day before; new products and sellers;
    geolocation points for new zip prefixes. New orders per day are 1.5 % to 3 % of the base
    (drawn), or exactly ``new_orders_share`` of it when given (benchmarks use 0.01).
    """
    _, world = _build_base(None, orders, seed, None)
    return _write_deltas(world, landing_dir, days, start, progress, new_orders_share)


def generate_with_deltas(
    out_dir: Path,
    orders: int,
    seed: int,
    landing_dir: Path,
    days: int,
    start: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, int], list[Path]]:
    """Base files and their deltas in one pass (the base is generated only once)."""
    counts, world = _build_base(Path(out_dir), orders, seed, progress)
    return counts, _write_deltas(world, landing_dir, days, start, progress)
