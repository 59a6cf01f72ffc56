"""Ready-made word lists for maps, features and training examples.

Every word is a common, lowercase, single word that has a row in GloVe 6B
(tested), and no word belongs to two lists, so a word's category is never
ambiguous when a map is coloured by category. Ambiguous words were left out on
purpose: "orange" (fruit or colour), "date" (fruit or day), "jaguar" (animal
or car), "turkey" (animal or country), "plane" (vehicle or geometry).

``countries`` and ``capitals`` are aligned: ``capitals[i]`` is the capital of
``countries[i]``, which is what an analogy such as france : paris ::
italy : ? needs (see :data:`COUNTRY_CAPITAL_PAIRS`).
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["CATEGORIES", "CATEGORY_TITLES", "COUNTRY_CAPITAL_PAIRS", "category_of", "words_in"]

_COUNTRY_CAPITAL = (
    ("france", "paris"),
    ("germany", "berlin"),
    ("italy", "rome"),
    ("spain", "madrid"),
    ("portugal", "lisbon"),
    ("england", "london"),
    ("ireland", "dublin"),
    ("russia", "moscow"),
    ("japan", "tokyo"),
    ("china", "beijing"),
    ("egypt", "cairo"),
    ("greece", "athens"),
    ("austria", "vienna"),
    ("norway", "oslo"),
    ("sweden", "stockholm"),
    ("finland", "helsinki"),
    ("poland", "warsaw"),
    ("hungary", "budapest"),
    ("kenya", "nairobi"),
    ("peru", "lima"),
    ("cuba", "havana"),
    ("thailand", "bangkok"),
    ("iran", "tehran"),
    ("canada", "ottawa"),
)

#: Category name -> words. A plain dict of plain lists (copy before changing).
CATEGORIES: dict[str, list[str]] = {
    "animals": [
        "cat", "dog", "horse", "cow", "pig", "sheep", "goat", "rabbit", "mouse", "lion",
        "tiger", "elephant", "bear", "wolf", "fox", "deer", "monkey", "giraffe", "zebra", "camel",
        "snake", "frog", "duck", "chicken", "owl", "eagle", "whale", "dolphin", "shark", "squirrel",
    ],
    "fruits": [
        "apple", "banana", "pear", "grape", "cherry", "strawberry", "peach", "plum", "mango", "pineapple",
        "lemon", "lime", "melon", "watermelon", "apricot", "kiwi", "papaya", "coconut", "raspberry", "blueberry",
        "fig", "pomegranate", "grapefruit", "avocado",
    ],
    "vehicles": [
        "car", "bus", "truck", "bicycle", "motorcycle", "train", "airplane", "helicopter", "boat", "ship",
        "taxi", "van", "tram", "scooter", "tractor", "ambulance", "submarine", "yacht", "canoe", "jeep",
        "limousine", "minivan", "sailboat", "ferry",
    ],
    "countries": [country for country, _ in _COUNTRY_CAPITAL],
    "capitals": [capital for _, capital in _COUNTRY_CAPITAL],
    "colours": [
        "red", "blue", "green", "yellow", "purple", "pink", "brown", "black", "white", "grey",
        "violet", "crimson", "turquoise", "beige", "scarlet", "maroon", "indigo", "lavender",
    ],
    "numbers": [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
        "twenty", "thirty", "forty", "fifty", "hundred", "thousand",
    ],
    "family": [
        "mother", "father", "sister", "brother", "son", "daughter", "aunt", "uncle", "grandmother",
        "grandfather", "wife", "husband", "cousin", "niece", "nephew", "grandson", "granddaughter",
        "parents", "mom", "dad",
    ],
    "emotions": [
        "happy", "sad", "angry", "afraid", "joy", "fear", "anger", "sadness", "happiness", "love",
        "hate", "surprise", "disgust", "anxious", "excited", "proud", "ashamed", "jealous", "lonely", "nervous",
        "grateful", "calm",
    ],
    "verbs": [
        "run", "walk", "eat", "drink", "sleep", "write", "read", "speak", "swim", "jump",
        "sing", "think", "throw", "catch", "build", "cook", "climb", "dance", "teach", "learn",
        "buy", "sell", "drive", "listen",
    ],
}

#: Display titles for the UI.
CATEGORY_TITLES: MappingProxyType[str, str] = MappingProxyType({
    "animals": "Animals",
    "fruits": "Fruits",
    "vehicles": "Vehicles",
    "countries": "Countries",
    "capitals": "Capital cities",
    "colours": "Colours",
    "numbers": "Numbers",
    "family": "Family",
    "emotions": "Emotions",
    "verbs": "Verbs",
})

#: (country, capital) pairs, aligned with CATEGORIES["countries"] / ["capitals"].
COUNTRY_CAPITAL_PAIRS: tuple[tuple[str, str], ...] = _COUNTRY_CAPITAL


def category_of(word: str) -> str | None:
    """The category a word belongs to (case-insensitive, surrounding spaces ignored), or None."""
    w = word.strip().lower()
    for name, words in CATEGORIES.items():
        if w in words:
            return name
    return None


def words_in(names: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """``(word, category)`` pairs for the named categories, in order; unknown names are refused."""
    from .errors import EmbedlabError

    out = []
    for name in names:
        if name not in CATEGORIES:
            raise EmbedlabError(f"unknown category {name!r}; choose from {', '.join(CATEGORIES)}")
        out.extend((w, name) for w in CATEGORIES[name])
    return out
