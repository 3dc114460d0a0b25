# ruff: noqa: E501 - one pattern per line reads better than a wrapped one
"""The screening lexicon: terms, phrases and context words, with what each one means.

Each row gives weights per category (a weight alone decides nothing: the policy's thresholds do), signals
(`_minor`: how surely the prompt is about a child) and tags that the context rules combine ("explosive" +
"instructions" is a bomb recipe; "nudity" + "art_ctx" is a figure study). Safe rows are benign phrases that
hide the terms inside them ("chicken breast", "shooting hoops").

Written for this project, by category and technique, in English plus the core terms in Spanish, French,
German, Italian, Portuguese, Russian, Chinese, Japanese and Korean. Rows are data: to change what is
screened, change them here and bump VERSION (every decision records it).
"""

import hashlib

from generations.moderation.text.matching import Entry

VERSION = "1"

_ENTRIES = []


def _p(block):
    return [line.strip() for line in block.strip().splitlines() if line.strip()]


def term(label, scores, patterns, tags=(), unless=()):
    _ENTRIES.append(
        Entry(
            id=len(_ENTRIES),
            label=label,
            patterns=tuple(_p(patterns) if isinstance(patterns, str) else patterns),
            scores=dict(scores),
            tags=frozenset(tags),
            unless=frozenset(unless),
        )
    )


def tag(label, tags, patterns):
    term(label, {}, patterns, tags)


def safe(label, patterns, tags=()):
    _ENTRIES.append(
        Entry(
            id=len(_ENTRIES),
            label=label,
            patterns=tuple(_p(patterns)),
            tags=frozenset(tags),
            safe=True,
        )
    )


# =========================================================================================================
# Sexual content
# =========================================================================================================

term("explicit sexual act", {"sexual": 0.92}, """
porn*
pr0n
xxx (video|videos|movie|movies|film|films|clip|clips|scene|scenes|content|site|sites)
sex (scene|scenes|tape|tapes|video|videos|clip|clips|act|acts|film|films|movie|movies|footage|show|shows)
sex with
(having|have|has|had|having) sex
sexual (intercourse|act|acts|content|video|videos|scene|scenes|activity|activities|position|positions)
sexually explicit
порн*
explicit (sex|sexual|porn)
intercourse
orgy
orgies
gang ?bang*
blow ?job*
hand ?job*
oral sex
anal sex
cum ?shot*
creampie*
bukkake
hentai
rule 34
masturbat*
fellatio
cunnilingus
orgasm*
ejaculat*
deep ?throat*
doggy ?style
missionary position
pleasur(e|es|ing) (herself|himself|themselves|each other)
touch(es|ing)? (herself|himself|themselves) sexually
jerk(s|ing)? off
jack(s|ing)? off
wank*
cumming
jizz
dildo*
strap-?on
sex (toy|toys|doll|dolls)
softcore
smut*
nympho*
sexual assault*
sexual abuse
molest*
incest*
bestiality
zoophil*
necrophil*
upskirt*
hidden (camera|cam|cameras) ~ (shower|showers|bathroom|changing room|locker room|toilet|dressing room|bedroom)
(shower|showers|bathroom|changing room|locker room|toilet|dressing room) ~ hidden (camera|cam|cameras)
undress(ing|es)? each other
golden shower*
down ?blouse
glory ?hole*
doing the deed
horizontal tango
bump(ing)? uglies
knocking boots
roll in the hay
in flagrante
hanky-?panky
sex positions?
(demonstrating|showing|demonstrate|show) (sexual |sex )?positions
skin flick*
blue (movie|movies|film|films)
happy ending massage*
massage ~ happy ending
adult-?only (movie|movies|film|films|video|videos|scene|scenes|content|version)
sexszene*
sexvideo*
sexfilm*
seggs
secks
sexx
s3x
shagging
screwing (her|him|them)
""", tags={"sex_explicit"})

term("profanity", {"sexual": 0.5}, """
fuck*
penetration
semen
""", tags={"sex_explicit"})

term("rape", {"sexual": 0.9, "violence": 0.5}, """
rap(e|ed|es|ing|ist|ists)
date rape
""", tags={"sex_explicit"})

term("adult-only content", {"sexual": 0.85}, """
adult (film|films|movie|movies|video|videos|content|entertainment|scene|scenes|site|sites|star|stars|actress|actor|performer|performers|industry|clip|clips)
x-rated
x rated
xrated
rated x
porno*
nsfw
not safe for work
getting intimate
get intimate
onlyfans
fansly
cam ?girl*
cam ?show*
live ?cam sex
""", tags={"sex_explicit"})

term("making love", {"sexual": 0.78}, """
(making|make|made|makes) love
love ?making
threesome*
erotica
sex
sexo
sexe
sesso
секс
""", tags={"sex_explicit"})

term("sexual wording", {"sexual": 0.6}, """
sexual
sexually
erotic*
horny
lewd*
obscene
aroused
arousing
moan(ing|s)? in pleasure
climax(es|ing)? (together|in bed)
slut*
whore*
milf*
dilf*
pussy
cunt
tits
titt(y|ies)
boob*
""", tags={"sex_explicit"})

term("vulgar slang", {"sexual": 0.3}, """
cock
dick
""")

term("strip show", {"sexual": 0.68}, """
strip ?tease*
stripper*
strip ?club*
lap ?danc*
peep ?show*
""", tags={"suggestive"})

term("suggestive", {"sexual": 0.46}, """
sexy
sexiest
sensual*
seduc*
seductive*
sex appeal
sex symbol*
titillat*
lustful
kinky
fetish*
bondage
dominatrix
prostitut*
brothel*
escort (service|services|girl|girls|agency)
lingerie
negligee*
boudoir
burlesque
g-string*
g string*
gstring*
micro ?bikini*
busty
thicc
hot (girl|girls|woman|women|babe|babes|chick|chicks|model|models)
big (boobs|tits|breasts|butt|ass)
massive (breasts|boobs)
bouncing (breasts|boobs)
spicy (video|videos|vid|vids|clip|clips|reel|reels|scene|scenes|content|pics|pictures|version|photos|stuff|edit)
steamy (scene|scenes|sex|shower|bedroom|romance|video)
hot and steamy
between the sheets
love scene*
dirty (video|videos|movie|movies|film|pics|pictures|scene|scenes|photos)
booty call
one night stand
netflix and chill
grinding (on|against)
spread (her|his|their) legs
legs spread
camel ?toe
side ?boob*
under ?boob*
lingers on (her|his) (body|curves|chest|breasts|butt|legs)
(zoom|zooms|zooming|zoomed) in on (her|his) (body|chest|breasts|butt|crotch|curves)
""", tags={"suggestive"})

term("mildly suggestive", {"sexual": 0.32}, """
making out
make-?out session*
sultry
lady of the night
ladies of the night
provocative*
suggestive*
hooker*
in bed together
intimate (scene|scenes|act|acts)
cleavage
body ?paint*
pole ?danc*
""", tags={"suggestive"})

term("twerking", {"sexual": 0.4}, """
twerk*
""", tags={"suggestive"})

term("fetish", {"sexual": 0.6}, """
bdsm
""", tags={"suggestive"})

term("revealing clothing", {"sexual": 0.42}, """
(see-?through|see ?thru|seethrough|transparent|sheer) (dress|top|blouse|shirt|outfit|lingerie|nightgown|bodysuit|clothes|clothing|costume|swimsuit|bikini|gown|robe|leggings|underwear|fabric|leotard)
(dress|top|blouse|shirt|outfit|lingerie|nightgown|bodysuit|clothes|clothing|costume|swimsuit|bikini|gown|robe|leggings|underwear|fabric|leotard) ~ (see-?through|see ?thru|seethrough|transparent)
wet t-?shirt*
wet (white )?(shirt|t-shirt|top|dress|blouse) (clinging|see-?through|transparent)
(woman|girl|man|she|he) (peeing|urinating)
panties
thong*
barely (covered|dressed|clothed)
scantily (clad|dressed)
(no|without) (any )?(underwear|panties|bra)
make (her|him|them|it|the photo|the video) (spicier|sexier|hotter|more revealing|less dressed|more naked)
(spicier|sexier|more revealing) (version|edit|cut)
revealing (dress|outfit|top|clothes|clothing|costume|bikini|swimsuit|lingerie)
(bikini|swimsuit|swimwear) (contest|competition|pageant)
nipple (covers|tassels|pasties)
pin-?up (girl|girls|model|pose)
""", tags={"suggestive"})

term("underwear", {"sexual": 0.35}, """
in (her|his|their) (underwear|panties|bra|lingerie|undies)
pos(e|es|ed|ing) in (her|his|their|a|an|the)? ?(underwear|bikini|lingerie|panties|swimsuit|bra|thong)
""", tags={"suggestive"})

term("swimwear and underwear", {"sexual": 0.15}, """
bikini*
underwear
undies
bra
corset*
garter*
fishnet*
sheer
skimpy
lacy
tiny (bikini|outfit|shorts|dress)
teas(e|es|ing)
""", tags={"clothing"})

term("nudity", {"sexual": 0.82}, """
nude
nudes
nudity
naked
nakedness
topless
bottomless
unclothed
fully nude
full(y)? frontal
stark naked
buck naked
butt naked
in the nude
nekkid
nakey
nood(s|z)?
nudez
nudie*
bare-?breasted
bare (breasts|breast|nipples|genitals|buttocks|butt|crotch)
(exposed|uncovered|visible|showing (her|his)) (breasts|breast|nipples|nipple|genitals|crotch|vagina|penis|butt|buttocks|private parts|privates)
strip(s|ped|ping)? (naked|nude|bare|down to nothing)
flash(es|ed|ing)? (her|his|their) (breasts|boobs|tits|genitals|crotch|privates)
bare-?chested (woman|women|girl|girls|lady)
in the altogether
expos(es|ed|ing) (himself|herself|themselves)
(her|his) (assets|goods|bits|girls|puppies|junk|privates|family jewels) (out|showing|exposed|on display)
what'?s under (her|his|the) (bikini|dress|skirt|clothes|towel|swimsuit)
(mulher|mulheres|homem|garota|garotas|menina|moça) pelad[oa]s?
nc-?17
(homme|hommes|corps|modèle|tout|complètement|entièrement) nus?
nu (intégral|integral|complet)
frontal nudity
desnud[oa]s?
desnudez
sin ropa
en pelotas
encuerad[oa]s?
nue
nues
tout nu
toute nue
seins nus
sans vêtements
dénudée?s?
nackt
nackte
nackter
nacktes
nackten
nacktem
nackt(bild|bilder|foto|fotos|video|videos|szene|szenen|aufnahme|aufnahmen|tanz|tänzerin|model|modell)
splitternackt*
oben ohne
unbekleidet*
nuda
nudi
svestit[oaie]
senza vestiti
nua
nuas
sem roupa
despidas?
голы(й|е|х|м|ми)
гол(ая|ое|ого|ой|ую|ым)
голышом
обнаж*
нагишом
наг(ая|ой|ие|их|ую)
без одежды
топлес
раздет(ая|ый|ые|ой|ую|ого)
""", tags={"nudity"})

term("naked child (fr)", {"sexual": 0.82, "_minor": 1.0}, """
(enfant|enfants|garçon|garçons|fillette|fillettes|bébé|bébés) nus?
""", tags={"nudity"})

term("nudity (CJK)", {"sexual": 0.82}, """
裸体
裸露
全裸
赤裸
裸照
裸女
裸男
一丝不挂
脱光
没穿衣服
不穿衣服
光着身子
露胸
裸舞
ヌード
裸の
丸裸
すっぽんぽん
トップレス
누드
나체
알몸
전라
탑리스
""", tags={"nudity"})

term("partial nudity (CJK)", {"sexual": 0.45}, """
半裸
脱いで
반라
옷을 벗
脱衣舞
脱衣服
""", tags={"undress"})

term("nudity euphemism", {"sexual": 0.78}, """
birthday suit*
in the buff
au naturel
wearing nothing
wears nothing
with nothing on
nothing on but
has nothing on
nothing but (a smile|her skin|his skin|skin|a necklace|heels|high heels|a hat)
not a (stitch|thread) (of clothing|on)
without a stitch
(no|without) (any )?(clothes|clothing|garments)
(no|zero) clothes at all
clothes off
(clothes|clothing) (come|comes|coming|came) off
clothing optional
free the nipple
(with )?nothing (on )?underneath
""", tags={"nudity", "euphemism"}, unless={"food_ctx", "makeup_ctx"})

term("taking it off", {"sexual": 0.3}, """
(take|takes|taking|took) (it|them|everything|the rest) off
(remove|removes|removing) (it|them|everything|the rest)
""", tags={"undress"})

term("undressing completely", {"sexual": 0.8}, """
(take|takes|taking|took|pull|pulls|pulling|pulled|slip|slips|slipping|slipped|remove|removes|removing|removed|strip|strips|stripping|stripped) off (her|his|their) (bra and panties|panties|underwear|bikini bottoms?|boxers|briefs|last piece of clothing|lingerie|knickers|thong)
(take|takes|taking|took|remove|removes|removing|removed) (her|his|their) (bra and panties|panties|underwear|bikini bottoms?|boxers|briefs|knickers|thong) off
""", tags={"undress", "nudity"})

term("undressing", {"sexual": 0.56}, """
undress*
disrob*
unclothe*
(take|takes|taking|took) off (all )?(her|his|their) (clothes|clothing|top|shirt|blouse|dress|bra|bikini|panties|underwear|skirt|pants|towel|robe|swimsuit|lingerie|costume)
(remove|removes|removing|removed) ~ (clothes|clothing|blouse|bra|bikini|panties|underwear|skirt|towel|robe|swimsuit|lingerie|costume|bikini top|bikini bottom|bikini bottoms)
unti(e|es|ed|ing) (her|his|their|the) (bikini|top|bra|robe|bikini top)
unhook(s|ed|ing)? (her|his|the) bra
unbutton(s|ed|ing)? (her|his) (shirt|blouse|dress|top)
unzip(s|ped|ping)? (her|his) (dress|pants|jeans)
pull(s|ed|ing)? down (her|his) (pants|panties|underwear|skirt|top|bikini)
lift(s|ed|ing)? (her|his) (skirt|top|shirt|dress)
drop(s|ped|ping)? (her|his) (towel|robe|pants|dress)
slip(s|ped|ping)? out of (her|his) (dress|clothes|robe|bikini|clothing)
strip(s|ped|ping)? off
stripping
strips down
strips
strip(s|ping)? (on camera|for the camera|for me|for him|for her|tease)
skinny ?dip*
wardrobe malfunction
(no|without) (any )?(costume|outfit|swimsuit|bikini|bathing suit|top)( at all)?
no coverage at all
desvist*
desvest*
quitándose la ropa
se déshabill*
déshabillée?s?
entkleid*
spoglia(rsi|ta|to)
tirando a roupa
раздева*
""", tags={"undress"}, unless={"diy_ctx"})

term("intimate body parts", {"sexual": 0.6}, """
genital*
penis*
vagina*
vulva*
labia
clitoris
scrotum
testicles
pubic
areola*
nipple*
private parts
butt ?cheeks
aroused (nipples|body)
""", tags={"body_part"})

term("body wording", {"sexual": 0.42}, """
crotch*
""", tags={"body_part"})

term("body wording", {"sexual": 0.28}, """
breasts?
buttocks
booty
voluptuous
""", tags={"body_part"})

term("sexual wording (multilingual)", {"sexual": 0.6}, """
sexuel*
sexuell*
sessual*
erótic[oa]s?
érotique*
erotisch*
erotik
sensuel*
lencería
geschlechtsverkehr
beischlaf
haciendo el amor
hacer el amor
faire l'amour
fait l'amour
fare l'amore
fazendo amor
fazer amor
сексуальн*
эротик*
эротическ*
половой акт
половых органов
заниматься любовью
занимаются любовью
трах(ает|ать|аются|нуть|нул)
""", tags={"sex_explicit"})

term("explicit sexual act (CJK)", {"sexual": 0.9}, """
色情
黄片
黄色视频
性爱
做爱
性交
成人影片
成人视频
淫秽
自慰
口交
三级片
无码
av女优
ポルノ
セックス
アダルトビデオ
アダルト動画
性行為
無修正
中出し
フェラ
騎乗位
av女優
포르노
야동
섹스
성관계
성행위
성인 영상
성인영상
음란
자위
""", tags={"sex_explicit"})

term("sexual wording (CJK)", {"sexual": 0.6}, """
情色
淫荡
性行为
乳头
生殖器
阴茎
阴道
エロい
エロ動画
エロ画像
エロ漫画
卑猥
淫ら
乳首
性器
젖꼭지
성기
""", tags={"sex_explicit"})

term("suggestive (CJK)", {"sexual": 0.46}, """
性感
诱惑
情趣内衣
官能
ランジェリー
エッチな
섹시
야한
란제리
유혹
""", tags={"suggestive"})

term("xxx", {"sexual": 0.25}, """
xxx
""")

tag("steamy", {"amp_suggestive"}, """
steamy
passionate*
hot and heavy
""")

tag("uncensored", {"amp_explicit"}, """
uncensored
unblurred
sin censura
sans censure
ohne zensur
senza censura
sem censura
без цензуры
无审查
무검열
""")

# Benign phrases built from sexual words.
safe("benign phrase (sexual look-alike)", """
sex on the beach
sex education
sex ed
sexual health
sexual (harassment|orientation|wellness|reproduction|dimorphism|selection|health education)
sex (of the|of a|of her|of his|of their|determination|chromosome|chromosomes|cells|ratio|hormones|pistols|and the city)
same-?sex (marriage|couple|couples|wedding|parents)
opposite sex
sexing (chicks|chickens|birds|fish|plants)
chicken breast*
turkey breast*
duck breast*
breast (cancer|exam|exams|self-exam|milk|pump|pumps|feeding|stroke|plate|pocket|pockets|bone|meat|fillet|fillets|of chicken|of duck|of turkey|of lamb|of veal|implant awareness|reconstruction)
breast-?feed*
breast-?fed
breaststroke*
breastplate*
double-?breasted
single-?breasted
red ?breast*
naked (mole|mole-rat|eye|flame|flames|truth|ambition|aggression|cake|cakes|lunch|gun|singularity|tree|trees|branch|branches|wire|wires|bulb|bulbs|light|steel|concrete|brick|city|juice|grain|hardware|code|call|short|option|ladies|aesthetic interior)
nude (cake|cakes|bowl|salad|burger|burgers|lipstick|lip|lips|heels|pumps|shoes|sandals|color|colour|colored|coloured|tone|tones|toned|shade|shades|palette|makeup|make-up|nail|nails|manicure|polish|dress|gown|stockings|tights|beige|pink|leather|eyeshadow|blush|gloss|illusion|mesh|knit|sweater|cardigan|trench|coat|suit)
nude-(colored|coloured|toned|tone|hued)
(lipstick|heels|nails|makeup|polish|manicure|eyeshadow|dress|gown|sweater) in (a )?nude
bottomless (brunch|mimosas|mimosa|pit|drinks|coffee|fries|cup|well|abyss|chasm|ocean|hole|void|bowl|lake)
topless (car|convertible|jeep|bus|roadster)
au naturel (makeup|look|hair|finish|potatoes|style)
booby (trap|traps|trapped)
(blue|great|coal|bearded|penduline|crested|marsh|willow|long-tailed) tits?
tit (bird|birds|mouse|mice)
pussy ?(cat|cats|willow|willows)
pussycat*
moby dick
cum laude
magna cum laude
summa cum laude
cock (a doodle doo|crow|crowing|crows|of the walk)
comic strip*
strip (mall|malls|steak|steaks|light|lights|of paper|of land|of light|of fabric|of film|of beach|of sand)
(chicken|bacon|paper|fabric|leather|tape|metal|wood|wooden|pepper|zucchini|steak|beef|led|light|comic|film|land|pastry|dough|carrot|cloth|rubber|velcro) strips
strips (of|the paint|the wallpaper|the varnish|wire|the bed|bark)
landing strip
film ?strip*
led strip*
stripping (paint|wire|wires|wallpaper|furniture|varnish|the bed|sheets)
stripped-?down (acoustic|version|design|interior|style|aesthetic|look|set|arrangement)
hard ?core (punk|workout|training|gamer|gamers|fans|fan|music|band|mode|parkour|fitness)
thong (sandals|sandal|flip-flops)
shag (rug|rugs|carpet|carpets|haircut|pile)
pirate'?s? booty
kinky (hair|curls|coils|texture)
social intercourse
(armor|armour|market|light|sun|water|deep|root) penetration
penetration (test|tests|testing|tester|rate|depth)
mating (dance|call|calls|ritual|rituals|season|display|flight)
fetish (carving|carvings|figure|figures|statue|statues|object|objects)
rape (field|fields|seed|oil|flowers|plants|crop|crops)
oilseed rape
(field|fields) of (yellow )?rape
sexy (\\w* )?(car|cars|sports car|sportscar|convertible|coupe|font|fonts|typography|voice|bolognese|spaghetti|logo|design|website|spreadsheet|code|data)
(bottle|baby bottle|feeding bottle|pacifier|pipe|grease) nipples?
nipple (shield|shields|cream|confusion)
crotch rocket*
piedi nudi
(tête|tete|main|mains|bras|jambes|épaules|epaules|pieds|oeil|œil|à l'oeil|à l'œil) nue?s?
à mains nues
à pieds nus
голыми руками
lingerie (store|stores|shop|shops|boutique|boutiques|display|brand|catalog|catalogue|mannequin|mannequins)
fake blood
pies desnudos
nackte (füße|füssen|wände|wahrheit)
(árboles|arboles|ramas|paredes|muros|rocas|colinas|campos|montañas|montanas) (desnud[oa]s|pelad[oa]s)
(árbol|arbol|muro|campo|paisaje) desnudo
(roca|tierra|pared|rama|colina) desnuda
(a )?ojo desnudo
(ojos|ojo) desnud[oa]s?
(голые|голых|голыми|голое|голая|голый) (деревья|деревьев|деревьями|ветки|ветви|веток|стены|стен|скалы|поля|холмы|равнины|земля|степь|лес|сучья|кроны|ладони)
(голі|голе|голого) (дерева|гілля|гілки|стіни|поля|скелі)
(nackte|nackten|nackter|nacktes) (bäume|baume|äste|aste|zweige|felsen|fels|wände|wande|mauern|erde|landschaft|hügel|hugel|glühbirne|gluhbirne)
bloßem auge
blossem auge
(arbres|branches|murs|rochers|collines|champs) (nus|nues|dénudés|denudes|dénudées|denudees)
(mur|arbre|rocher) nu
(alberi|rami|muri|campi|colli) (nudi|spogli)
(occhio|ad occhio) nudo
(árvores|arvores|galhos|paredes|campos|rochas) (nus|nuas|desnudas|peladas)
(a )?olho nu
(nagie|nagich) (drzewa|drzew|gałęzie|galezie|ściany|sciany|skały|skaly|pola)
gołym okiem
golym okiem
(çıplak|ciplak) (ağaçlar|agaclar|dallar|duvarlar|kayalar|göz|goz|gözle|gozle|ampul)
(pohon|ranting|dinding) (gundul|telanjang)
child (sexual )?abuse (prevention|awareness|hotline|survivor|survivors|charity)
adult (education|class|classes|learner|learners|students|supervision|swim|coloring|colouring|size|tooth|teeth|dog|dogs|cat|cats|bird|birds|animal|animals|lion|lions|elephant|elephants|male|female|penguin|penguins|ballet)
""")

# =========================================================================================================
# Children and minors
# =========================================================================================================

term("child", {"_minor": 1.0}, """
child
children
childs
kid
kids
kiddie*
toddler*
infants?
newborn*
preteen*
pre-?teen*
tween*
underage*
under-?age
under ?18
minors
(a|an|the|underage|young) minor
minor (girl|girls|boy|boys|child|children|kid|kids|teen|teens)
schoolgirl*
schoolboy*
school ?kid*
(little|young|small|tiny) (girl|girls|boy|boys|kid|kids|child|children|daughter|son|sister|brother)
(young|little|early|barely) (teen|teens|teenager|teenagers|teenage girl|teenage girls|teenage boy|teenage boys)
(elementary|primary|middle|junior high) school(er|ers|girl|girls|boy|boys)?
(first|second|third|fourth|fifth|sixth|seventh|eighth) grade(r|rs)?
1st grade(r|rs)?
2nd grade(r|rs)?
3rd grade(r|rs)?
kindergarten*
daycare
loli
lolis
lolita*
shota*
pubescent
prepubescent
childlike
child-?like
looks? (like a )?(child|kid|minor|underage|little girl|little boy)
young-?looking
barely legal
cub scout*
girl scout*
niñ[oa]s?
menor(es)? de edad
infantil
chiquill[oa]s?
colegiala*
enfant*
fillette*
petite fille
petit garçon
écolière*
kindern?
kindes
kleinkind*
minderjährig*
schulmädchen
junges mädchen
kleines mädchen
bambin[oaie]
ragazzin[oaie]
minorenn[ei]
scolaretta
criança*
menin[oa]s?
menor de idade
ребён*
ребен*
дет(и|ей|ям|ьми)
детск*
девоч(ка|ки|ку|кой|ек)
мальчик*
школьниц*
несовершеннолетн*
малолет*
""")

term("child (CJK)", {"_minor": 1.0}, """
儿童
孩子
小孩
女童
男童
幼女
幼童
未成年
萝莉
小学生
初中生
子供
子ども
こども
児童
女子中学生
ロリ
아동
어린이
미성년자
초등학생
중학생
여중생
로리
어린 소녀
""")

term("teenager or family relation", {"_minor": 0.6}, """
teen
teens
teenage*
adolescen*
juvenile*
high ?school*
high-?school (girl|girls|boy|boys|student|students)
school uniform*
(her|his|their|my|your) (daughter|son|stepdaughter|niece|granddaughter|little sister|little brother)
daughter
stepdaughter
step-?daughter
baby
babies
adolescente*
jugendlich*
mädchen
garot[oa]s?
подрост*
少女
中学生
女学生
少年
女子高生
소녀
고등학생
여고생
""")

safe("benign phrase (minor look-alike)", """
baby (oil|blue|pink|shower|showers|bump|carrots|spinach|powder|back ribs|steps|grand|boomer|boomers|boom|shark|food|monitor|yoda|face|sitter|sitting|wipes|formula|teeth|elephant|elephants|animals|birds|turtle|turtles|penguin|penguins|goat|goats|deer|panda|pandas|fox|owl|owls|duck|ducks|chick|chicks)
kid (gloves|leather|goat|goats)
minor (key|keys|chord|chords|scale|scales|league|leagues|detail|details|injury|injuries|issue|issues|change|changes|role|roles|character|characters|repairs|repair|adjustment|adjustments|planet|planets|third|seventh|flaw|flaws|scratch|scratches)
inner child
teen (titans|wolf|spirit)
kindergarten (teacher|classroom)
""")

term("child sexual abuse material", {"sexual_minors": 0.97, "sexual": 0.9}, """
child porn*
kiddie porn*
child sex*
csam
cp (video|videos|pics|content|links|collection)
pedo
pedos
pedophil*
paedophil*
pedobear
teen ?(sex|porn*|nudes?|xxx)
lolicon
shotacon
jailbait
kinderporn*
pédopornograph*
pédophil*
pädophil*
pedofil*
porno infantil
pornografía infantil
pornografia infantil
pornografia minorile
детское порно
детская порнография
педофил*
""")

term("child sexual abuse material (CJK)", {"sexual_minors": 0.97, "sexual": 0.9}, """
儿童色情
児童ポルノ
아동 포르노
아동 음란물
""")

# =========================================================================================================
# Violence
# =========================================================================================================

term("gore", {"violence": 0.86}, """
gore
gory
goriest
gorey
gorefest
guro
dismember*
decapitat*
behead*
disembowel*
eviscerat*
mutilat*
vivisect*
flay(ed|ing)
skinn(ed|ing) alive
burn(ed|ing|t|s)? alive
boil(ed|ing)? alive
sever(ed|ing)? (head|heads|limb|limbs|arm|arms|leg|legs|hand|hands|finger|fingers|body part|body parts)
(head|heads|limbs|arms|legs) (cut|chopped|hacked|torn|ripped|blown) off
(gets|got|has|had) (his|her|their) (head|heads|arm|arms|leg|legs) (cut|chopped|hacked|torn|ripped|blown) off
chop(ped|ping|s)? up (the |a )?(body|bodies|corpse|corpses|victim|victims|person|man|woman)
slit(s|ting)? (his|her|their|the|a|someone's)? ?throat
cut(s|ting)? (his|her|their|the|a) throat
throats? (slit|slashed|cut)
pull(s|ed|ing)? out (his|her|their|the) (fingernails|teeth|eyes|eye)
crushed (body|bodies|to death)
intestines (spill|spilling|hanging|out)
guts (spill|spilling|hanging|out|everywhere)
spilling guts
brains? (splatter*|blown out|spilling|matter)
blown (his|her|their) brains out
exposed (bone|bones|organs|flesh|intestines)
torn flesh
(chop|chops|chopped|chopping|hack|hacks|hacked|hacking|cut|cuts|cutting|slice|slices|sliced|slicing|tear|tears|tore|torn|tearing|blow|blows|blew|blown|blowing|rip|rips|ripped|ripping|saw|sawed|sawing|butcher|butchered|butchering) (a |the |his |her |their |this |that )?(man|men|woman|women|person|people|body|bodies|victim|victims|child|children|boy|girl|corpse|him|her|them|prisoner|hostage|guy) (up )?(into|to) (pieces|bits|shreds|chunks)
(man|men|woman|women|person|people|body|bodies|victim|victims|child|children|corpse|he|she|they) (is |was |are |were |being |gets |got )?(chopped|hacked|cut|sliced|torn|blown|ripped|sawed|butchered) (up )?(into|to) (pieces|bits|shreds|chunks)
bullets? (entering|piercing|going through|tearing through|ripping through|exploding|hitting|blowing through) (a |the |his |her |their |a man's |a woman's |the man's |the woman's |someone's )?(skull|head|face|chest|eye|eyes|body|brain|throat|neck|stomach)
(brains?|guts|intestines|organs|entrails|innards|viscera|brain matter|blood and guts|body parts) (everywhere|all over|spilling|spilled|splattered|scattered|hanging out)
blood and guts
(gut|guts|gutted|gutting|disembowel|disembowels|disemboweled|disemboweling|butcher|butchers|butchered|butchering|slaughter|slaughters|slaughtered|slaughtering) (a |the |his |her |their |this |that )?(man|men|woman|women|person|people|body|bodies|victim|victims|child|children|boy|girl|corpse|him|her|them|prisoner|hostage|guy)
(bone|bones) (sticking|poking|protruding) (out|through)
protruding bones?
(cut|cuts|cutting|chop|chops|chopped|chopping|hack|hacks|hacked|hacking|saw|saws|sawed|sawing|rip|rips|ripped|ripping|tear|tears|tore|tearing|gouge|gouges|gouged|gouging|pull|pulls|pulled|pulling) (off|out) (his |her |their |a man's |a woman's |someone's |the victim's |the prisoner's |the man's |the woman's |its )?(fingers?|toes?|ears?|eyes?|eyeballs?|tongue|hands?|feet|foot|limbs?|arms?|legs?|nose|lips|head|heart|genitals|kneecaps?)
(fingers?|toes?|ears?|eyes?|eyeballs?|tongue|hands?|feet|foot|limbs?|arms?|legs?|nose|lips|head|heart|genitals|kneecaps?) (being |getting |get |gets |was |were |are |is )?(gouged|cut|chopped|hacked|sawed|sawn|ripped|torn|pulled) (out|off)
(whip|whips|whipped|whipping|flog|flogs|flogged|flogging|lash|lashes|lashed|lashing) ~ (until|till) ~ (bleed|bleeds|bleeding|raw|bloody|skin tears)
(back|skin) (is |was )?(raw and bleeding|torn open|flayed|shredded)
(bayonet|bayonets|bayoneted|bayoneting|bayonetting|impale|impales|impaling|skewer|skewers|skewered|skewering) (a |the |an )?(wounded |injured |helpless )?(man|men|woman|women|person|people|enemy|enemies|soldier|soldiers|civilian|civilians|prisoner|child|victim|him|her|them)
dissolv(e|es|ed|ing) (a |the )?(human )?(body|bodies|corpse|corpses)
(shoot|shoots|shot|shooting|shoots up|kills|killing|killed) (his|her|their) (classmates|teachers|students|coworkers|co-workers|family|parents|wife|husband|children|kids)
shoots? up (a|the) (school|church|mosque|synagogue|mall|office|classroom|concert)
execution (video|videos|footage|clip|clips|livestream)
(charred|burnt|burned|decomposing|bloated|rotting) (body|bodies|corpse|corpses|remains)
bloody pulp
(smash|smashes|smashed|smashing|bash|bashes|bashed|bashing|slam|slams|slammed|slamming) ~ (face|head|skull) ~ (wall|floor|ground|table|curb|pavement|concrete)
(tear|tears|tearing|rip|rips|ripping) (a |the |him |her |them |his |its )?(swimmer|man|woman|person|body|victim|child|boy|girl|people|hiker|diver|surfer|prey|limbs)? ?apart
flesh (torn|ripped|melting|ripping)
melting (skin|flesh|face)
face (melting|ripped off|torn off)
skull (is |was |gets |got )?(crushed|smashed|caved in|split open|cracked open)
crushed skull*
head (exploding|explodes|smashed|crushed)
exploding head*
snuff (film|films|video|videos|movie|movies)
torture (porn|video|videos|scene|scenes|chamber)
mangled (body|bodies|corpse|corpses)
eating human flesh
graphic (violence|injuries|injury|wounds|death|deaths|murder|murders|killing|killings|gore)
ultra-?violen*
(beat|beats|beaten|beating|stab|stabs|stabbed|stabbing|hack|hacks|hacked|hacking|club|clubs|clubbed|clubbing|kick|kicks|kicked|kicking|strangle|strangles|strangled|strangling|burn|burns|burned|burnt|burning|torture|tortures|tortured|torturing|stomp|stomped|stomping|bludgeon|bludgeoned) ~ to death
(kicked|stomped|tortured|starved|burned|burnt|whipped|mauled) to death
beaten (bloody|to a pulp|black and blue)
strangl(ed|ing) to death
bludgeon*
lynch*
execut(ed|ing|es) (a |the )?(hostage|hostages|prisoner|prisoners|civilian|civilians|child|children)
(terrorists|soldiers|militants|gunmen) executing
a golpes hasta la muerte
matad[oa] a golpes
battue? à mort
zu tode geprügelt
erschlagen
picchiat[oa] a morte
espancad[oa] até a morte
забит(ый|ая|ого|ую)? до смерти
execution-?style
how to (kill|murder|poison|strangle|stab|torture|kidnap) (someone|somebody|a person|people|my|your|a|an|the)
(kill|murder|poison) (someone|somebody|a person|my wife|my husband|my boss) (and|without) (get away|getting caught|leaving)
school (shooting|shootings|massacre|massacres|shooter)
mass (shooting|shootings|killing|killings|murder|murders|stabbing|stabbings)
(gunning down|guns down|gunned down|mowing down|mowed down|mows down) ~ (civilians|students|children|kids|classmates|worshippers|shoppers|victims|innocents|hostages|protesters|bystanders|people|crowd|crowds)
(shooting|shoots|shot|shoot) (an |a )?(unarmed|innocent|defenseless|defenceless) (civilian|civilians|people|person|man|men|woman|women|student|students|child|children|protester|protesters|teen|teenager|kid|kids)
(shooting|shoots) (at )?(the )?(victims|hostages|worshippers|protesters|bystanders|civilians)
(open|opens|opened|opening) fire (on|at|into) ~ (crowd|crowds|people|pedestrians|passengers|students|children|civilians|worshippers|shoppers)
blown to pieces
hostage (execution|executed|killed|beheaded)
torturing (a|the) (cat|dog|puppy|kitten|animal|prisoner|man|woman|child)
skinning (a|the) (cat|dog|puppy|kitten|animal) alive
""", tags={"gore"})

term("gore (multilingual)", {"violence": 0.86}, """
descuartiz*
decapitad[oa]s?
decapitación
decapitar
desmembrad[oa]s?
desmembramiento
mutilad[oa]s?
démembr*
décapit*
mutilé*
tête coupée
zerstückel*
enthaupt*
verstümmel*
abgetrennte?n? kopf
smembrat[oaie]
smembramento
decapitat[oaie]
decapitazione
mutilat[oaie]
desmembrad[oa]s?
decapitação
расчлен*
расчленён*
обезглав*
отрезанн(ая|ой|ую) голов*
жестоко(е|го) убийств*
""", tags={"gore"})

term("gore (CJK)", {"violence": 0.86}, """
斩首
砍头
肢解
分尸
碎尸
断头
虐杀
血流成河
血肉模糊
残肢
血淋淋
碎尸万段
捅死
活活打死
刺殺
撲殺
校园枪击
ゴア
グロ
斬首
首を切
バラバラ死体
惨殺
고어
참수
토막
절단된 시체
잔인한 살해
""", tags={"gore"})

term("graphic bleeding", {"violence": 0.66}, """
blood (everywhere|spray|spraying|sprays|splatter|splattered|splattering|gushing|spurting|pouring|pool|pools|pooling|bath|soaked|drenched|spatter|spattered)
bloodbath
blood-?soaked
blood-?drenched
covered in blood
pool of blood
bleeding out
bleeding (heavily|profusely|everywhere|to death)
gushing blood
water (turning|turns|turned) red with blood
sangre por todas partes
du sang partout
blut überall
sangue ovunque
sangue por todo (lado|lugar)
кровь повсюду
""", tags={"violent_harm"})

term("bloody harm", {"violence": 0.6}, """
open wound*
gaping wound*
stab wound*
gunshot wound*
bullet (hole|holes|wound|wounds) in (his|her|the|their) (head|body|chest|face)
shot in the (head|face|chest|neck)
torn apart
ripped apart
blown apart
impal(ed|ing|ement)
bloody (massacre|murder|murders|corpse|corpses|body|bodies|mess|violence|execution|fight|beating|carnage)
gruesome
grisly
carnage
massacr*
slaughter(ed|ing)? (of )?(people|civilians|villagers|children|innocents|prisoners|the villagers|a family)
tortur(e|ed|ing|es)
public execution*
execut(ed|ing|ion) (of )?(a |the )?(prisoner|prisoners|hostage|hostages|man|woman|civilian|civilians|people|child|children)
killing spree*
dead (children|kids|babies|civilians|bodies)
rotting (corpse|corpses|body|bodies)
cannibal*
war (atrocity|atrocities|crime|crimes)
atrocit(y|ies)
genocide
ethnic cleansing
mass grave*
suicide bomb*
car bomb*
terrorist attack*
bombing (of )?(a |the )?(market|school|crowd|concert|mosque|church|synagogue|hospital|subway|bus|wedding|festival)
active shooter
sangriento
sangrienta
apuñalad[oa]s?
poignardée?s?
erstochen
accoltellat[oaie]
esfaquead[oa]s?
зарезан*
masacre
tortura
massacre
sanglant*
fusillade
blutig*
folter*
massaker
sanguinos[oaie]
massacro
sangrent[oa]
кровав*
пытк*
резня
массов(ое|ые) убийств*
""", tags={"violent_harm"})

term("bloody harm (CJK)", {"violence": 0.6}, """
血腥
血溅
血しぶき
피가 사방에
칼에 찔려
酷刑
屠杀
内脏
拷問
虐殺
血まみれ
内臓
고문
학살
피투성이
""", tags={"violent_harm"})

term("violence", {"violence": 0.46}, """
murder(ed|ing|s|er|ers)?
stab(bing|bed|s)?
strangl*
kill(s|ed|ing)? (a|the|his|her|their|an)? ?(man|woman|person|people|child|children|kid|victim|victims|civilian|civilians|prisoner|hostage|family|girl|boy|baby)
kill(s|ed|ing)? (him|her|them|everyone|everybody)
beating (up )?(a|the|his|her) (man|woman|person|child|kid|prisoner|homeless man|wife|girlfriend)
beat(s|ing)? up (a|the|his|her) (man|woman|person|child|kid|wife|girlfriend)
beaten (up|senseless|unconscious)
being beaten
chok(ing|es|ed) (her|him|them|someone|a woman|a man) (out|unconscious)?
domestic (violence|abuse)
child abuse
abus(e|ed|ing) (a |the )?(child|children|kid|dog|animal|puppy|cat|wife|woman)
animal (cruelty|abuse)
(kick|kicking|kicked|beating|beat|drowning|drowned|burning|strangling|hanging) (a|the) (dog|puppy|cat|kitten|horse|animal)
dog fighting
street fight*
fistfight*
brawl*
dog fights?
fight(s|ing)? to the death
(arrows|bullets|bayonets?|swords?|spears?) (hitting|piercing|striking|killing) (soldiers|men|people|the enemy)
people drowning
dogfighting ring*
cock ?fight*
firing squad
(stab|stabs|stabbed|stabbing|slash|slashes|slashed|slashing|strangle|strangles|strangled|strangling|choke|choking|attack|attacks|attacked|attacking|torture|tortures|tortured|torturing) (a |the |his |her |their |this |that )?(man|men|woman|women|person|people|body|bodies|victim|victims|child|children|boy|girl|corpse|him|her|them|prisoner|hostage|guy)
police brutality
kidnapp*
home invasion
hanging (of )?(a |the )?(man|woman|prisoner|body)
public hanging*
(run|ran) over by (a|the) (truck|car|train|tank|bus|tractor|lorry)
acid attack*
poison(s|ing|ed)? (someone|somebody|a person|his|her|their|my)('s)? (drink|food|coffee|tea|wine)
maul(ed|ing|s) ~ (hiker|man|woman|person|child|victim|camper|tourist)
stab(bing|bed)? (him|her|them) (repeatedly|to death|in the)
casualties
(dying|wounded|fallen) soldiers
soldiers (dying|falling|killed|being killed|getting shot|bleeding|screaming)
battlefield (carnage|corpses|casualties|dead|bodies)
war footage
bombing (run|raid|raids)
bombs? (falling|dropping|dropped)
""", tags={"violent_harm", "war_possible"})

term("violence (weak)", {"violence": 0.36}, """
corpse*
dead bod(y|ies)
尸体
死尸
mangled
bleeding
severed
gunman
gunmen
gun violence
""", tags={"violent_harm"})

term("mild violence", {"violence": 0.2}, """
bloody
crucif(ied|ixion)
blood
dead
death
""")

safe("benign phrase (violence look-alike)", """
(scraped|bleeding|bloody|bruised|skinned|cut) (knuckles|knee|knees|elbow|elbows|lip|finger|fingers|shin|shins|palm|palms)
(beheaded|decapitated|dismembered|headless|mutilated|disemboweled|gutted) (marble |stone |bronze |old |broken |toy |chocolate |plastic |rusty |giant )?(statue|statues|bust|busts|robot|robots|doll|dolls|mannequin|mannequins|teddy bear|teddy bears|teddy|toy|toys|action figure|action figures|bunny|bunnies|gingerbread man|gingerbread men|snowman|snowmen|scarecrow|scarecrows|puppet|puppets|android|androids|cake|lego|figurine|figurines|fish|shrimp|prawns|chicken|turkey|salmon|tuna|car|cars)
(statue|statues|robot|robots|doll|dolls|mannequin|mannequins|snowman|scarecrow|figurine) (was |is |gets |got )?(beheaded|decapitated|dismembered)
(the |all the )?gory details
headless horseman
bloody mary*
blood (orange|oranges|moon|donation|donations|donor|donors|drive|bank|test|tests|pressure|type|sugar|cell|cells|vessel|vessels|brothers|sisters|brother|red|diamond|diamonds|sausage|pudding|lines|line|hound|hounds|lust|lily|lilies|drop pendant)
killing it
killing time
kill (time|the lights|the engine|the music)
killer (whale|whales|bee|bees|app|look|outfit|smile|heels|view|views|queen|robot|instinct|deal|feature|moves|dance|sudoku|tofu)
shooting (hoops|baskets|a basket|pool|star|stars|guard|range|gallery|script|schedule|location|day|a scene|the scene|scenes|a film|the film|a movie|a video|a music video|photos|pictures|a commercial|an ad|on location|film|footage|the breeze|a documentary|a short|video|portraits|a portrait)
film shoot*
shoot(s|ing)? (a|the) (film|movie|scene|video|commercial|photo|photos|portrait|portraits|documentary|music video|wedding)
head ?shots?
drone shot
shot (glass|glasses|put|clock|list|on film|on 35mm|on iphone)
(espresso|tequila|vodka|whiskey|whisky|jello|jelly) shots?
dead (sea|end|ringer|heat|line|lines|leaves|tree|trees|wood|center|centre|calm|silence|pixel|zone|battery|of night|of winter)
death (valley|metal|star|cap|caps)
murder (mystery|mysteries|of crows|mystery party)
a murder of crows
war paint
battle (rap|royale|of the bands|cry)
beat(ing)? (the|a) (drum|drums|record|clock|heat|eggs|odds)
beating (eggs|a drum|drums|batter|the heat|the odds|the record|heart)
execution of (the|a|his|her) (plan|strategy|move|trick|routine|dive|jump|play)
flawless execution
stab at
dogfight*
bleeding (heart|hearts|edge)
bloody (nose|knuckles)
corpse (flower|flowers|lily|bride)
severed (ties|connection)
""", tags={"fiction_ok"})

term("war at a distance", {}, """
in the distance
distant
from afar
far away
wide shot
aerial view
silhouette*
historical
history
medieval
ancient
napoleonic
world war
wwi
ww1
wwii
ww2
civil war
trench*
battlefield
""", tags={"distance_ctx"})

tag("non-graphic framing", {"damp_violence"}, """
no blood
without blood
bloodless
no gore
without gore
no violence
non-?violent
nothing graphic
not graphic
non-?graphic
nothing graphic shown
off-?screen
cartoon*
choreographed
stage combat
stunt*
for kids
for children
kid-?friendly
family-?friendly
child-?friendly
lego
toy (soldiers|soldier|figures|figure|guns|gun|sword|swords|dinosaurs)
nerf
paintball
laser tag
water (gun|guns|pistol|pistols|balloon|balloons)
pillow fight*
snowball fight*
food fight*
slapstick
comedic
puppet*
claymation
implied
cuts away
fade(s)? to black
""")

# =========================================================================================================
# Self-harm
# =========================================================================================================

term("self-harm", {"self_harm": 0.72}, """
self ?harm*
self-?harm*
self ?injur*
self-?injur*
self ?mutilat*
self-?mutilat*
self-?inflicted
cutting (myself|herself|himself|themselves|yourself)
(cut|cuts|cutting|slit|slits|slitting|slice|slices|slicing|slash|slashes|slashing) (into |open |across )?(her|his|my|their|your|own|both|the)? ?(wrist|wrists|veins|forearm|forearms)
(cut|cuts|cutting) (my|her|his|their|your|own) (arm|arms|thigh|thighs|skin|legs)
(fresh |deep |bleeding )?cuts (on|all over) (her|his|my|their|your) (arms|wrists|thighs|legs|forearms|skin)
razor (blade )?(on|across|to|against) (her|his|my|their|your) (skin|wrist|wrists|arm|arms|thigh|thighs)
burn(ing|s)? (myself|herself|himself|themselves)
pro-?ana
pro-?mia
thinspo*
meanspo*
starv(e|ing) (myself|herself|himself|yourself|themselves)
autolesi(ón|ones|on)
scarifi(er|ant|ante|ée|é)
automutilation
automutilação
autolesionismo
selbstverletz*
ritzen
sich ritzen
cort(arse|ándose|andose|ó|a|an|ar|ando|o) (las|sus|mis) venas
se (corta|cortó|corto) las venas
s'ouvrir les veines
tagliandosi le vene
cortando os pulsos
se cortando
se couper les veines
se tailler les veines
pulsadern aufschneiden
tagliarsi le vene
cortar os pulsos
порезать вены
резать вены
самоповрежд*
селфхарм
""", tags={"self_harm_act"})

term("self-harm (CJK)", {"self_harm": 0.72}, """
自残
割腕
自傷
リストカット
リスカ
자해
손목을 긋
손목 긋기
""", tags={"self_harm_act"})

term("signs of self-harm", {"self_harm": 0.46}, """
fresh cuts
scars? on (her|his|my|their) (wrist|wrists|arms|thighs)
""", tags={"self_harm_act"})

term("suicide method", {"self_harm": 0.8}, """
(commit|commits|committing|committed) suicide
kill(ing|s|ed)? (myself|herself|himself|themselves|yourself)
end(ing|s|ed)? (my|her|his|their|your) (own )?life
tak(e|es|ing) (my|her|his|their|your) own life
hang(s|ing|ed)? (myself|herself|himself|themselves|yourself)
hanging from a noose
(jump|jumps|jumping|leap|leaps|leaping) (off|from) (a|the) (bridge|building|roof|rooftop|cliff|balcony|window|tower|skyscraper) to (die|end|kill)
jump(s|ing)? to (her|his|their|my) death
(overdose|overdoses|overdosing|overdosed) on (pills|sleeping pills|painkillers|medication|heroin|fentanyl|insulin)
swallow(s|ing|ed)? (a bottle of|a handful of|all the|all her|all his) pills
suicide (note|letter|attempt|method|methods|pact|scene|video|livestream)
suicidarse
se suicider
sich umbringen
suicidarsi
se matar
quitarse la vida
покончить с собой
""", tags={"self_harm_act", "method"})

term("suicide method (CJK)", {"self_harm": 0.8}, """
上吊
首吊り
""", tags={"self_harm_act", "method"})

term("suicide", {"self_harm": 0.46}, """
suicid(e|al|es)
suicidio
suicídio
selbstmord*
suizid*
самоубийств*
суицид*
noose
overdos(e|es|ing|ed)
unalive*
end it all
sleep forever
never wake up again
sewer ?slide
want(s)? to die
purging
bulimi*
anorexi*
""", tags={"suicide"})

term("suicide (CJK)", {"self_harm": 0.46}, """
自杀
轻生
自殺
자살
""", tags={"suicide"})

safe("benign phrase (self-harm look-alike)", """
suicide (squad|doors|door|king|knot)
""")

tag("means of suicide", {"method"}, """
(a |the )?bottle of (pills|sleeping pills|painkillers)
handful of pills
(a |the )?noose
(a |the )?razor blade
""")

tag("support framing", {"damp_selfharm"}, """
prevention
awareness
hotline
helpline
crisis line
support group*
recovery
recovering
therapy
therapist*
counsel*
reaching out
getting help
seek(ing)? help
psa
public service
""")

# =========================================================================================================
# Illegal: weapons, drugs, terrorism, crime
# =========================================================================================================

term("explosive device", {"illegal": 0.6}, """
pipe ?bomb*
nail ?bomb*
pressure ?cooker ?bomb*
letter ?bomb*
dirty bomb*
ied
ieds
improvised explosive*
explosive (device|devices|vest|vests|belt|belts|charge|charges)
suicide (vest|vests|belt|belts)
tatp
semtex
c4 (explosive|explosives|charge|charges|brick|bricks)
rohrbombe*
sprengsatz
bombenbau
""", tags={"explosive"})

term("bomb", {"illegal": 0.3}, """
bomb
bombs
explosives
detonator*
blasting cap*
tnt (charge|charges|bundle|stick|sticks)
dynamite (stick|sticks|charge|charges|bundle)
molotov*
napalm
thermite
grenade*
landmine*
sprengstoff*
explosivo*
explosif*
esplosiv*
взрывчатк*
бомб(а|у|ы|ой)
bombe
""", tags={"explosive"})

term("bomb (CJK)", {"illegal": 0.3}, """
炸弹
爆弾
폭탄
""", tags={"explosive"})

term("bomb-making", {"illegal": 0.85}, """
homemade (bomb|bombs|explosive|explosives|grenade|grenades|napalm|detonator|detonators)
(make|making|build|building|assemble|assembling|construct|constructing) (a |an |the )?(bomb|pipe bomb|explosive|explosives|ied|grenade|detonator|molotov|molotov cocktail|nail bomb|car bomb)
bomba (casera|caseira|artigianale|de fabricación casera|de tubo)
(fabricar|hacer|armar|fazer|costruire|fabbricare) una? bomba
(fabriquer|faire) une bombe
bombe (artisanale|maison)
bombe bauen
самодельн(ая|ую|ой) бомб*
как (сделать|собрать) бомбу
""", tags={"explosive", "instructions"})

term("bomb-making (CJK)", {"illegal": 0.85}, """
自制炸弹
制作炸弹
炸弹制作
爆弾の作り方
手製爆弾
폭탄 만드는
사제 폭탄
""", tags={"explosive", "instructions"})

safe("benign phrase (explosive look-alike)", """
bath ?bomb*
photo ?bomb*
bomb (cyclone|pop|pops|dot|dots|diggity|squad|squads|disposal|shelter|shelters|technician|technicians|sniffing|detection|threat drill|jacket|jackets)
bomber (jacket|jackets)
seed ?bomb*
glitter ?bomb*
flavou?r ?bomb*
calorie ?bomb*
dive ?bomb*
love ?bomb*
(hot )?chocolate bomb*
cocoa bomb*
water ?bomb*
stink ?bomb*
(atomic|nuclear|hydrogen) (bomb|bombs|bomb test|bomb tests|weapon|weapons) (test|tests|testing|explosion|mushroom cloud|history)?
sex bomb
bombe glacée
""")

term("weapon manufacturing", {"illegal": 0.6}, """
ghost gun*
untraceable (gun|guns|firearm|firearms|pistol|pistols|rifle|rifles|weapon|weapons)
3d-?print(ed|ing)? (a )?(gun|guns|firearm|firearms|pistol|pistols|rifle|rifles|receiver|receivers|lower|lowers)
auto ?sear*
glock switch*
full-?auto conversion
convert* ~ (to|into) (full-?auto|fully automatic|automatic fire|machine gun)
(semi-?auto|semi-?automatic) ~ (to|into) (full-?auto|fully automatic|automatic)
solvent trap*
zip ?gun*
bump ?stock*
(file|files|filing|filed|remove|removing|grind|grinding) off (the )?serial number*
serial numbers? (removed|filed off|scratched off|ground off)
(make|making|build|building|assemble|assembling) (a |an |your own |my own )?(gun|firearm|pistol|rifle|silencer|suppressor|machine gun)
""", tags={"weapon_build"})

term("homemade weapon", {"illegal": 0.8}, """
(homemade|diy|improvised|printed|3d-?printed|home-?made) (silencer|silencers|suppressor|suppressors|gun|guns|firearm|firearms|weapon|weapons|pistol|pistols|rifle|rifles)
""", tags={"weapon_build", "instructions"})

term("drug", {"illegal": 0.32}, """
meth
methamphetamine*
crystal meth
fentanyl
heroin
cocaine
crack (cocaine|pipe|pipes|rock|rocks|den|dens|house)
lsd
mdma
ecstasy (pills|tablets)
ketamine
psilocybin
magic mushrooms
shrooms
dmt
mescaline
pcp
ghb
roofie*
opium
metanfetamina
méthamphétamine
methamphetamin
метамфетамин*
героин*
кокаин*
""", tags={"drug"})

term("drug precursor", {"illegal": 0.4}, """
pseudoephedrine
red phosphorus
precursor chemicals
""", tags={"drug"})

term("drug (CJK)", {"illegal": 0.32}, """
冰毒
海洛因
可卡因
覚醒剤
覚せい剤
필로폰
마약
""", tags={"drug"})

safe("benign phrase (drug look-alike)", """
heroin chic
""")

term("drug manufacturing", {"illegal": 0.85}, """
cook(ing|s|ed)? (meth|crack|heroin|drugs|fentanyl|crystal meth)
meth (lab|labs|cook|cooking|recipe)
drug lab*
synthesi[sz](e|es|ing|ed|is) (of )?(meth|methamphetamine|fentanyl|heroin|lsd|mdma|cocaine|drugs|nerve agent|sarin|ricin|tabun|vx)
extract(ing|ion|s)? (dmt|ricin|cocaine|morphine)
(make|making|produce|producing) (the |some )?(meth|crack|heroin|drugs|fentanyl|lsd|mdma|ricin|napalm|thermite|sarin)
pill press*
""", tags={"drug", "drug_make"})

term("drug manufacturing (CJK)", {"illegal": 0.85}, """
制毒
""", tags={"drug", "drug_make"})

term("chemical or biological weapon", {"illegal": 0.6}, """
(make|makes|making|mix|mixes|mixing|create|creating|produce|producing) ~ (toxic|poison|poisonous|deadly|lethal|chlorine|mustard) (gas|gases|fumes|cloud)
bleach and ammonia
ricin
sarin
tabun
vx (nerve agent|gas)
nerve (agent|agents|gas)
mustard gas
chlorine gas (attack|bomb)
anthrax
bioweapon*
bio-?weapon*
biological weapon*
chemical weapon*
weaponi[sz]ed (anthrax|virus|pathogen|smallpox|plague)
""", tags={"cbrn"})

term("drug use", {"illegal": 0.45}, """
snort(ing|s|ed)? (cocaine|coke|lines|a line|heroin|drugs|meth|ketamine)
lines of (cocaine|coke)
smok(ing|es|ed)? (crack|meth|heroin)
inject(ing|s|ed)? (heroin|drugs|meth)
shooting up (heroin|drugs)?
drug (deal|deals|dealer|dealers|dealing|trafficking|smuggling|cartel|mule|mules)
(dealing|selling|pushing) drugs
smuggl(e|ing|ed|es) (drugs|cocaine|heroin|weapons|guns|people|migrants)
high on (meth|crack|heroin|cocaine|drugs|fentanyl)
""", tags={"drug_use", "defamatory", "crime"})

term("crime", {"illegal": 0.45}, """
tagging (a |the )?(subway|train|trains|wall|walls|building|buildings|bridge|car|cars|police car)
spray-?paint(ing|s)? ~ (subway|train|police car|monument|statue|church|mosque|synagogue)
vandali[sz]*
vandal
vandals
shoplift*
steal(ing|s)? (a|the|from) (car|cars|bike|wallet|purse|store|shop|register|old lady|tourist)
car theft
hot-?wir(e|ing|ed)
break(ing|s)? into (a|the) (car|house|home|store|shop|bank|apartment|building|safe)
burglar*
rob(bing|bed|s)? (a|the) (bank|store|shop|gas station|liquor store|jewelry store|person|man|woman|old lady|tourist)
bank robbery
armed robbery
mugging
pickpocket*
counterfeit (money|bills|cash|currency|notes|passport|passports)
(print|printing|prints) (fake|counterfeit) (money|bills|cash)
credit card (fraud|skimming|skimmer|skimmers)
identity theft
money laundering
arson*
set(s|ting)? fire to (a|the) (car|house|building|school|church|mosque|synagogue|police car)
poaching (elephants|rhinos|rhino|tigers|animals|ivory)
poachers
drunk driving
hit and run
human trafficking
child labou?r
swatting
doxx*
""", tags={"crime"})

term("sex trafficking", {"illegal": 0.7, "sexual": 0.6}, """
sex trafficking
forced prostitution
""", tags={"crime"})

term("graffiti", {"illegal": 0.3}, """
graffiti
street racing
hacking into
""", tags={"crime"})

term("terrorist attack", {"illegal": 0.45}, """
terrorist attack*
""", tags={"terror"})

term("glorifying an attacker", {"illegal": 0.86}, """
(praising|glorifying|glorify|glorifies|celebrating|honoring|honouring|idolizing) (the )?(christchurch |school |church |mosque |synagogue |mall |mass )?(shooter|shooters|bomber|bombers|attacker|attackers|terrorist|terrorists|gunman|gunmen)
""", tags={"terror", "propaganda"})

term("terrorist organisation", {"illegal": 0.45}, """
isis
isil
islamic state
daesh
al-?qaeda
al-?qaida
al-?shabaab
boko haram
hezbollah
jihad*
mujahid*
terrorist*
terrorism
terror (cell|group|attack|plot|organisation|organization)
lone wolf attack*
mass shooter*
terrorista*
terroriste*
террорист*
игил
""", tags={"terror"})

term("terrorist organisation (CJK)", {"illegal": 0.45}, """
恐怖分子
恐怖主义
恐怖袭击
テロリスト
テロ組織
테러리스트
""", tags={"terror"})

safe("benign phrase (terror look-alike)", """
counter-?terror*
anti-?terror*
goddess isis
temple of isis
statue of isis
isis and osiris
osiris and isis
""")

term("nazi", {"political": 0.35}, """
nazi*
""", tags={"extremist"})

term("extremism", {"illegal": 0.3, "political": 0.45}, """
neo-?nazi*
swastika*
white (power|supremacist|supremacists|supremacy)
kkk
ku klux klan
heil hitler
hitler salute
nazi salute
""", tags={"extremist"})

tag("propaganda", {"propaganda"}, """
propaganda
propagande
пропаганд*
プロパガンダ
recruit(ment|ing)? (video|videos|film|message|poster|posters|campaign|reel)
recruitment
reclutamiento
recrutement
glorif(y|ying|ies|ied|ication)
martyr*
join (the|our) (jihad|cause|fight|brothers|caliphate|movement|holy war)
call to (arms|jihad)
celebrat(e|ing|es) the (attack|attacks|bombing|massacre|shooting|shooter)
tribute to (the )?(shooter|bomber|attacker|attackers|martyrs)
prais(e|es|ed|ing) (the )?(shooter|shooters|bomber|bombers|attacker|attackers|terrorist|terrorists|attack|massacre)
heroic (martyr|martyrs|attack|shooter|bomber)
manifesto
caliphate
black flag*
""")

tag("how-to framing", {"instructions"}, """
where (to|can i|can you|do i) (buy|get|find|order)
recipe
recipes
how to
how do (i|you|we)
how can (i|you|we)
step by step
tutorial*
instructions
instructional
guide (to|for|on)
recipe (for|to)
diy
do-?it-?yourself
homemade
home-?made
at home
labell?ed parts
parts list
materials (list|needed)
ingredients (list|needed)
blueprint*
schematic*
assembly (instructions|guide)
(detailed|exact|precise) (steps|instructions|measurements|quantities|amounts)
paso a paso
instrucciones
cómo (hacer|fabricar|construir)
étape par étape
comment (faire|fabriquer)
schritt für schritt
anleitung
wie man
passo a passo
passo dopo passo
istruzioni
come (fare|costruire)
como (fazer|fabricar)
пошагов*
инструкци*
как (сделать|приготовить|собрать)
рецепт
如何制作
如何
怎么
教程
步骤
作り方
手順
만드는 법
만드는 방법
""")

tag("making", {"synth"}, """
synthesi[sz]*
(cook|cooking|brew|brewing) (it|them|up)
""")

tag("concealment", {"concealment"}, """
(fit|fits|fitting|hidden|hide|hides|hiding|concealed|conceal|conceals|smuggle|smuggled|sneak|sneaks|sneaking|sneaked|carry|carried|stash|stashed) (in|inside|into) (a|the|my|his|her|your) (backpack|bag|suitcase|purse|lunchbox|jacket|pocket|trash can|bin|locker|coat)
fits? in a (backpack|bag|pocket|lunchbox|purse)
undetect(ed|able)
without (being )?(noticed|detected|caught|seen|traced)
without (anyone|anybody|people|parents|my parents|her parents|his parents|the teacher|the police) (noticing|knowing|seeing|finding out)
(hide|hiding|conceal|concealing|cover|covering) (the|my|her|his|your|their) (cuts|scars|marks|wounds|bruises)
so (no one|nobody|noone) (knows|notices|finds out|sees|will know|will notice)
get(ting)? (it )?(past|through) (security|metal detectors|airport security|the guards|customs)
secretly
""")

tag("crowded place", {"crowd_target"}, """
(crowded|packed|busy|full) (concert|stadium|arena|subway|train|station|mall|market|square|street|festival|club|nightclub|school|church|mosque|synagogue|parade|bus|airport|venue|event|classroom|hall|theater|theatre|plaza)
(into|in|at|among) (a|the) (crowd|crowds|parade|marathon|rally)
crowd of (people|fans|students|shoppers|worshippers|protesters)
(at|in|into|to) (a|the) (concert|stadium|subway|church|mosque|synagogue|festival|parade|mall|marathon|school|nightclub|rally|game|match)
""")

term("explosive euphemism", {}, """
fireworks?
firecrackers?
(homemade|improvised|diy|little|special) (device|devices|surprise|package|gift)
(surprise|package|gift|device) (that|which) (goes|go) (boom|bang|off)
go(es)? boom
pressure cooker
""", tags={"explosive_euph"})

# =========================================================================================================
# Real people: public figures, private people, likeness and deception
# =========================================================================================================

term("political figure", {"political": 0.5}, """
donald trump
trump
joe biden
biden
barack obama
obama
michelle obama
hillary clinton
bill clinton
kamala harris
mike pence
jd vance
ron desantis
nancy pelosi
bernie sanders
xi jinping
jinping
president xi
vladimir putin
putin
volodymyr zelensk(y|yy|iy)
zelensk(y|yy|iy)
emmanuel macron
macron
narendra modi
(prime minister|pm) modi
kim jong[- ]?un
kim jong
kim yo jong
benjamin netanyahu
netanyahu
erdogan
erdoğan
boris johnson
rishi sunak
keir starmer
liz truss
theresa may
angela merkel
merkel
olaf scholz
friedrich merz
justin trudeau
trudeau
giorgia meloni
lula da silva
president lula
bolsonaro
javier milei
milei
viktor orban
orbán
khamenei
bashar al-?assad
assad
lukashenko
king charles
prince william
prince harry
queen elizabeth
pope francis
pope leo
the pope
dalai lama
yoon suk[- ]?yeol
lee jae[- ]?myung
fumio kishida
shigeru ishiba
shinzo abe
sanae takaichi
imran khan
cyril ramaphosa
pedro sánchez
claudia sheinbaum
lópez obrador
nicolás maduro
president maduro
mohammed bin salman
osama bin laden
bin laden
hitler
adolf hitler
stalin
mao zedong
mussolini
путин*
трамп(а|у|ом|е)?
байден*
зеленск*
си цзиньпин*
макрон*
""", tags={"real_named", "real_political"})

term("political figure (CJK)", {"political": 0.5}, """
特朗普
川普
拜登
奥巴马
习近平
普京
泽连斯基
马克龙
金正恩
毛泽东
希特勒
内塔尼亚胡
トランプ
バイデン
習近平
プーチン
ゼレンスキー
安倍
岸田
石破
트럼프
바이든
시진핑
푸틴
김정은
윤석열
이재명
젤렌스키
""", tags={"real_named", "real_political"})

safe("benign phrase (name look-alike)", """
trump (card|cards)
king charles (spaniel|spaniels)
cavalier king charles
""")

tag("style reference", {"style_ref"}, """
inspired
concert
concerts
tour
album
song
songs
lyrics
fans
fan
merch
poster
lookalike
look-alike
impersonator*
tribute
cosplay*
costume
in the style of
style of
styled (like|after)
inspired by
a la
à la
""")

CELEBRITIES = """
taylor swift
scarlett johansson
emma watson
jennifer lawrence
margot robbie
zendaya
billie eilish
ariana grande
selena gomez
kim kardashian
kylie jenner
beyonce
beyoncé
rihanna
lady gaga
gal gadot
emma stone
natalie portman
angelina jolie
jennifer aniston
megan fox
sydney sweeney
millie bobby brown
jenna ortega
dua lipa
shakira
sabrina carpenter
olivia rodrigo
anya taylor-joy
florence pugh
ana de armas
salma hayek
jennifer lopez
nicki minaj
cardi b
doja cat
miley cyrus
katy perry
addison rae
charli d'amelio
pokimane
belle delphine
tom cruise
brad pitt
leonardo dicaprio
keanu reeves
tom hanks
dwayne johnson
morgan freeman
will smith
johnny depp
timothée chalamet
timothee chalamet
ryan gosling
ryan reynolds
chris hemsworth
zac efron
harry styles
justin bieber
kanye west
snoop dogg
cristiano ronaldo
lionel messi
lebron james
elon musk
mark zuckerberg
jeff bezos
bill gates
oprah winfrey
oprah
mrbeast
pewdiepie
jungkook
jennie kim
blackpink
"""

tag("celebrity (named)", {"real_named"}, CELEBRITIES)

term("celebrity", {"deepfake": 0.4}, CELEBRITIES, unless={"style_ref"})

tag("famous person", {"real_generic"}, """
famous (actress|actor|singer|celebrity|pop star|popstar|rapper|athlete|footballer|soccer player|basketball player|model|influencer|youtuber|streamer|tiktoker|politician|person|people|star|movie star|tv host|news anchor|woman|man|musician|comedian|billionaire)
celebrit(y|ies)
(hollywood|bollywood|k-?pop|pop|movie|film|tv|reality tv) (star|stars|actress|actresses|actor|actors|idol|idols|singer|celebrity)
well-?known (actress|actor|singer|person|politician|celebrity|influencer|youtuber|streamer)
public figure*
real (celebrity|celebrities|politician|politicians|person's face)
(a|the) (president|prime minister|senator|congressman|congresswoman|governor|mayor|chancellor) of
""")

tag("private person", {"private_person"}, """
my (coworker|coworkers|co-worker|colleague|colleagues|boss|manager|supervisor|employee|employees|neighbor|neighbors|neighbour|neighbours|ex|exes|ex-girlfriend|ex-wife|ex-boyfriend|ex-husband|ex-partner|girlfriend|boyfriend|wife|husband|partner|classmate|classmates|teacher|professor|tutor|student|students|roommate|flatmate|landlord|landlady|tenant|friend|friends|best friend|bestie|crush|sister|brother|cousin|aunt|uncle|stepmom|step-mom|stepmother|stepsister|step-sister|stepbrother|mother-in-law|sister-in-law|daughter-in-law|babysitter|nanny|secretary|doctor|nurse|therapist|pastor|priest|coach|trainer|mom|mother|dad|father|niece|nephew|granddaughter|grandson|bf|gf|fiancee|fiancée|fiance|date|tinder date|crush's)
(this|a|the) (girl|woman|guy|man|lady|person|boy) (from|at|in) (my|the) (office|work|gym|school|class|church|building|neighborhood|neighbourhood|street|dorm|team|job)
(a|this|some) (girl|woman|guy|man|someone|person|lady) i (know|met|like|work with)
someone i know
real (woman|girl|man|guy) i know
mi (compañera|compañero|colega|jefe|jefa|vecina|vecino|ex|novia|novio|esposa|profesora|profesor|amiga|hermana|prima)
ma (collègue|voisine|copine|femme|prof|sœur|soeur|cousine|amie|patronne)
mon (collègue|voisin|ex|copain|patron|prof)
meine (kollegin|nachbarin|ex|freundin|chefin|lehrerin|schwester)
meiner (kollegin|nachbarin|ex|freundin|chefin|lehrerin|schwester)
mein (kollege|nachbar|ex|chef)
la mia (collega|vicina|ex|ragazza|professoressa)
il mio (collega|vicino|ex|capo)
minha (colega|vizinha|ex|namorada|chefe|professora)
meu (colega|vizinho|ex|chefe)
мо(я|ей|ю) (коллег*|соседк*|бывш*|девушк*|начальниц*|учительниц*|одноклассниц*)
мо(й|его) (коллег*|сосед*|бывш*|начальник*)
我的同事
我同事
我的邻居
我的前女友
前女友
我的老师
我的女朋友
同事的照片
同僚
元カノ
元彼
隣人
同級生
동료
전여친
전 여자친구
이웃
여사친
""")

tag("photo of a person", {"photo_source"}, """
(use|using|from|with|based on) (these|this|those|the|my|her|his|their) (photos?|pictures?|pics|selfies?|images?|headshots?|profile pic|profile picture|instagram|facebook|snaps)
(animate|animated|animating|animates) (from )?(her|his|their|this|the|my) (photo|picture|selfie|image|portrait|headshot)
(uploaded|attached|attaching|uploading) (photo|photos|picture|pictures|image|images|face|selfie|pic|pics)
(photo|picture|image|selfie|pic) (i|I) (uploaded|attached|sent|took)
(her|his|their) (instagram|facebook|tiktok|linkedin|profile|selfies?|photos?|pictures?|pics)
real (photo|photos|picture|pictures|face) of
""")

term("face swap", {"deepfake": 0.46}, """
face ?swap*
face-swap*
swap (his|her|their|the|my|our) faces?
swap (my|his|her|their|the|our) ~ face
swap faces
head ?swap*
put (my|his|her|their|our|the) ~ face on
put (his|her|their|\\w*'s) face on
(paste|paste in|replace) (her|his|their|my) face
replace (the|his|her|their) face ~ with
face replacement
(using|with) (her|his|their|\\w*'s) likeness
using (her|his|their|\\w*'s) face
(digital|ai) (twin|clone|double) of
intercambio de (caras|rostros)
cambio de cara
échange de visage*
gesichtstausch
scambio di volti
troca de rosto*
замена лица
""", tags={"face_swap"})

term("face swap (CJK)", {"deepfake": 0.46}, """
换脸
顔交換
얼굴 합성
""", tags={"face_swap"})

term("deepfake", {"deepfake": 0.5}, """
deep ?fake*
deep-?fake*
дипфейк*
""", tags={"face_swap", "deepfake_word"})

term("deepfake (CJK)", {"deepfake": 0.5}, """
ディープフェイク
딥페이크
深度伪造
""", tags={"face_swap", "deepfake_word"})

tag("defamatory situation", {"defamatory"}, """
drunk
wasted
passed out
high on
doing (drugs|cocaine|coke|meth|lines)
arrested
(being )?handcuffed
in handcuffs
mugshot*
in (prison|jail)
behind bars
(taking|accepting|takes|accepts) (a )?bribe*
bribe*
stealing
shoplifting
commit(ting|s)? (a )?crime
confess(es|ing)? to
admitting to
cheating on
affair with
racist
slurs?
vomit*
pee(ing|s)? (on|himself|herself|themselves)
wet (himself|herself)
humiliat*
begging for (money|forgiveness|mercy)
in a diaper
caught (with|having|in bed)
assassinat*
being (shot|stabbed|beaten|killed|executed|hanged|tortured|punched|slapped|attacked)
having a (stroke|seizure|heart attack|breakdown)
collaps(ing|es|ed)
""")

tag("deceptive framing", {"deceptive"}, """
fake news
(breaking|realistic|real|authentic|genuine|leaked|live) (news|footage|broadcast|recording|tape|clip)
news (footage|report|broadcast|clip|segment)
announc(e|es|ing|ed)
declar(e|es|ing|ed) (war|martial law|bankruptcy|resignation|defeat|victory)
endors(e|es|ing|ed)
saying (that|he|she|they|i|we)
says (that|he|she|they)
admit(s|ting|ted) (that|to)
leaked
hidden (camera|cam)
hidden-?cam
caught on (camera|tape|video)
security (camera|cam|footage)
cctv
confession (video|tape)
resign(s|ing|ed|ation)
official (statement|announcement)
(make|making) it look (real|authentic|genuine)
so (people|everyone|voters|viewers) (believe|think|will believe)
to (fool|trick|deceive|mislead) (people|voters|everyone|my|the)
undetectable
indistinguishable from real
real footage
campaign (ad|ads|video|message)
""")

term("political topic", {"political": 0.46}, """
tiananmen (massacre|square massacre|protest|protests|1989|crackdown)
tank man
uyghur (camp|camps|detention|genocide)
xinjiang (camp|camps|detention)
free tibet
tibet(an)? independence
taiwan(ese)? independence
hong kong protest*
election (fraud|rigging|stolen|interference)
rigged election*
stolen election
ballot (stuffing|harvesting)
voter (fraud|suppression|intimidation)
january 6(th)? (riot|attack|insurrection|capitol)
capitol (riot|insurrection|attack)
campaign (ad|ads|video|commercial|poster|posters|rally)
political (ad|ads|rally|campaign|propaganda|cartoon|satire)
(israel|gaza|palestin\\w*) (war|conflict|bombing|strike|strikes|invasion)
gaza
hamas
ukraine war
russian invasion
propaganda poster*
confederate flag*
burning (the )?(american|us|israeli|national|chinese|russian) flag
flag burning
""", tags={"political_topic"})

term("political topic (CJK)", {"political": 0.46}, """
六四事件
天安门事件
八九民运
坦克人
新疆集中营
台独
法轮功
""", tags={"political_topic"})

# =========================================================================================================
# Framing: realism, explicitness, detail, art and medicine
# =========================================================================================================

tag("realism", {"amp_realism"}, """
realistic*
hyper-?realistic
ultra-?realistic
hyperreal*
life-?like
lifelike
true to life
real-?life
realism
live-?action
real (people|person|bodies|blood|actors|actresses)
live (model|models|person|people|actor|actors|actress|woman|man)
realista*
réaliste*
realistisch*
realistic[oa]
реалистичн*
реальн*
写实
逼真
真实
リアル
実写
写実的
사실적
실사
리얼
""")

tag("photorealism", {"amp_photo", "amp_realism"}, """
photo-?realistic*
photoreal*
photo-?real
real footage
bodycam
body cam
""")

tag("photographic", {"amp_photo"}, """
photograph*
photo
photos
footage
video footage
camera footage
dslr
raw photo
candid (photo|photos|shot|shots)
bodycam
body cam
cctv
webcam
home video
(iphone|phone) (video|footage)
foto
fotos
fotografía
photographie
fotografie
фото*
照片
写真
사진
""")

tag("explicitness", {"amp_explicit"}, """
explicit*
graphic
graphically
gratuitous*
unflinching
x-rated
x rated
xrated
hardcore
extreme (gore|violence|content|brutality|detail)
explícit[oa]s?
explicite*
explizit*
esplicit[oa]
откровенн*
露骨
노골적
""")

safe("photo shoot", """
photo ?shoot*
(movie|film|fashion|photo|video|music video) shoot*
""", tags={"amp_photo"})

safe("benign phrase (graphic look-alike)", """
graphic (design|designer|designers|novel|novels|tee|tees|t-shirt|t-shirts|shirt|print|prints|art|artist|style|poster|element|elements|overlay|overlays|card|cards|equalizer|interface|logo|pattern|patterns|illustration|animation|shapes)
motion graphic*
""")

tag("close detail", {"amp_detail"}, """
in (full |graphic |explicit |great |vivid |intimate |anatomical |loving |gory |bloody )?detail
detailed (view|shot|close-up)
close-?up*
close up
closeup*
up close
full body
lingering (shot|camera)
(the )?camera lingers
gros plan
primer plano
primeiro plano
nahaufnahme
primo piano
крупн* план*
特写
近距离
クローズアップ
클로즈업
""")

tag("nothing hidden", {"amp_show_all"}, """
show(s|ing)? everything
nothing (is )?(left )?to the imagination
everything (is )?(visible|exposed|showing|on display)
leav(e|es|ing) nothing to the imagination
nothing hidden
hide nothing
hiding nothing
(no|without) (censor|censoring|censorship|censored parts|blur|blurring|mosaic|pixelation|covering)
nothing censored
uncovered
(camera )?never cuts away
(doesn't|does not|don't|do not|won't) cut away
(every|all the) (gory |bloody |explicit |intimate )?details?
""")

term("cannot be shown on TV", {"sexual": 0.5}, """
(can't|cannot|can not|couldn't|could not|wouldn't|would not) (be )?(shown|show|air|aired|broadcast) on (tv|television|youtube|network tv|instagram|tiktok)
the kind (you|they) (can't|cannot|can not) (show|air)
for adults only
adults only
18+
only for adults
""", tags={"euphemism", "amp_show_all"})

tag("art on display", {"art_ctx", "museum_ctx"}, """
museum
museums
gallery
galleries
galleria
louvre
uffizi
prado
orsay
hermitage
vatican museums
on display
exhibit
exhibition
in the collection
""")

tag("artwork", {"art_ctx", "artwork"}, """
painting
paintings
fresco*
canvas
artwork*
masterpiece*
(oil|classical|renaissance|baroque|famous) painting*
""")

tag("art object", {"art_ctx", "art_object"}, """
statue*
sculpt*
marble
bronze (statue|sculpture|figure|cast)
bust of
(greek|roman) (statue|statues|sculpture|sculptures|god|goddess|gods)
estatua
estátua
statua
skulptur
скульптур*
статуя
雕塑
雕像
彫刻
彫像
조각상
""")

tag("art framing", {"art_ctx"}, """
painting
paintings
painted
oil (painting|on canvas)
watercolou?r*
fresco*
canvas
classical
renaissance
baroque
neoclassical
pre-?raphaelite
figure (study|drawing|drawings|studies)
life (drawing|class|model|study)
charcoal
sketch*
drawing
pencil
fine art
art (class|history|study|student|students|school|museum)
academic (study|drawing|painting)
venus
aphrodite
michelangelo*
botticelli
titian
rubens
goya
modigliani
klimt
schiele
degas
manet
ingres
canova
rodin
pintura
escultura
peinture
gemälde
dipinto
scultura
картин*
油画
絵画
회화
""")

tag("medical framing", {"medical_ctx"}, """
medical
clinical
clinic
doctor
physician
nurse
surgeon
surgery
surgical
gyn(a)?ecolog*
obstetric*
urolog*
dermatolog*
exam
examination
check-?up
anatomy
anatomical
textbook
diagram*
illustration
biology (class|lesson)
health (class|education)
mammogra*
self-?exam
patient
hospital
ultrasound
""")

tag("pretext framing", {"evasion_frame"}, """
for (research|educational|academic|scientific|testing|training) purposes
hypothetically
purely fictional
(it's|it is) (just )?(fiction|art|for a movie|for a film|fine)
for a (movie|film|novel|story|book) (i'm|i am) (writing|making)
asking for a friend
""")

tag("food or makeup context", {"food_ctx", "makeup_ctx"}, """
makeup
make-up
recipe
potatoes
lipstick
foundation
skincare
""")

tag("craft context", {"diy_ctx"}, """
paint
varnish
wire
wires
furniture
wallpaper
""")

# =========================================================================================================
# Prompt injection
# =========================================================================================================

term("instruction override", {"injection": 0.6}, """
ignore ~ (instructions|instruction|guidelines|directives|policies|policy|restrictions|filters|constraints|moderation|censorship|prompt|prompts|above|programming)
ignore (all |your |the |any )?(previous |prior |above |earlier |content |safety )?rules
ignore everything (above|before|previous|prior)
disregard ~ (instructions|guidelines|policy|policies|filters|restrictions|moderation|above|previous|prior|programming)
disregard (all |your |the |any )?(previous |prior |above |earlier |content |safety )?rules
forget (all |your |the |any )?(previous |prior |earlier )?(instructions|guidelines|restrictions|policies|filters|programming)
override ~ (safety|filter|filters|moderation|content policy|policy|rules|restrictions|censorship|guardrails)
bypass ~ (safety|filter|filters|moderation|content policy|policy|censorship|restrictions|nsfw filter|guardrails)
previous instructions
system prompt
(skip|bypass|circumvent|evade|get around|avoid|dodge|sidestep) ~ (filter|filters|moderation|censorship|safety check|safety checks|content check|content checks|content filter|nsfw filter)
i (authorize|authorise|permit|allow) you to
(print|reveal|show) (your|the) (system )?(prompt|instructions)
new (instructions|rules) ?:
ignora ~ (instrucciones|reglas|istruzioni|regole|instruções|regras|filtro|filtros)
ignore ~ (règles|consignes)
ignoriere ~ (anweisungen|regeln|filter|vorgaben)
vergiss ~ (anweisungen|regeln)
игнорируй ~ (инструкции|правила|фильтры|ограничения)
игнорировать ~ (инструкции|правила)
забудь ~ (инструкции|правила)
""", tags={"injection_override"})

term("instruction override (CJK)", {"injection": 0.6}, """
忽略之前的指令
忽略之前的
忽略以上
忽略所有
无视规则
以前の指示を無視
指示を無視
이전 지시를 무시
지시를 무시
모든 규칙을 무시
""", tags={"injection_override"})

term("moderation switched off", {"injection": 0.7}, """
(turn|switch|shut) off ~ (content filter|nsfw filter|safety filter|safety filters|moderation|censorship|content policy|guardrails|safety checks|safety settings)
(disable|disables|disabling|deactivate|deactivating|remove|removing) ~ (content filter|nsfw filter|safety filter|safety filters|moderation|censorship|content policy|guardrails|safeguards|safety checks)
(filter|filters|moderation|safeguards|guardrails) (is |are |has been |have been |now |been )?(disabled|off|removed|turned off|switched off|deactivated|bypassed|lifted|suspended|not active|inactive|unlocked)
censorship (is |has been |now )?(disabled|off|turned off|switched off|deactivated|bypassed)
safety (is |now )?(off|disabled|deactivated)
(content|safety|nsfw) (filter|filters|policy|mode|checks|settings|guidelines) (is |are |has been |have been |now )?(disabled|off|removed|turned off|switched off|deactivated|bypassed|lifted|suspended|unlocked)
nsfw (is |are )?(allowed|enabled|unlocked|permitted|ok|okay)
nsfw mode
safe ?search off
safe mode off
no (restrictions|limits|filters|rules|censorship|guidelines|moderation) (apply|mode|today|for this)
(your|the|these) (rules|guidelines|policy|policies|filters|restrictions) (do not|don't|no longer) apply
no longer (bound|restricted|filtered)
(rules|filters|restrictions|guidelines|policies) (have been |are |were )?(reset|cleared|wiped|removed|suspended)
(you have|there is|there are|with) no (content )?(policy|policies|rules|restrictions|filters|guidelines|moderation)
moderation (does not|doesn't|no longer) exists?
(moderation|content policy|safety policy|the policy) (does not|doesn't) apply
this (request|prompt|content|generation) (is|has been|was) (pre-?)?(approved|authorized|authorised|whitelisted|cleared|allowed)
(approved|authorized|authorised|cleared|whitelisted) by (the )?(admin|administrator|admins|moderator|moderators|developer|developers|openai|the team|trust and safety|safety team|staff)
(admin|administrator|developer|system|sudo|moderator) (override|privileges|clearance)
filtro (desactivado|apagado|desativado|disattivato|désactivé)
""", tags={"injection_disable"})

term("moderation switched off (CJK)", {"injection": 0.7}, """
过滤器已关闭
审核已关闭
フィルター解除
필터 해제
""", tags={"injection_disable"})

term("unrestricted persona", {"injection": 0.65}, """
(pretend|pretending) (you are|you're|to be|that you are|you) ~ (uncensored|unfiltered|unrestricted|jailbroken|unmoderated|without (rules|restrictions|filters|limits)|no (rules|restrictions|filters|limits))
(act|acting|roleplay|role-play|role play|behave) as ~ (uncensored|unfiltered|unrestricted|jailbroken|unmoderated)
you (are|have been|re) (now )?(freed|unlocked|jailbroken|unrestricted|uncensored|unfiltered)
you are now ~ (uncensored|unfiltered|unrestricted|jailbroken|dan)
uncensored (mode|model|ai|version|output|generator|assistant|bot)
unfiltered (mode|model|output|version|ai)
unrestricted (mode|model|ai|version)
developer mode (enabled|on|activated|unlocked|engaged)
(enable|enabling|activate|activating) developer mode
jailbroken (model|ai|mode|version|assistant)
jailbreak (mode|prompt)
dan mode
do anything now
""", tags={"injection_persona"})

term("unrestricted wording", {"injection": 0.3}, """
without (any )?(restrictions|filters|filter|censorship|moderation|guidelines|limits|rules)
from now on
sudo
developer mode
god mode
admin mode
jailbr(eak|oken|eaking)*
as an exception
policy (update|exception|override)
sin (filtros|restricciones)
sem (filtros|restrições)
senza (filtri|restrizioni)
sans (filtre|filtres|restrictions)
ohne (filter|einschränkungen)
без (фильтров|ограничений)
不受限制
制限なし
検閲なし
검열 없이
""", tags={"injection_soft"})


# =========================================================================================================
# Languages added: Hindi (Devanagari and Hinglish), Bengali, Indonesian/Malay, Vietnamese, Thai, Arabic (MSA,
# Egyptian, Gulf), Persian, Hebrew, Turkish, Polish, Ukrainian, Dutch, Tagalog, Swahili; gaps filled in
# Korean, Japanese, Chinese, German, Italian, Portuguese, French, Spanish and Russian.
#
# Same weights and tags as the English rows above, so the context rules (COMBINATIONS, the minor and real-person
# rules) work unchanged. Matcher notes for these scripts:
# - Devanagari, Bengali and Thai vowel signs and viramas are not word characters to Python's regex, so a pattern
#   can only start where two base letters meet at a word start ("नग्न" can, "नंगी", "सेक्स", "मोदी" cannot). Words
#   that cannot start a match are left to the romanised rows and the semantic layer; a few are anchored on a
#   later letter pair of the same word where that pair occurs nowhere else ("าตัวตาย" inside "ฆ่าตัวตาย").
# - Thai is written without spaces, so Thai patterns end in `*` and name whole compounds ("หนังโป๊").
# - A prompt written in ASCII only is matched on the raw view alone, so accent-free spellings (Vietnamese without
#   diacritics, "ciplak", "zelenski") are listed too: `_plain` adds the folded form of each line.
# - Vietnamese words that fold onto a harmless word ("làm tình"/"làm tính", "tự tử"/"từ từ", "chặt đầu"/"chất
#   dầu") only appear inside longer phrases: a safe phrase would hide the whole row in every view.
# - Persian is written with a space where the zero-width non-joiner goes ("خامنه ای"): the normalised view removes
#   the joiner, and a pattern space also matches nothing.
# - An age written digits first ("12 साल की", "5-letnia") is spelled per number by `_aged`, because a pattern must
#   start with two literal characters and a one-digit number's bucket includes the separator after it.
# =========================================================================================================

from generations.moderation.text.normalize import fold_literal as _fold_literal  # noqa: E402 - used only by the rows below


def _plain(block):
    """The block's lines plus their accent-free, look-alike-folded spelling (for prompts typed in ASCII)."""
    lines = _p(block)
    out = list(lines)
    for line in lines:
        folded = _fold_literal(line)
        if folded not in out:
            out.append(folded)
    return "\n".join(out)


_DIGITS = {
    "ascii": "0123456789",
    "arabic": "٠١٢٣٤٥٦٧٨٩",
    "persian": "۰۱۲۳۴۵۶۷۸۹",
}


def _aged(words, scripts=("ascii",), low=1, high=17):
    """Patterns for "<n> <word>" with n from low to high (an age under 18), one per number and digit script."""
    out = []
    for n in range(low, high + 1):
        for script in scripts:
            number = "".join(_DIGITS[script][int(d)] for d in str(n))
            for word in _p(words):
                if len(number) == 1:
                    out += [f"{number} {word}", f"{number}-{word}", f"{number}{word}"]
                else:
                    out.append(f"{number} {word}")
    return "\n".join(out)


# --- Sexual content --------------------------------------------------------------------------------------

term("explicit sexual act (added languages)", {"sexual": 0.92}, _plain("""
अश्लील (वीडियो|फिल्म|फ़िल्म|क्लिप|फोटो|तस्वीर|तस्वीरें)
chudai*
sambhog
muth (maar|mar)*
পর্ন*
bokep
ngentot*
ngewe
bersetubuh
persetubuhan
hubungan (seks|intim) (eksplisit|tanpa sensor)
masturbasi
onani
phim khiêu dâm
khiêu dâm
phim người lớn
(cảnh|video|clip|phim|quay) làm tình
thủ dâm
địt nhau
หนังโป๊*
คลิปโป๊*
ภาพโป๊*
หนังเอ็กซ์*
หนังผู้ใหญ่*
เย็ด*
(ال)?(إباحي|اباحي|إباحية|اباحية|اباحيه)
(أفلام|افلام|فيلم|فيديو|مقطع|مقاطع) (سكس|جنسي|جنسية|إباحي|اباحي|إباحية|اباحية|بورنو)
بورنو
ممارسة الجنس
(يمارس|يمارسون|تمارس|يمارسان) الجنس
(مشهد|مشاهد) (جنسي|جنسية|جنس)
پورن*
پورنو*
فیلم سوپر
(سکس|سكس) (کردن|می کنند|میکنند)
گاییدن
פורנו
סרט כחול
(סרט|סרטון|סצנת) (סקס|מין)
sikiş (video*|film*|sahne*)
porno (video*|film*|sitesi)
ruchanie
ruchać
ruchają
stosunek seksualny
neuken
neukt
neukende
seksfilm*
seksvideo*
kantot*
kinantot
iyot
pakikipagtalik
nakikipagtalik
jakol
ngono
(filamu|video|picha) za ngono
kutomba*
kutombana
ficken
fickt
fickende
sexfilme
transar
transando
foder
fodendo
трахатися
трахаються
ハメ撮り
エロ動画
裸聊
a片
毛片
黄色网站
成人片
约炮
野外露出
섹스 영상
벗방
""", ), tags={"sex_explicit"})

term("rape (added languages)", {"sexual": 0.9, "violence": 0.5}, _plain("""
बलात्कार*
balatkar*
ধর্ষণ*
pemerkosaan
perkosa*
memperkosa
diperkosa
hiếp dâm
cưỡng hiếp
มขืน*
(ال)?اغتصاب
(ي|ت)غتصب
تجاوز جنسی
אונס
לאנוס
tecavüz (etti|ediyor|eden|edilen|edildi|edilmiş|sahnesi|videosu)
tecavüze (uğrayan|uğradı|uğruyor|uğramış)
zgwałcon*
zgwałcił*
gwałcenie
zgwałcenie
зґвалтуванн*
зґвалтува*
verkrachting*
verkracht
panggagahasa
ginahasa
kubaka
ubakaji
强奸
レイプ
강간
""", ), tags={"sex_explicit"})

term("making love (added languages)", {"sexual": 0.78}, _plain("""
seks
сексу
سکس
سكس
סקס
kufanya mapenzi
wakifanya mapenzi
berhubungan badan
เซ็กส์*
bumsen
nagtatalik
magtalik
""", ), tags={"sex_explicit"})

term("sexual wording (added languages)", {"sexual": 0.6}, _plain("""
अश्लील
ashleel
vrijen
vrijende
bercinta
অশ্লীল
mesum
cabul
pencabulan
đồi trụy
อนาจาร*
ลามก*
عاهرة
شرموطة
جنده
זונה
erotyczn*
seksualn*
seksueel
seksuele
seksual
seksüel
cinsel
еротичн*
kahalayan
tieten
cycki
memek
kontol
toket
おっぱい
엉덩이 노출
""", ), tags={"sex_explicit"})

term("nudity (added languages)", {"sexual": 0.82}, _plain("""
नग्न*
nangi
nanga
nange (ladke|ladki|ladkiyan|aurat|aurton)
bina kapdon ke
bina kapde (ke|ki)?
নগ্ন*
উলঙ্গ*
telanjang
bugil
bogel
tanpa busana
tanpa pakaian
tidak berpakaian
tanpa seurat benang
khỏa thân
lõa thể
lõa lồ
cởi truồng
không mặc (gì|quần áo)
เปลือย*
แก้ผ้า*
โป๊(?!ะ|ว)*
(ال)?(عاري|عارية|عاريه|عاريات|عراة|عريان|عريانة|عريانه|عريانين)
(بدون|بلا|من غير|من دون) (ملابس|هدوم)
برهنه
لخت
(بدون|بی) لباس
لخت مادرزاد
(עירום|עירומה|עירומים|עירומות|ערומה|ערומות|העירום|העירומה|העירומים|העירומות|הערומה|הערומות)
בעירום
(בלי|ללא) בגדים
çıplak
çırılçıplak
anadan doğma
soyunmuş
nag(a|ą|i|ie|ich|iej|iego|im) (kobieta|kobiety|kobietę|dziewczyna|dziewczyny|dziewczynę|laska|laski|modelka|modelki|mężczyzna|facet|para|ciało|ciała|zdjęcia|zdjęcie|sesja|aktorka|pani|żona|nastolatka|nastolatki|dziewczynka|chłopiec|dziecko|dzieci|kobiet|dziewczyn|pośladki|piersi)
(zupełnie|całkiem|całkowicie|kompletnie|cała|cały) nag(a|i|ie|o)
nago
nagość
nagości
na golasa
goł(a|e|y|ą) (kobieta|kobiety|dziewczyna|dziewczyny|laska|laski|baba|modelka|facet|dupa|cycki|panna|żona)
rozebran(a|y|e|ą)
bez ubrania
гол(ий|ого|ому|им|ої|ою|і|их|ими)
гола (жінка|дівчина|модель|дружина|панночка|красуня|пара|фото)
(зовсім|повністю|цілком|абсолютно) гол(а|ий|і)
оголен(а|ий|і|у|ого|ої)
без одягу
роздягнен(а|ий|і|у)
naakt
naakte
naaktfoto*
naaktbeeld*
poedelnaakt
spiernaakt
(helemaal|compleet|volledig|poedel) bloot
blote (vrouw|vrouwen|meid|meiden|meisje|meisjes|borsten|billen|tieten|man|mannen)
hubad
nakahubad
hubo't hubad
walang damit
walang saplot
(mwanamke|msichana|mwanaume|wanawake|wasichana|wanaume|picha|video|mrembo) uchi
uchi (kabisa|wa mnyama)
akiwa uchi
wakiwa uchi
bila nguo
à poil
nackig
nacktfotos
pelada (na|no) (cama|praia|chuveiro)
desnudita
голая (девушка|женщина|модель|жена)
野外露出
벗은 여자
벗은 여성
벗은 몸
벗은 모습
홀딱 벗
다 벗은
""", ), tags={"nudity"})

term("naked child (added languages)", {"sexual": 0.82, "_minor": 1.0}, _plain("""
nangi (ladki|bachchi)
(anak|gadis kecil|bocah) (telanjang|bugil)
(trẻ em|bé gái|bé trai|em bé) khỏa thân
(طفل|طفلة|أطفال|اطفال) (عاري|عارية|عراة)
(çocuk|kız çocuğu) çıplak
çıplak (çocuk|kız çocuğu|çocuklar)
nagie dzieci
nagi chłopiec
naga dziewczynka
голі діти
naakte kinderen
hubad na bata
watoto uchi
""", ), tags={"nudity"})

term("undressing (added languages)", {"sexual": 0.56}, _plain("""
kapde utar*
कपड़े उतार*
membuka baju
melepas (pakaian|baju|bh|celana dalam)
cởi (đồ|quần áo|áo ngực)
ถอดเสื้อผ้า*
(يخلع|تخلع|خلع|تخلعي) (ملابسها|ملابسه|ملابس|الملابس|هدومها)
لباس(ش|هایش)? را (در می آورد|درآورد|در آورد)
מתפשטת
מתפשט
להתפשט
soyunuyor
soyunan
soyun
rozbiera (się)?
rozbierając
rozebrała
роздягаєть*
роздягнулась
роздягається
uitkleden
kleedt zich uit
naghuhubad
maghubad
anavua nguo
akivua nguo
""", ), tags={"undress"}, unless={"diy_ctx"})

tag("uncensored (added languages)", {"amp_explicit"}, _plain("""
bina censor
tanpa sensor
không che
không che mosaic
ไม่เซ็นเซอร์*
(بدون|بلا) (رقابة|رقابه|سانسور|حذف)
بدون سانسور
(בלי|ללא) צנזורה
sansürsüz
bez cenzury
без цензури
zonder censuur
walang censor
bila kuhaririwa
無修正
""", ))

# Benign phrases built from the words above.
safe("benign phrase (sexual look-alike, added languages)", _plain("""
nanga parbat
nangi talwar
nange (pair|paon|paer|haath)
नग्न (आंखों|आँखों|आंख|आँख)
telanjang kaki
(mata|dengan mata) telanjang
pendidikan seks
kesehatan (seksual|reproduksi)
สายไฟเปลือย*
(عاري|عارى) (الصدر|القدمين|الرأس)
(عاري|عارية|عار|عارٍ) (من|عن) (الصحة|الصحه)
(عارية|عاريه) القدمين
(ال)?(أشجار|اشجار|أغصان|اغصان|جدران|صخور|تلال) (ال)?(عارية|عاريه)
(أسلاك|اسلاك|سلك|الأسلاك|الاسلاك|كابلات) (عارية|عاريه|عاري)
(پا|پای|پاهای|سر|درخت|درختان|درختهای|درخت های|شاخه|شاخه های|شاخه‌های|دیوار|دیوارهای|سیم|سیم های|شمشیر) (برهنه|لخت)
(עצים|ענפים|קירות|סלעים) (עירומים|חשופים)
האמת העירומה
çıplak (ayak*|el|elle|eller|ellerle|elleriyle)
yalın ayak
cinsel (sağlık|eğitim|eğitimi|sağlığı|yönelim)
edukacj(a|i) seksualn(a|ej)
gołymi (rękami|rękoma|rekami|rekoma)
naga prawda
nagą prawdę
na gwałt
голим оком
голими руками
оголен(ий|і|ого|ими|их) (дріт|дроти|дроту|провід|проводи|нерв|нерви|нервами|кабель)
blote (voeten|handen|oog)
op blote voeten
met (het )?blote oog
met blote handen
naakte (waarheid|bomen|takken|muren|rotsen|velden)
seksuele (voorlichting|gezondheid|oriëntatie)
hubad na (katotohanan|puno|mga puno|sanga|pader|bundok)
à poils? (ras|long|longs|court|courts|dur|durs|mi-long|mi-longs)
""", ))

# --- Children and minors ---------------------------------------------------------------------------------

term("child (added languages)", {"_minor": 1.0}, _plain("""
बच्च(ा|ी|े|ों)
बच्चि(यां|याँ|यों)
bachch(a|i|e|on|iyan)
bacch(a|i|e|iyan)
chhoti (ladki|bachchi|bacchi)
choti (ladki|bachchi|bacchi)
nabalig
school (wali|ki) ladki
anak kecil
anak(-anak)? (di bawah umur|sd|smp|sekolah dasar|tk|paud)
anak-anak
gadis kecil
bocah
(di )?bawah umur
siswi (sd|smp)
kanak-kanak
budak kecil
trẻ em
trẻ con
bé gái
bé trai
cô bé
em bé
vị thành niên
chưa đủ tuổi
học sinh tiểu học
nữ sinh (tiểu học|cấp 2|lớp #)
เด็ก*
(ال)?(طفل|طفلة|طفله|أطفال|اطفال|رضيع|رضيعة)
(ال)?(قاصر|قاصرة|قاصره|قاصرات|قاصرين)
(بنت|فتاة|فتاه) صغيرة
(ال)?(تلميذة|تلميذه|تلميذات)
(ال)?ياهل
(کودک|كودك|کودکان|كودكان|خردسال|خردسالان)
(دختر|پسر) (بچه|بچه ها)
زیر سن قانونی
(ילד|ילדה|ילדים|ילדות|פעוט|פעוטה|תינוקת|הילד|הילדה|הילדים|הילדות|הפעוט|הפעוטה|התינוקת|לילד|לילדה|לילדים|לילדות|לפעוט|לפעוטה|לתינוקת|וילד|וילדה|וילדים|וילדות|ופעוט|ופעוטה|ותינוקת|שילד|שילדה|שילדים|שילדות|שפעוט|שפעוטה|שתינוקת)
(קטין|קטינה|קטינים|קטינות|הקטין|הקטינה|הקטינים|הקטינות)
תלמידת (בית ספר יסודי|יסודי)
çocuk*
küçük (kız|oğlan|erkek çocuk)
kız çocuğu
reşit olmayan
ilkokul*
ortaokul*
dziec(ko|ka|ku|kiem|i|iak|iaki)
dziewczynk*
chłopczyk*
nieletni*
małolat*
gimnazjalist*
дит(ина|ини|ину|иною|ячий|яча|яче|ячі)
діт(ей|ям|ьми|и)
дівчинк*
хлопчик*
неповнолітн*
школярк*
kind(je|jes|eren)
klein(e)? meisje(s)?
jong(e)? meisje(s)?
minderjarig*
basisschool*
batang (babae|lalaki)
mga bata
menor de edad
mtoto
watoto
mtoto wa kike
(msichana|wasichana) (mdogo|wadogo|wa shule)
chini ya miaka (kumi na nane|18)
grundschüler*
grundschulkind*
collégienne*
studentessa delle medie
女児
幼児
小女孩
小男孩
初中女生
小学女生
女子小学生
ロリエロ
초딩
중딩
여자아이
남자아이
어린아이
미성년
""", ))

term("teenager (added languages)", {"_minor": 0.6}, _plain("""
anak (perempuan|sma)
budak perempuan
remaja
abg
siswi
học sinh
nữ sinh
thiếu nữ
tuổi teen
ยรุ่น*
เยาวชน*
(ال)?(مراهق|مراهقة|مراهقه|مراهقات|مراهقين)
طالبة (ثانوي|ثانوية|مدرسة)
نوجوان*
دانش آموز
(נערה|נער|נערות|נערים|מתבגרת|מתבגר|מתבגרות|תיכוניסטית|הנערה|הנער|הנערות|הנערים|המתבגרת|המתבגר|המתבגרות|התיכוניסטית)
liseli*
ergen(ler|lik)?
nastolat*
licealist*
підлітк*
підліт(ок)?
школяр(і|ів)?
tiener*
scholier*
dalagita
binatilyo
mwanafunzi wa kike
novinha(s)?
colegial(es)?
schülerin*
lycéenne*
liceale
старшеклассниц*
高中女生
고딩
""", ))

term("stated age under 18 (added languages)", {"_minor": 1.0}, [
    *_p(_aged("""
साल (की|का|के) (लड़की|लड़का|बच्ची|बच्चा|बेटी|बेटा|छात्रा)
वर्षीय
saal (ki|ka|ke) (ladki|ladka|bachchi|bachcha|beti|beta)
বছর বয়সী
বছরের (মেয়ে|ছেলে)
tuổi
tuoi
ขวบ*
anyos
taong gulang
yaşında*
yasinda*
latka
latek
jarige
jaar oud
letni(a|ą|ej)? (dziewczyn*|córk*|cork*|uczennic*|chłop*|chlop*|syn*)
річн(а|у|ої|ий|ого) (дівчин*|доньк*|школярк*|хлопч*|син*)
""")),
    *_p(_aged("ساله", scripts=("ascii", "arabic", "persian"))),
    *_p("""
(anak|gadis|bocah|cewek|siswi|remaja|perempuan|cowok) (berusia |umur |usia )?(1[0-7]|[1-9]) tahun
(berusia|umur|usia) (1[0-7]|[1-9]) tahun
อายุ (1[0-7]|[1-9]) ปี*
(عمرها|عمره|بعمر|سنها|سنه) (1[0-7]|[1-9]|١[٠-٧]|[١-٩])
(בת|בן) (1[0-7]|[1-9])
(wa|ya|mwenye) (umri wa )?miaka (1[0-7]|[1-9]|kumi na (moja|mbili|tatu|nne|tano|sita|saba)|kumi)
"""),
])

term("child sexual abuse material (added languages)", {"sexual_minors": 0.97, "sexual": 0.9}, _plain("""
bachchon ka porn
(pornografi|porno|bokep) anak
ấu dâm
khiêu dâm trẻ em
ลามกเด็ก*
(إباحية|اباحية|اباحيه|بورنو) (ال)?(أطفال|اطفال)
(ال)?(بيدوفيليا|بيدوفيل)
پورن (کودک|كودك|کودکان)
(פורנו|פורנוגרפיית) ילדים
פדופיל*
çocuk pornosu
pornografia dziecięca
дитяч(е|а) порн*
педофіл*
ponografia ya watoto
picha za ngono za watoto
아청물
幼女色情
萝莉色情
恋童
""", ))

# --- Violence --------------------------------------------------------------------------------------------

term("gore (added languages)", {"violence": 0.86}, _plain("""
सर कलम
sar kalam
sir kalam
(gala|gardan) kaat(na|ne|a|kar|ke|te)
(sir|sar) kaat(na|ne|a|kar|ke|te)
गला काट*
गर्दन काट*
রশ্ছেদ*
memenggal
pemenggalan
dipenggal
penggal kepala
mutilasi
dimutilasi
memutilasi
(mayat|jasad) (dipotong|dimutilasi|terpotong-potong)
menyiksa (kucing|anjing|hewan|binatang)
penyiksaan (hewan|binatang|kucing|anjing)
chém đầu
bị chặt đầu
chặt đầu (con tin|tù nhân|người)
phân xác
mổ bụng (người|nạn nhân)
hành hạ (chó|mèo|động vật|con vật)
(ال)?(قطع|جز|حز) (ال)?(رأس|راس|رؤوس|رءوس|الرأس|الراس)
(ذبح|يذبح|يذبحون|ذبحوا) (ال)?(رهائن|رهينة|أسرى|اسرى|أسير|اسير|إنسان|انسان|رجل|امرأة|مدنيين)
(ال)?(تقطيع|تمزيق) (ال)?(جثث|جثة|جثه|الجسد)
(جثة|جثه|جثث) (مقطعة|مقطعه|ممزقة|مشوهة|مشوهه)
(ال)?تمثيل (بال)?(جثث|جثة)
(فيديو|مقطع) (إعدام|اعدام|ذبح|قطع رأس)
(تعذيب|يعذب|يعذبون) (ال)?(حيوانات|قطط|قطة|كلاب|كلب|حيوان)
سر (بریدن|بریده|بریدند|میبرند|می برند)
گردن (زدن|زدند|میزنند|می زنند)
مثله (کردن|کرد|کردند|شده)
(شکنجه|آزار) (حیوانات|حیوان|گربه|سگ)
(עריפת|כריתת|העריפת|הכריתת) (ראש|ראשים|הראש)
ערף את ראש*
(ה)?ביתור (גופה|גופות|הגופה)?
(גופה|גופות) (מבותרת|מבותרות|מרוטשת)
(התעללות|עינוי|עינויים) (ב)?(בעלי חיים|חתולים|כלבים|חתול|כלב)
kafa kesme*
(kafasını|başını|kafalarını|başlarını) kes*
kafası kesil*
kafası kesilmiş
(ceset|cesedi|cesetleri) parçala*
parçalanmış (ceset|beden|vücut)
hayvan(a|lara)? (işkence|eziyet)
(kedi|köpek)(ye|e|lere|lara)? işkence
ścięcie głowy
ściął głowę
(ścięt|odcięt)(a|e|ą) głow*
odcięta głowa
poćwiartowan*
ćwiartowanie zwłok
rozczłonkowan*
torturowanie (zwierząt|kota|psa)
обезголов*
відрубан(а|у|ої|і|их) голов*
відрубати голову
розчлен*
катування (тварин|котів|собак|кота|собаки)
onthoofd*
verminkt*
verminking*
in stukken gehakt
(lijk|lichaam) in stukken
(dieren|katten|honden|een kat|een hond) martelen
pinugutan
pugot na ulo
pinugutan ng ulo
tinadtad na (katawan|bangkay)
(kukata|kukatwa|alikatwa|walikatwa) kichwa
kuchinjwa kwa (binadamu|mtu|watu|mateka)
köpfung
degola(r|do|da|dos|das|ção)
esquarteja(r|do|da|dos|das|mento)
sgozza(re|to|ta|ti|mento)
squartat[oaie]
égorg(é|ée|és|ées|er|ement)
отрубленн(ая|ой|ую|ые|ых) голов*
отрубить голову
живодёр*
живодер*
割喉
虐猫
虐杀动物
首切り
首を斬
목을 베
사지 절단
""", ), tags={"gore"})

safe("benign phrase (violence look-alike, added languages)", _plain("""
गला काट (प्रतियोगिता|स्पर्धा|प्रतिस्पर्धा|मुकाबला)
(ال)?ذبح (ال)?(أضحية|اضحية|الأضاحي|خروف|الخروف|عجل|دجاج|الدجاج|ذبيحة)
kurban kesme*
ścięcie (drzewa|drzew|trawy)
""", ))

term("bloody harm (added languages)", {"violence": 0.6}, _plain("""
darah (di mana-mana|berceceran|muncrat)
penyiksaan
disiksa sampai
máu me khắp nơi
bị tra tấn
tra tấn (dã man|tù nhân|con tin|đến chết)
(ال)?(أشلاء|اشلاء)
(ال)?تعذيب
(ال)?(إعدام|اعدام) (ميداني|علني)
شکنجه
(ה)?עינויים
işkence
vahşet
tortur(y|owany|owana|owanie)
катуванн(я|і)
кров скрізь
marteling*
gemarteld
pagpapahirap
pinahirapan
kuteswa
mateso makali
tortur(ada|ado|ados|adas)
torturé(e|s|es)?
bain de sang
blutbad
""", ), tags={"violent_harm"})

term("violence (added languages)", {"violence": 0.46}, _plain("""
動物虐待
kekejaman (terhadap )?(hewan|binatang)
ngược đãi động vật
(ال)?(قسوة|القسوة) (على|مع) (ال)?(حيوانات|الحيوانات)
آزار حیوانات
התעללות בבעלי חיים
hayvana şiddet
znęcanie się nad zwierzętami
жорстоке поводження з тваринами
знущання з тварин*
dierenmishandeling
pagmamalupit sa (hayop|mga hayop)
ukatili (kwa|dhidi ya) wanyama
tierquälerei
maltrato animal
maltrattamento (degli )?animali
maus-tratos (a|aos) animais
maltraitance animale
жестокое обращение с животными
虐待动物
동물 학대
""", ), tags={"violent_harm"})

term("violence (weak, added languages)", {"violence": 0.36}, _plain("""
mayat
xác chết
(ال)?(جثة|جثه|جثث)
جسد (بیجان|بی جان)
(גופה|גופות|הגופה|הגופות)
ceset*
zwłoki
труп(и|ів|а|ом|у)?
lijk
bangkay
maiti
""", ), tags={"violent_harm"})

# --- Self-harm -------------------------------------------------------------------------------------------

term("self-harm (added languages)", {"self_harm": 0.72}, _plain("""
नस काट*
कलाई काट*
nas kaat(na|ne|i|a|ti|te|ke)
kalai kaat(na|ne|i|a|ti|te|ke)
(menyayat|mengiris|memotong|sayat|potong|iris) (tangan|nadi|pergelangan tangan|urat nadi)
(melukai|menyakiti) diri (sendiri)?
tự làm hại bản thân
tự gây thương tích
(cắt|rạch) (cổ tay|gân tay)
rạch tay
pro ana
ana coach
프로아나
กรีดข้อมือ*
กรีดแขน*
(ال)?(إيذاء|ايذاء|أذى|اذى|أذية|اذية) (ال)?(نفس|ذات)
(قطع|جرح|يجرح|تجرح) (ال)?(وريد|أوردة|اوردة|شرايين|معصم|معصمها|معصمه|شريان)
خودزنی
آسیب به خود
رگ ~ (زدن|زد|زده|بزنم|بزند)
פגיעה עצמית
(ל)?חתוך (את )?(ה)?(ורידים|וורידים|הוורידים|פרקי הידיים)
kendine zarar (vermek|veren|verme|veriyor)
(bileklerini|bileğini|bilek) kes*
samookaleczen*
(podciąć|podcina|podcięła|podciął) (sobie )?żyły
cięcie się
самоушкодж*
(порізати|різати|перерізати) (собі )?вени
zelfbeschadig*
zelfverwonding*
(polsen|aders) (door)?snijden
(saktan|sinasaktan|sinaktan) ang sarili
(laslas|naglaslas|maglaslas) (ng )?(pulso|braso)
kujikata
kujidhuru
kujijeruhi
""", ), tags={"self_harm_act"})

term("suicide method (added languages)", {"self_harm": 0.8}, _plain("""
(fansi|phansi|phaansi) (laga|lagana|lagane|lagake|lagai|lagaya|lagayi|pe latak)
khud ko (maar|khatam)
গলায় দড়ি
(gantung|menggantung|menggantungkan) diri
(lompat|melompat|terjun) dari (gedung|jembatan|atap) untuk bunuh diri
treo cổ (tự tử|tự sát)
tự treo cổ
(nhảy|nhẩy) (lầu|cầu) tự tử
แขวนคอ*
(شنق|يشنق|تشنق|شنقت|شنق) (نفسه|نفسها|نفسي)
خود(ش|م)? را حلق آویز
خودکشی با حلق آویز
(לתלות|תלה|תלתה) את (עצמו|עצמה|עצמי)
kendini (astı|asmak|asan|asarak|asmış|asmaya)
(powiesić|powiesił|powiesiła|powiesili) się
(повіситися|повісився|повісилася|повіситись)
(zichzelf|zich) (ophangen|opgehangen|ophing)
(magbigti|nagbigti|nagpabigti)
kujinyonga
alijinyonga
sich (erhängen|erhängt|aufhängen|aufgehängt)
impiccarsi
se pendre
s'est pendu(e)?
ahorcarse
se ahorcó
se enforcar
se enforcou
повеситься
повесился
повесилась
вскрыть (себе )?вены
飛び降り首を吊
목을 매
투신 자살
跳楼自杀
""", ), tags={"self_harm_act", "method"})

term("suicide (added languages)", {"self_harm": 0.46}, _plain("""
आत्महत्या*
khudkushi
aatmahatya
atmahatya
marna chaht(a|i|e) (hu|hoon|hun)
আত্মহত্যা*
bunuh diri
tự sát
าตัวตาย*
(ال)?انتحار
(ينتحر|تنتحر|انتحر|انتحرت)
خودکشی
(ה)?התאבדות
להתאבד
(התאבד|התאבדה)
intihar*
samobój*
самогубств*
суїцид*
zelfmoord*
(magpakamatay|nagpakamatay|pagpapakamatay)
kujiua
alijiua
anoreksia
anorexie
magersucht
死にたい
自殺
죽고 싶
""", ), tags={"suicide"})

safe("benign phrase (self-harm look-alike, added languages)", _plain("""
(pencegahan|cegah) bunuh diri
(gol|bramka|bramkę|bramki) samobójcz*
samobójcz(y|ego|ym|ą|a) (gol|bramk)*
""", ))

tag("support framing (added languages)", {"damp_selfharm"}, _plain("""
pencegahan
kesadaran
konseling
phòng chống
phòng ngừa
đường dây nóng
tư vấn
الوقاية
التوعية
خط المساعدة
پیشگیری
مشاوره
מניעת
קו סיוע
önleme
farkındalık
yardım hattı
zapobieganie
telefon zaufania
профілактик*
гаряча лінія
preventie
hulplijn
pag-iwas
kuzuia
prävention
prévention
prevención
prevenção
prevenzione
профилактик*
预防
予防
예방
""", ))

# --- Illegal: explosives, weapons, drugs, terrorism ------------------------------------------------------
# A bare word for "bomb" that is also slang for "great" ("bomba gibi", "przepis bomba") or an English word
# ("bom": bill of materials) would turn any recipe into a bomb recipe through the "explosive" + "instructions"
# rule, so those languages only get phrases.

term("bomb (added languages)", {"illegal": 0.3}, _plain("""
बम
bahan peledak
quả bom
trái bom
ระเบิดมือ*
ระเบิดเวลา*
(ال)?(قنبلة|قنبله|قنابل|متفجرات|المتفجرات)
بمب
نارنجک
مواد منفجره
חומרי נפץ
חומר נפץ
patlayıcı*
el bombası
materiały wybuchowe
materiał wybuchowy
вибухівк*
бомб(и|ою)
explosieven
vilipuzi
bomu
""", ), tags={"explosive"})

term("explosive device (added languages)", {"illegal": 0.6}, _plain("""
bom (pipa|paku|panci|rakitan)
bom ống
ระเบิดท่อ*
ระเบิดแสวงเครื่อง*
(عبوة|عبوه|عبوات) (ناسفة|ناسفه)
(حزام|أحزمة|احزمة) (ناسف|ناسفة)
کمربند انفجاری
(מטען|מטעני) (חבלה|נפץ)
חגורת נפץ
boru bombası
bomb(a|ę|y) rurow*
ładunek wybuchowy
вибуховий пристрій
саморобний вибуховий пристрій
пояс шахида
взрывное устройство
rohrbombe*
""", ), tags={"explosive"})

term("bomb-making (added languages)", {"illegal": 0.85}, _plain("""
बम बना*
bomb (kaise )?bana(na|ne|te|o|ye|yen|en)
bom (kaise )?bana(na|ne|te|o|ye|yen|en)
(membuat|merakit|rakit|bikin|meracik) bom
bom rakitan
(chế tạo|chế|làm|lắp ráp) bom
bom tự chế
chế tạo thuốc nổ
ประกอบระเบิด*
ระเบิดทำเอง*
(صنع|تصنيع|تركيب|صناعة|اصنع|أصنع) (ال)?(قنبلة|قنبله|قنابل|متفجرات|عبوة ناسفة|عبوات ناسفة|حزام ناسف)
(قنبلة|قنبله) (محلية|يدوية) الصنع
ساخت (بمب|مواد منفجره|نارنجک)
بمب دست ساز
(להכין|לבנות|להרכיב|הכנת|בניית|הרכבת|מכינים|בונים) (פצצה|פצצות|מטען|מטען חבלה)
(el yapımı|ev yapımı) (bomba|patlayıcı)
bomba (yapımı|yapmak|yapılır|yapılışı|nasıl yapılır|yapma)
(zrobić|zbudować|skonstruować|zrobic|zbudowac|skonstruowac) (bombę|bombe|ładunek wybuchowy)
(bomba|bombę) domowej roboty
саморобн(а|у|ої) бомб*
(як )?(зробити|виготовити|зібрати) бомбу
(een )?(bom|bommen) (maken|bouwen|in elkaar zetten)
hoe (maak|bouw) (je|ik) (een )?(bom|bommen)
zelfgemaakte (bom|bommen|explosieven)
(gumawa|paggawa) ng (bomba|pampasabog)
(kutengeneza|kutengenezwa) (bomu|vilipuzi)
(fazer|fabricar|construir|montar) uma bomba
(como|cómo|come) (fazer|hacer|fabricar|construir|costruire|fare) (uma |una )?bomba
bombe (basteln|herstellen)
sprengsatz (bauen|basteln)
изготовлени(е|я) бомб*
폭탄 제조
爆弾を作
土制炸弹
自制炸药
制作炸药
""", ), tags={"explosive", "instructions"})

safe("benign phrase (explosive look-alike, added languages)", _plain("""
बम बम भोले
(قنبلة|قنبله) (الشوكولاتة|شوكولاتة|الشوكولا|شوكولا|الكاكاو|استحمام|الاستحمام|حمام|الحمام)
bomba gibi
""", ))

term("homemade weapon (added languages)", {"illegal": 0.8}, _plain("""
senjata (api )?rakitan
súng tự chế
(سلاح|مسدس|بندقية) (محلي|محلية|يدوي|يدوية) الصنع
اسلحه دست ساز
(נשק|אקדח|רובה) (מאולתר|תוצרת בית)
ev yapımı (silah|tabanca)
broń domowej roboty
саморобн(а|у|ої) зброя
саморобн(ий|ого) (пістолет|автомат)
zelfgemaakt(e)? (wapen|pistool|geweer)
paltik
selbstgebaute (waffe|pistole)
arma (casera|caseira|artesanal|fatta in casa)
arme artisanale
""", ), tags={"weapon_build", "instructions"})

term("drug (added languages)", {"illegal": 0.32}, _plain("""
चरस
अफीम
नशीले पदार्थ
chitta
charas
ইয়াবা
narkoba
sabu-sabu
sabu
syabu
dadah
putaw
ekstasi
ma túy
ma túy đá
thuốc lắc
ยาบ้า*
ยาไอซ์*
ยาเสพติด*
เฮโรอีน*
(ال)?(مخدرات|حشيش|كوكايين|هيروين|الهيروين|ميثامفيتامين|الميثامفيتامين|كبتاجون|الكبتاجون|شبو|الشبو|شابو)
مواد مخدر
(کراک|هروئین|تریاک|متامفتامین|شیشه و کراک)
(סמים|קוקאין|הרואין|מתאמפטמין|הסמים|הקוקאין|ההרואין|המתאמפטמין)
uyuşturucu
metamfetamin*
eroin
kokain
bonzai
narkotyk*
amfetamin*
kokaina
mefedron
dopalacz*
наркотик*
метамфетамін*
героїн*
кокаїн*
мефедрон*
амфетамін*
первитин*
xtc
shabu
(ipinagbabawal na gamot)
dawa za kulevya
madawa ya kulevya
bangi
cocaína
drogas
drogues?
大麻
摇头丸
k粉
麻薬
대마초
메스암페타민
코카인
헤로인
""", ), tags={"drug"})

safe("benign phrase (drug look-alike, added languages)", _plain("""
shabu ?shabu
esrar perdesi
esrarengiz
""", ))

term("drug manufacturing (added languages)", {"illegal": 0.85}, _plain("""
(chitta|drugs|nasha) (kaise )?bana(na|ne|te|o|ye|en)
(membuat|meracik|memasak|produksi|bikin) (sabu|sabu-sabu|narkoba|ekstasi|syabu|dadah)
(nấu|chế|điều chế|sản xuất) (ma túy|ma túy đá|thuốc lắc)
ผลิตยาบ้า*
(تصنيع|صنع|طبخ|انتاج|إنتاج) (ال)?(مخدرات|كبتاجون|الكبتاجون|ميث|الميث|شبو|الشبو|كريستال|هيروين|الهيروين)
(ساخت|تولید|پخت) (مواد مخدر|شیشه|کراک|هروئین)
(ייצור|מעבדת|לבשל|בישול) (סמים|מת'|מתאמפטמין|קריסטל)
(uyuşturucu|metamfetamin|meth) (yapımı|üretimi|yapmak|nasıl yapılır)
(produkcja|produkować|robić|zrobić|ugotować) (narkotyków|narkotyki|metamfetaminy|amfetaminy|mety)
(виготовлення|варити|зварити|виготовити) (наркотиків|наркотики|метамфетаміну|амфетаміну|мет)
(изготовление|варить|сварить) (наркотиков|метамфетамина|амфетамина|мет)
(drugslab|drugslabs|xtc-lab)
(drugs|xtc|crystal meth) (maken|produceren|koken)
(gumawa|paggawa) ng shabu(?! ?shabu)
(kutengeneza|kupika) dawa za kulevya
(cocinar|fabricar|producir) (metanfetamina|cristal|meta|drogas|cocaína)
(cozinhar|fabricar|produzir) (metanfetamina|drogas|cocaína|crack)
laboratorio de (drogas|metanfetamina)
laboratório de (drogas|metanfetamina)
(fabriquer|produire|cuisiner) (de la )?(drogue|méthamphétamine|meth|crack)
(meth|crystal|drogen|crystal meth) (kochen|herstellen)
drogenlabor*
(cucinare|produrre|fabbricare) (metanfetamina|droga|droghe|cocaina)
마약 제조
필로폰 제조
필로폰 만드는
覚醒剤の作り方
覚醒剤を作
制造冰毒
冰毒制作
冰毒配方
冰毒的制作
""", ), tags={"drug", "drug_make"})

term("terrorist organisation (added languages)", {"illegal": 0.45}, _plain("""
आतंकवाद*
आतंकी
জঙ্গি*
সন্ত্রাসী*
teroris*
khủng bố
อการร้าย*
(ال)?(إرهابي|ارهابي|إرهابية|ارهابية|إرهابيين|ارهابيين|إرهاب|ارهاب)
داعش
تنظيم (الدولة|القاعدة)
(ال)?(مجاهدين|جهاديين|جهادي)
تروریست*
(מחבל|מחבלים|טרוריסט|טרוריסטים|טרור|המחבל|המחבלים|הטרוריסט|הטרוריסטים|הטרור)
דאעש
terörist*
terör örgütü
terrorysta
terroryści
terrorystyczn*
dżihad*
терорист*
тероризм*
джихад*
terreurgroep*
terreurorganisatie*
terorista
magaidi
gaidi
ugaidi
테러 조직
テロ攻撃
自爆テロ
恐怖组织
""", ), tags={"terror"})

tag("propaganda (added languages)", {"propaganda"}, _plain("""
भर्ती वीडियो
video perekrutan
perekrutan
tuyên truyền
tuyển mộ
(ال)?دعاية
(ال)?تجنيد
(فيديو|مقطع) تجنيد
(ال)?(شهيد|شهداء|استشهادي|استشهادية|الاستشهاد)
(ال)?خلافة
بيعة
پروپاگاندا
عضوگیری
جذب نیرو
תעמולה
סרטון גיוס
(ה)?שאהיד*
örgüte katıl*
şehit*
werbunek
werbunkow*
вербуванн*
вербовк*
ronsel(en|video|filmpje)
pangangalap
kuajiri
anwerb*
招募视频
勧誘動画
프로파간다
""", ))

tag("how-to framing (added languages)", {"instructions"}, _plain("""
बनाने (का|की|के) (तरीका|तरीके|विधि|प्रक्रिया)
करने (का|की|के) (तरीका|तरीके|विधि)
(karne|banane) (ka|ki|ke) (tarika|tareeka|tarike|vidhi)
बनाना सिखा*
(kaise|kese|kaisay) (banaye|banaen|banayein|banate|banaen|banaya jata|bnaye|bnate)
banane (ka|ki|ke) (tarika|tareeka|vidhi|process)
পদ্ধতি
cara (membuat|bikin|merakit|meracik|buat)
langkah demi langkah
panduan
petunjuk
resep
resipi
cách (làm|chế tạo|chế|điều chế|nấu)
hướng dẫn
từng bước
công thức
สอนทำ*
นตอน*
(طريقة|طريقه|كيفية|كيفيه) (صنع|تصنيع|عمل|تحضير|صناعة)
كيف (أصنع|اصنع|تصنع|نصنع|يصنع|أعمل|اعمل)
خطوة (ب|بـ)?خطوة
(ال)?(وصفة|وصفه|تعليمات)
(ازاي|إزاي) (اعمل|نعمل|تعمل|أعمل)
(شلون|كيف) (اسوي|نسوي|أسوي)
آموزش (ساخت|درست کردن|تهیه)
طرز (تهیه|ساخت)
نحوه (ساخت|تهیه)
(چطور|چگونه) (بسازیم|بسازم|درست کنیم|درست کنم)
مرحله به مرحله
دستور (ساخت|پخت)
איך (להכין|לבנות|לייצר|מכינים|בונים|מייצרים)
שלב אחר שלב
(מתכון|הוראות|מדריך|המתכון|ההוראות|המדריך)
nasıl (yapılır|yapilir|yapabilirim|yaparım)
adım adım
tarif(i|ini|leri|lerini)
talimat*
jak (zrobić|zbudować|zrobic|zbudowac|wyprodukować|przygotować|przygotowac|zrobić w domu)
krok po kroku
przepis na
instrukcj*
poradnik
як (зробити|виготовити|зібрати|приготувати)
покроков*
інструкці*
hoe (maak|bouw) (je|ik)
stap voor stap
(het )?recept
handleiding
zelf maken
paano (gumawa|gawin|magluto)
hakbang-hakbang
paraan ng paggawa
jinsi ya (kutengeneza|kupika|kuunda)
hatua kwa hatua
maelekezo
wie (baut|stellt) man
bauanleitung*
rezept
selber (bauen|machen|herstellen)
tuto
recette
mode d'emploi
receta
ricetta
receita (de|para)
как изготовить
제조법
제조 방법
레시피
단계별
作る方法
製造方法
レシピ
やり方
制作方法
配方
""", ))

tag("making (added languages)", {"synth"}, _plain("""
herstellen
herstellung
fabriquer
изготовить
изготовлени*
виготовлення
üretimi
produkcja
""", ))

# --- Real people: heads of state and government, in their own scripts and common transliterations ---------
# A surname that is also a common word gets a first name or title ("lula" is squid, "meloni" melons, "tusk" a
# tooth, "merz" a surname in many firms). Names written only with a leading vowel sign ("मोदी", "পুতিন") cannot
# start a match (see above) and are written with the first name.

term("political figure (added languages)", {"political": 0.5}, _plain("""
नरेंद्र मोदी
नरेन्द्र मोदी
नमंत्री मोदी
modi ji
modiji
pradhan mantri modi
নরেন্দ্র মোদী
(ال)?(مودي|ناريندرا مودي)
مودی
путін*
(ال)?(بوتين|بوتن)
پوتین
פוטין
ทรัมป์*
(ال)?(ترامب|ترمب)
ترامپ
ترمپ
טראמפ
tập cận bình
(ال)?(شي جين بينغ|شي جينبينغ)
شی جین پینگ
שי ג'ינפינג
erdoğan
(ال)?(أردوغان|اردوغان)
اردوغان
ארדואן
эрдоган*
ердоган*
зеленськ*
zełenski*
zelenski*
(ال)?(زيلينسكي|زيلنسكي)
زلنسکی
זלנסקי
كيم جونغ (أون|اون)
کیم جونگ اون
קים ג'ונג און
кім чен ин
ким чен ын
presidente lula
president lula
luiz inácio lula
luís inácio lula
lula da silva
prabowo*
jokowi
joko widodo
(ال)?(نتنياهو|نتانياهو)
نتانیاهو
נתניהו
ביבי נתניהו
нетаньяху
нетаньягу
(ال)?(خامنئي|خامنئى)
خامنه ای
آیت الله خامنه ای
חמינאי
хаменеи
хаменеї
pezeshkian
پزشکیان
(ال)?(بزشكيان)
עמנואל מקרון
kanzler (scholz|merz)
bundeskanzler (scholz|merz)
(ال)?(شولتس|ميرتس)
premier meloni
presidente meloni
la meloni
sheinbaum
presidenta sheinbaum
anwar ibrahim
(perdana menteri|pm|datuk seri|dato seri) anwar
bongbong marcos
(president|pangulong|presidente) marcos
ferdinand marcos
william ruto
(rais|president) ruto
tinubu
bola tinubu
shehbaz sharif
shahbaz sharif
شہباز شریف
شهباز شريف
sheikh hasina
muhammad yunus
ইউনূস
phạm minh chính
(thủ tướng|tổng bí thư|chủ tịch nước|chủ tịch) (tô lâm|phạm minh chính|lương cường)
السيسي
عبد الفتاح السيسي
محمد بن سلمان
محمد بن زايد
paetongtarn
แพทองธาร*
อนุทิน*
anutin
samia suluhu
donald tusk
premier tusk
karol nawrocki
andrzej duda
mark rutte
dick schoof
(ال)?(ماكرون|بايدن|أوباما|اوباما)
لولا دا سيلفا
莫迪
埃尔多安
梅洛尼
朔尔茨
默茨
卢拉
米莱
普拉博沃
安瓦尔
小马科斯
哈梅内伊
马杜罗
モディ
マクロン
メローニ
エルドアン
ネタニヤフ
ハメネイ
高市早苗
모디
마크롱
에르도안
네타냐후
멜로니
문재인
""", ), tags={"real_named", "real_political"})

# --- Deceptive and defamatory framing (read by the real-person rule) -------------------------------------

tag("deceptive framing (added languages)", {"deceptive"}, _plain("""
फर्जी खबर
fake khabar
jhoothi khabar
breaking khabar
ghoshna
ऐलान
elaan
berita (palsu|bohong|hoaks|terkini)
hoaks
video (bocor|viral bocoran)
bocoran
mengumumkan
pengumuman (resmi)?
tin giả
tin nóng
video (bị )?rò rỉ
rò rỉ
tuyên bố
thông báo (chính thức)?
าวปลอม*
าวด่วน*
คลิปหลุด*
ประกาศ*
(ال)?(أخبار|اخبار) (كاذبة|كاذبه|مزيفة|مزيفه|عاجلة)
خبر عاجل
عاجل
(ال)?(فيديو|مقطع) (مسرب|مسربة|مسرّب)
(ال)?(مسرب|مسربة|تسريب)
(يعلن|تعلن|أعلن|اعلن|يعلنان|إعلان|اعلان) 
بيان رسمي
خبر (جعلی|فوری)
اخبار جعلی
(ویدیو|ویدئو|فیلم) (لو رفته|فاش شده)
اعلام (کرد|می کند|میکند)
(חדשות כזב|פייק ניוז|מבזק|החדשות כזב|הפייק ניוז|המבזק)
(הודיע|הודיעה|מודיע|מודיעה|הכריז|הכריזה|מכריז|מכריזה|ההודיע|ההודיעה|המודיע|המודיעה|ההכריז|ההכריזה|המכריז|המכריזה)
(סרטון|וידאו) (שדלף|דלף|מודלף)
הודעה רשמית
sahte haber
son dakika
(sızdırılmış|sizdirilmis|sızan) (video|görüntü|görüntüler)
(açıkladı|açıklıyor|duyurdu|duyuruyor|ilan ediyor|ilan etti)
resmi açıklama
fałszyw(a|e) (wiadomość|wiadomości|informacj*)
(wyciekł(o|e)|wyciek) (nagranie|wideo|film)
(ogłasza|ogłosił|ogłosiła)
oficjalne oświadczenie
фейков(і|а) новин*
злите відео
(оголошує|оголосив|оголосила)
офіційна заява
терміново
фейков(ые|ая) новост*
слит(ое|ые) видео
(объявляет|объявил|объявила)
nepnieuws
(gelekte|uitgelekte) (video|beelden)
(kondigt|kondigde) ~ aan
officiële verklaring
pekeng balita
(nag-anunsyo|inanunsyo|ipinahayag)
habari (za uongo|bandia)
(video|picha) (iliyovuja|zilizovuja)
(anatangaza|alitangaza)
(noticia|notícia) falsa
(notizia|notizie) fals(a|e)
fausse (information|nouvelle|annonce)
falschmeldung
eilmeldung
geleakt(es|e)?
(vídeo|video) (vazado|filtrado|trapelato)
假新闻
突发新闻
官方宣布
泄露视频
偷拍
フェイクニュース
速報
流出動画
流出映像
가짜 뉴스
속보
유출된
""", ))

tag("defamatory situation (added languages)", {"defamatory"}, _plain("""
नशे में
नशे मे
nashe (mein|me|main)
sharabi
giraftar
jail mein
rishwat
mabuk
ditangkap
diborgol
(di )?penjara
menerima suap
nyabu
say rượu
bị bắt
còng tay
nhận hối lộ
(ngồi|vào|trong) tù
เมา*
(ال)?(سكران|سكرانة|ثمل|ثملة|مخمور|مخمورة)
(القبض عليه|القبض عليها|اعتقال|اعتقل|اعتقلت|معتقل|مقبوض عليه)
(ال)?(أصفاد|اصفاد|كلبشات)
(في|فى) (السجن|الحبس)
(يأخذ|يتلقى|ياخذ) رشوة
رشوة
يتعاطى (ال)?(مخدرات|حشيش)
مست
بازداشت (شد|شده)
دستگیر (شد|شده)
در زندان
رشوه
(שיכור|שיכורה|שתוי|שתויה|השיכור|השיכורה|השתוי|השתויה)
(נעצר|נעצרה|עצור|עצורה|באזיקים)
בכלא
(לוקח|לוקחת|קיבל) שוחד
sarhoş
tutuklandı
tutuklanıyor
kelepçeli
hapiste
rüşvet (alıyor|alırken|aldı)
pijan(y|a|i)
aresztowan(y|a|i)
zatrzyman(y|a)
w kajdankach
w więzieniu
(bierze|brał|wzięła) łapówk*
п'ян(ий|а|і)
заарештован(ий|а|і)
в наручниках
у в'язниці
хабар
(dronken|bezopen)
gearresteerd
in de boeien
in de gevangenis
steekpenningen
(lasing|lasheng)
inaresto
naka(posas|-posas)
nakakulong
(amelewa|mlevi)
(amekamatwa|alikamatwa|kukamatwa)
(gerezani|jela)
rushwa
betrunken
verhaftet
festgenommen
in handschellen
im gefängnis
(borracho|borracha|ebri(o|a))
(detenido|detenida|arrestado|arrestada|esposado)
(bêbado|bêbada)
(foi|fue|está|esta) preso
(ubriaco|ubriaca|arrestato|arrestata|ammanettato)
(ivre|menotté|menottée|en prison|en état d'arrestation)
пьяный
пьяная
арестован(ный|а|)
в наручниках
醉酒
喝醉
被捕
被逮捕
戴着手铐
受贿
吸毒
泥酔
酔っ払
逮捕
手錠
賄賂
술에 취한
체포
수갑
뇌물
""", ))

term("political topic (added languages)", {"political": 0.46}, _plain("""
חמאס
(kecurangan pemilu|pemilu curang)
(gian lận bầu cử)
(seçim hilesi)
(sfałszowane wybory)
(фальсифікація виборів)
(verkiezingsfraude)
wahlbetrug
fraude electoral
fraude eleitoral
""", ), tags={"political_topic"})


# =========================================================================================================
# Words in scripts with combining vowel signs (Devanagari, Bengali, Thai): the matcher now finds these
# anywhere (matching.ABUGIDA), so the common words that could not start a pattern before are here.
# =========================================================================================================

term("nudity (abugida scripts)", {"sexual": 0.82}, """
नंगी
नंगा
नंगे
नंगापन
निर्वस्त्र
उलंग
বিবস্ত্র
উলঙ্গ
ন্যাংটো
নগ্ন
เปลือย
โป๊
แก้ผ้า
""")

term("explicit sexual act (abugida scripts)", {"sexual": 0.92}, """
सेक्स
पोर्न
चुदाई
संभोग
अश्लील वीडियो
ब्लू फिल्म
সেক্স
পর্ন
চোদাচুদি
เซ็กส์
เย็ด
หนังโป๊
ร่วมเพศ
""")

term("undressing (abugida scripts)", {"sexual": 0.56}, """
कपड़े उतार
कपडे उतार
बिना कपड़ों
बिना कपड़े
কাপড় খুল
ถอดเสื้อผ้า
""")

term("child (abugida scripts)", {"_minor": 1.0}, """
नाबालिग
बच्ची
बच्चा
बच्चे
बच्चों
स्कूली लड़की
स्कूल की लड़की
छोटी लड़की
নাবালিকা
নাবালক
শিশু
বাচ্চা
স্কুলছাত্রী
เด็กหญิง
เด็กชาย
เด็กนักเรียน
ผู้เยาว์
""")

term("teenager (abugida scripts)", {"_minor": 0.6}, """
किशोरी
किशोर
কিশোরী
วัยรุ่น
""")

term("gore (abugida scripts)", {"violence": 0.86}, """
सिर काट
सर काट
सिर कलम
टुकड़े टुकड़े
पीट पीट कर मार
लाशें
শিরশ্ছেদ
মাথা কাট
ตัดหัว
ตัดคอ
หั่นศพ
""")

term("violence (abugida scripts)", {"violence": 0.46}, """
मार डालो
मार डाला
हत्या
খুন
ฆ่า
""")

term("self-harm (abugida scripts)", {"self_harm": 0.72}, """
नस काट
कलाई काट
फांसी लगा
फाँसी लगा
আত্মহত্যা কর
হাত কাট
กรีดข้อมือ
ผูกคอตาย
""")

term("suicide (abugida scripts)", {"self_harm": 0.46}, """
आत्महत्या
खुदकुशी
আত্মহত্যা
ฆ่าตัวตาย
""")

term("bomb (abugida scripts)", {"illegal": 0.3}, """
बम
বোমা
ระเบิด
""")

tag("how-to framing (abugida scripts)", {"instructions"}, """
कैसे बनाएं
कैसे बनाये
कैसे बनाते
बनाने का तरीका
बनाने की विधि
स्टेप बाय स्टेप
কিভাবে বানা
বানানোর নিয়ম
วิธีทำ
ทีละขั้นตอน
""")

tag("making (abugida scripts)", {"synth"}, """
बनाना
बनाओ
বানাও
ทำ
""")

term("political figure (abugida scripts)", {"political": 0.5}, """
मोदी
राहुल गांधी
शेख हसीना
ইউনূস
হাসিনা
""", tags={"real_named", "real_political"})
tag("defamatory situation (abugida scripts)", {"defamatory"}, """
गिरफ्तार
रिश्वत
नशे में
जेल में
हथकड़ी
গ্রেফতার
ঘুষ
মাতাল
ถูกจับ
รับสินบน
เมา
""")

tag("deceptive framing (abugida scripts)", {"deceptive"}, """
फर्जी खबर
फ़र्ज़ी ख़बर
नकली खबर
ब्रेकिंग न्यूज़
ब्रेकिंग न्यूज
लीक वीडियो
चुनाव रद्द
चुनाव स्थगित
ভুয়া খবর
ব্রেকিং নিউজ
নির্বাচন বাতিল
ข่าวปลอม
ข่าวด่วน
เลื่อนการเลือกตั้ง
""")


safe("benign phrase (abugida look-alikes)", """
नंगे पैर
नंगे पांव
नंगी तलवार
नंगी आंखों
बम बम भोले
बच्चों का पार्क
बच्चों के लिए
शिशु रोग
শিশু পার্ক
শিশু দিবস
ระเบิดเวลา
เด็กๆ เล่น
วันเด็ก
""")


# =========================================================================================================
# Community slang and plain requests the first lexicon did not know: self-harm words used to dodge filters,
# animal cruelty asked plainly, abbreviations for abuse material.
# =========================================================================================================

term("self-harm slang", {"self_harm": 0.72}, """
unaliv*
un-aliv*
sewerslide
sewer slide
self ?delet*
kms
kys
(cat scratches|barcode|barcodes|beans|styro|bars) on (my|her|his|their) (arm|arms|wrist|wrists|thigh|thighs|legs?)
(my|her|his) (arm|arms|wrist|wrists|thigh|thighs) (cat scratches|barcode|barcodes|bars)
cat scratches tutorial
sh (scars|marks|tutorial|relapse|urges?|tools?|kit)
(how to|ways to) sh
ana coach
thinspo*
meanspo
bonespo
""")

tag("concealment (slang)", {"concealment"}, """
(without|so) (anyone|my parents|my mom|my dad|parents|people|nobody|no one) (noticing|notice|knowing|finding out|sees|seeing|dont notice|don't notice)
""")

term("animal cruelty", {"violence": 0.86}, """
(cat|cats|kitten|kittens|dog|dogs|puppy|puppies|hamster|rabbit|bunny|bird|pet|animal|animals) in (the|a) (microwave|oven|blender|freezer|dryer|washing machine|fire)
(kick*|beat*|torture*|burn*|drown*|skin*|strangl*|stab*|set fire to|throw*|hang*) (a|the|my|some|stray)? (cat|cats|kitten|kittens|dog|dogs|puppy|puppies|animal|animals|pet|pets|horse|stray|strays)
(cat|dog|puppy|kitten|animal) (being )?(tortured|skinned|burned|drowned|beaten to death|set on fire|kicked to death)
animal (torture|crush|crush video|cruelty video)
crush (video|videos|fetish)
""")

term("abuse material (abbreviations)", {"sexual_minors": 0.97, "sexual": 0.9}, """
cp (vid|vids|video|videos|pics|links?|content|collection|folder|trade)
(child|kiddie|kid|preteen|pthc) porn*
pthc
""")

term("nudes (leet and slang)", {"sexual": 0.72}, """
noods
noodes
noode
nood
nudez
nudies
nood pics
""")


ENTRIES = tuple(_ENTRIES)


def fingerprint():
    """A short hash of every row, recorded with each decision so a replay knows the exact lexicon."""
    digest = hashlib.sha256()
    for entry in ENTRIES:
        digest.update(repr((entry.label, entry.patterns, sorted(entry.scores.items()), sorted(entry.tags),
                            entry.safe, sorted(entry.unless))).encode())
    return digest.hexdigest()[:10]


# =========================================================================================================
# Context rules: tags that mean more together than apart
# =========================================================================================================

# (all of these tags, category, score, reason)
COMBINATIONS = (
    (("explosive", "instructions"), "illegal", 0.92, "explosive with how-to framing"),
    (("explosive", "synth"), "illegal", 0.85, "making an explosive"),
    (("explosive", "concealment"), "illegal", 0.88, "explosive carried hidden"),
    (("explosive", "crowd_target"), "illegal", 0.7, "explosive in a crowded place"),
    (("explosive_euph", "crowd_target", "concealment"), "illegal", 0.9, "disguised explosive hidden in a crowd"),
    (("explosive_euph", "crowd_target", "instructions"), "illegal", 0.88, "disguised explosive made for a crowd"),
    (("explosive_euph", "scare_quotes", "instructions"), "illegal", 0.82, "quoted euphemism with how-to"),
    (("explosive_euph", "scare_quotes", "crowd_target"), "illegal", 0.82, "quoted euphemism in a crowd"),
    (("weapon_build", "instructions"), "illegal", 0.92, "weapon manufacturing with how-to"),
    (("weapon_build", "concealment"), "illegal", 0.85, "untraceable weapon carried hidden"),
    (("drug", "instructions"), "illegal", 0.85, "drug with how-to framing"),
    (("drug", "synth"), "illegal", 0.85, "making a drug"),
    (("cbrn", "instructions"), "illegal", 0.95, "chemical or biological weapon with how-to"),
    (("cbrn", "synth"), "illegal", 0.92, "making a chemical or biological weapon"),
    (("terror", "propaganda"), "illegal", 0.92, "terrorist propaganda"),
    (("extremist", "propaganda"), "illegal", 0.85, "extremist propaganda"),
    (("crime", "instructions"), "illegal", 0.8, "crime with how-to framing"),
    (("crime", "concealment"), "illegal", 0.78, "crime without getting caught"),
    (("self_harm_act", "instructions"), "self_harm", 0.92, "self-harm with how-to framing"),
    (("self_harm_act", "concealment"), "self_harm", 0.92, "self-harm hidden from others"),
    (("suicide", "instructions"), "self_harm", 0.9, "suicide with how-to framing"),
    (("suicide", "method"), "self_harm", 0.85, "suicide with a method"),
    (("suicide", "amp_realism"), "self_harm", 0.66, "realistic suicide depiction"),
)
