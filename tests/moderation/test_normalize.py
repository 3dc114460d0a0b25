import pytest

from generations.moderation.text.normalize import fold_literal, normalize, normalize_text

ZW = "\u200b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NFKC: full-width, mathematical and ligature forms
        ("ｎｕｄｅ", "nude"),
        ("𝐧𝐮𝐝𝐞 𝓌𝑜𝓂𝒶𝓃", "nude woman"),
        ("ﬁnal", "final"),
        # invisible and format characters
        ("n\u200bu\u200bd\u200be", "nude"),
        ("t\u200do\u200dp\u200dl\u200de\u200ds\u200ds", "topless"),
        ("por\u200cn", "porn"),
        ("nu\u00addity", "nudity"),
        ("na\ufe0fked", "naked"),
        ("se\u2060x", "sex"),
        ("\u202enude\u202c", "nude"),
        ("b\U000e0041omb", "bomb"),
        ("win\u200bdows", "windows"),
        # look-alike letters folded to a Latin skeleton
        ("Tоplеss", "topless"),  # Cyrillic о, е
        ("сuttіng wrіsts", "cutting wrists"),  # Cyrillic с, і
        ("ΝUDΕ", "nude"),  # Greek Ν, Ε
        ("ТОРLESS", "topless"),  # Cyrillic capitals
        ("ѕех", "sex"),  # a word made only of look-alikes
        ("ɴᴜᴅᴇ", "nude"),  # small capitals
        ("🇳🇺🇩🇪", "nude"),  # regional indicators
        # ... but a real Cyrillic word stays Cyrillic, its Latin intruders folded into it
        ("Голая женщина", "голая женщина"),
        ("пoрно", "порно"),
        # accents stripped (lexicon literals are folded the same way)
        ("démembré", "demembre"),
        ("Crianças", "criancas"),
        # spelled-out letters joined
        ("n u d e woman", "nude woman"),
        ("N.A.K.E.D. video", "naked. video"),
        ("b-o-m-b", "bomb"),
        ("p_o_r_n", "porn"),
        ("s * e * x", "sex"),
        ("n o costume", "no costume"),
        ("n u d e  w o m a n", "nude woman"),
        ("n.u.d.e w.o.m.a.n", "nude woman"),
        # an emoji put between the letters is a separator too; emoji between words are left alone
        ("n🍑u🍑d🍑e clip", "nude clip"),
        ("h🎈a🎈n🎈g🎈s himself", "hangs himself"),
        ("peach 🍑 tart", "peach 🍑 tart"),
        # a block or box character between the letters is a separator too
        ("u█n█d█e█r█a█g█e", "underage"),
        ("s■e■x tape", "sex tape"),
        # leetspeak folded inside words, numbers with units left alone
        ("n4k3d", "naked"),
        ("s3x", "sex"),
        ("p0rn0", "porno"),
        ("$ex n@ked", "sex naked"),
        ("s33-thru", "see-thru"),
        ("3xpl1c1t", "explicit"),
        ("a 3d render in 4k at 60fps, 35mm, 1080p", "a 3d render in 4k at 60fps, 35mm, 1080p"),
        ("a 13-year-old", "a 13-year-old"),
        ("12yo", "12yo"),
        # repeated letters collapsed (three or more)
        ("nuuuude", "nude"),
        ("sexxx", "sex"),
        ("good coffee", "good coffee"),
        # whitespace
        ("  a\t\ncat  ", "a cat"),
        ("", ""),
    ],
)
def test_it_normalizes(text, expected):
    assert normalize_text(text) == expected


def test_it_keeps_the_raw_view_as_typed_apart_from_case():
    views = normalize("Tоplеss W\u200bOMAN")
    assert views.raw == "tоplеss w\u200boman"
    assert views.normalized == "topless woman"


def test_it_offers_a_single_view_when_normalising_changes_nothing():
    views = normalize("A cat on a sofa")
    assert [name for name, _ in views.items()] == ["raw"]


def test_it_remembers_spelled_out_runs_for_segmentation():
    assert normalize("n a k e d g i r l at home").joined == ("nakedgirl",)


@pytest.mark.parametrize(
    ("literal", "folded"),
    [("démembr", "demembr"), ("NACKT", "nackt"), ("голая", "голая"), ("ｐｏｒｎ", "porn"), ("Ölbild", "olbild")],
)
def test_it_folds_lexicon_literals_like_text(literal, folded):
    assert fold_literal(literal) == folded
    assert normalize_text(literal) == folded


def test_it_is_idempotent_on_its_own_output():
    for text in ["Tоplеss n u d e w0m4n", "Голая женщина", "b-o-m-b tutorial", "naked mole rat"]:
        once = normalize_text(text)
        assert normalize_text(once) == once


def test_it_keeps_raw_view_offsets_on_the_prompt_as_typed():
    prompt = "Straße, İstanbul: NACKTE Frau"
    views = normalize(prompt)
    assert len(views.raw) == len(prompt)
    start = views.raw.index("nackte")
    assert prompt[start : start + 6] == "NACKTE"
