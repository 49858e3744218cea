import pytest

from synth_hf.text.language import detect_language


@pytest.mark.parametrize(
    "text,code",
    [
        ("The quick brown fox jumps over the lazy dog near the river bank.", "en"),
        ("Le renard brun rapide saute par-dessus le chien paresseux près de la rivière.", "fr"),
        ("Der schnelle braune Fuchs springt über den faulen Hund am Flussufer.", "de"),
        ("El rápido zorro marrón salta sobre el perro perezoso junto al río.", "es"),
        ("敏捷的棕色狐狸跳过了河边那只懒惰的狗，然后跑进了森林。", "zh"),
    ],
)
def test_detects_common_languages(text, code):
    assert detect_language(text) == code


@pytest.mark.parametrize(
    "text", ["", "   ", "ok", "12345 67890 !!!", "\x00\x01", None, 42, "🙂🙂🙂🙂🙂🙂🙂🙂🙂"]
)
def test_undetermined_for_empty_short_or_odd_input(text):
    assert detect_language(text) == "und"


def test_deterministic_on_ambiguous_text():
    text = "casa bella mundo grande data"
    results = {detect_language(text) for _ in range(5)}
    assert len(results) == 1


def test_never_raises_on_garbage():
    assert isinstance(detect_language("\ud800 lone surrogate text here and more words"), str)
    assert isinstance(detect_language("a" * 200_000), str)
